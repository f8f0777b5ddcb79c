// Every user-facing string of the manifest lives in package.nls.json, the file translators get; these tests keep the
// two in step, so no `%key%` shows up raw in the editor and no English text is left without a place in package.json.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = new URL('../../', import.meta.url);
const manifestText = readFileSync(new URL('package.json', root), 'utf8');
const manifest = JSON.parse(manifestText) as Record<string, unknown> & { contributes: Record<string, unknown>; l10n?: string };
const nls = JSON.parse(readFileSync(new URL('package.nls.json', root), 'utf8')) as Record<string, string>;

/** Every `%key%` placeholder in the manifest. */
const placeholders = [...manifestText.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]!);

/** The string values under `node` at the given property names (at any depth). */
function valuesOf(node: unknown, names: ReadonlySet<string>, out: string[] = [], name = ''): string[] {
  if (typeof node === 'string') {
    if (names.has(name)) out.push(node);
  } else if (Array.isArray(node)) {
    for (const item of node) valuesOf(item, names, out, name);
  } else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) valuesOf(value, names, out, key);
  }
  return out;
}

describe('package.nls.json', () => {
  it('has the English text of every %key% package.json uses', () => {
    assert.ok(placeholders.length > 0);
    for (const key of placeholders) assert.ok(typeof nls[key] === 'string' && nls[key].length > 0, `%${key}% is in package.nls.json`);
  });

  it('has no key package.json does not use', () => {
    const used = new Set(placeholders);
    assert.deepEqual(Object.keys(nls).filter((key) => !used.has(key)), []);
  });

  it('holds every user-facing string of the manifest: no English text is left inline', () => {
    const prose = new Set(['displayName', 'description', 'title', 'category', 'name', 'contextualTitle', 'contents', 'markdownDescription', 'enumDescriptions', 'aliases', 'altText']);
    // A language model tool's name is an id, and its modelDescription and inputSchema are read by the model, in
    // English like VS Code's own tools; its displayName and userDescription are the person's, and translated.
    const tools = (manifest.contributes['languageModelTools'] ?? []) as Record<string, unknown>[];
    const { languageModelTools: _models, ...contributes } = manifest.contributes;
    const toolProse = tools.map(({ displayName, userDescription }) => ({ displayName, userDescription }));
    const inline = [
      ...valuesOf({ displayName: manifest.displayName, description: manifest.description }, prose),
      ...valuesOf(contributes, prose),
      ...valuesOf(toolProse, new Set(['displayName', 'userDescription'])),
    ].filter((value) => !/^%[^%]+%$/.test(value));
    assert.equal(toolProse.length, 4, 'the four tools are checked');
    assert.deepEqual(inline, []);
  });

  it('package.json points VS Code at the l10n bundle folder', () => {
    assert.equal(manifest.l10n, './l10n');
  });
});

describe('the package', () => {
  it('ships the manifest strings and every translation, but not the English source bundle (.vscodeignore is an allowlist)', () => {
    const allowed = readFileSync(new URL('.vscodeignore', root), 'utf8').split('\n').map((line) => line.trim());
    // package.nls.json and package.nls.<language>.json; l10n/bundle.l10n.<language>.json, the only files VS Code
    // reads from the l10n folder (docs/harness.md, H22)
    assert.ok(allowed.includes('!package.nls*.json'));
    assert.ok(allowed.includes('!l10n/bundle.l10n.*.json'));
    assert.ok(!allowed.some((line) => line === '!l10n/**' || line === '!l10n/bundle.l10n.json'));
  });
});

describe('l10n/bundle.l10n.json', () => {
  it('is what @vscode/l10n-dev extracts from src/ now (run `node esbuild.mjs --production` after changing a message)', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'logup-l10n-'));
    try {
      const cli = createRequire(import.meta.url).resolve('@vscode/l10n-dev/dist/cli.js');
      execFileSync(process.execPath, [cli, 'export', '--outDir', outDir, './src'], { cwd: fileURLToPath(root), stdio: 'pipe' });
      const fresh = JSON.parse(readFileSync(join(outDir, 'bundle.l10n.json'), 'utf8')) as Record<string, unknown>;
      const committed = JSON.parse(readFileSync(new URL('l10n/bundle.l10n.json', root), 'utf8')) as Record<string, unknown>;
      // The keys first, so a forgotten export names the messages instead of printing both bundles.
      assert.deepEqual({ missing: Object.keys(fresh).filter((k) => !(k in committed)), unused: Object.keys(committed).filter((k) => !(k in fresh)) }, { missing: [], unused: [] });
      assert.deepEqual(committed, fresh);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
