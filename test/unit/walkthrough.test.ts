// The walkthrough is only declared in package.json: these tests keep what it points to real and shipped.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMANDS, CONTEXT_HAS_GATES, WALKTHROUGH_ID } from '../../src/constants';

interface Step {
  id: string;
  description: string;
  media: { image?: string; markdown?: string; altText?: string };
  completionEvents?: string[];
}
interface Manifest {
  activationEvents: string[];
  contributes: { walkthroughs: { id: string; steps: Step[] }[] };
}

const root = new URL('../../', import.meta.url);
// The manifest's prose is in package.nls.json (`%key%` in package.json): read it as VS Code shows it.
const nls = JSON.parse(readFileSync(new URL('package.nls.json', root), 'utf8')) as Record<string, string>;
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'), (_key, value: unknown) =>
  typeof value === 'string' ? value.replace(/^%([^%]+)%$/, (whole, key: string) => nls[key] ?? whole) : value) as Manifest;
const [walkthrough] = manifest.contributes.walkthroughs;

/** The .vscodeignore allowlist as regular expressions (`**` any path, `*` one path segment). */
const shipped = readFileSync(new URL('.vscodeignore', root), 'utf8').split('\n')
  .filter((line) => line.startsWith('!'))
  .map((line) => globToRegExp(line.slice(1).trim()));

function globToRegExp(glob: string): RegExp {
  const parts = glob.split('**').map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'));
  return new RegExp(`^${parts.join('.*')}$`);
}

describe('the getting-started walkthrough', () => {
  it('is declared once, with the id the code knows', () => {
    assert.equal(manifest.contributes.walkthroughs.length, 1);
    assert.equal(walkthrough?.id, WALKTHROUGH_ID);
  });

  it('adds a gate, verifies a token, then edits and saves, each step completed by its commands', () => {
    const commands = new Set<string>(Object.values(COMMANDS));
    assert.deepEqual(walkthrough?.steps.map((s) => s.id), ['addGate', 'verifyToken', 'editAndSave']);
    for (const step of walkthrough?.steps ?? []) {
      assert.ok((step.completionEvents ?? []).length > 0, `${step.id} has completion events`);
      for (const event of step.completionEvents ?? []) {
        const [kind, name] = event.split(/:(.*)/s);
        if (kind === 'onCommand') assert.ok(commands.has(name ?? ''), `${step.id}: ${event} names a declared command`);
        else assert.equal(event, `onContext:${CONTEXT_HAS_GATES}`, `${step.id}: ${event} is a context key the extension sets`);
      }
      assert.ok(step.description.includes('(command:'), `${step.id} links the commands it asks for`);
      for (const link of step.description.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(commands.has(link[1] ?? ''), `${step.id} links ${link[1]}`);
    }
  });

  it('shows media that exist and are in the package', () => {
    for (const step of walkthrough?.steps ?? []) {
      const file = step.media.image ?? step.media.markdown;
      assert.ok(file, `${step.id} has media`);
      assert.ok(existsSync(new URL(file, root)), `${file} exists`);
      assert.ok(shipped.some((re) => re.test(file)), `${file} is allowed by .vscodeignore`);
      if (step.media.image) assert.ok((step.media.altText ?? '').length > 20, `${step.id}: the image has alt text`);
    }
  });

  it('packs its screenshots quantized, as npm run screenshots writes them (a third of the bytes in the .vsix)', () => {
    for (const step of walkthrough?.steps ?? []) {
      if (!step.media.image?.endsWith('.png')) continue;
      const png = readFileSync(new URL(step.media.image, root));
      // IHDR's colour type, byte 25: 3 is a palette image (pngquant's output), 2 or 6 a true-colour one
      assert.equal(png[25], 3, `${step.media.image} is a true-colour PNG: refresh it with npm run screenshots`);
    }
  });
});

describe('activation', () => {
  it('activates on a link, so a link works before anything else ran', () => {
    assert.ok(manifest.activationEvents.includes('onUri'));
  });
});
