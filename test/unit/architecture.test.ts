// The layout is the architecture (CONTRIBUTING.md): these tests keep the import graph the way the folder map says.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Each source file (relative to src/, without .ts) → the src files it imports, statically or lazily. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files(src)) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
    const targets = specifiers.map((s) => {
      const target = resolve(dirname(file), s);
      const withTs = statSafe(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts');
      return relative(src, withTs).replace(/\.ts$/, '');
    });
    graph.set(relative(src, file).replace(/\.ts$/, ''), targets);
  }
  return graph;
}

function statSafe(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const graph = importGraph();

/** Every `import('…')` in src/, as "module → specifier". */
function lazyImports(): string[] {
  return [...graph.keys()].flatMap((module) => {
    const text = readFileSync(join(src, `${module}.ts`), 'utf8');
    return [...text.matchAll(/(?<!typeof )import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => `${module} → ${m[1]}`);
  }).sort();
}
const layer = (module: string): string => module.split('/')[0]!;

/**
 * The floors of src/, lowest first (docs/architecture.md, "Layers"): a folder, or a file at the top of src/. A module
 * imports from its own floor or below, never up, type-only imports included. The pure rules know nothing of VS Code
 * or of the services; the services (what the owner object holds) nothing of the owner; the owner nothing of the
 * command handlers that act on it; only activation knows them all.
 */
const FLOORS: readonly (readonly string[])[] = [
  ['core', 'api', 'sandbox', 'constants', 'settings'],
  ['db', 'gates', 'dialogs'],
  ['review', 'history', 'views'],
  ['ctx'],
  ['commands', 'tools'],
  ['extension'],
];
const floorOf = (module: string): number => FLOORS.findIndex((floor) => floor.includes(layer(module)));

describe('architecture', () => {
  it('has no import circle', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (module: string): void => {
      if (state.get(module) === 'done') return;
      if (state.get(module) === 'visiting') assert.fail(`import circle: ${[...stack.slice(stack.indexOf(module)), module].join(' → ')}`);
      state.set(module, 'visiting');
      stack.push(module);
      for (const next of graph.get(module) ?? []) visit(next);
      stack.pop();
      state.set(module, 'done');
    };
    for (const module of graph.keys()) visit(module);
  });

  it('the pure layers import only themselves and the layers below them', () => {
    // core is the bottom; api and sandbox build on core only; neither knows the extension.
    const allowed: Record<string, readonly string[]> = { core: ['core'], api: ['api', 'core'], sandbox: ['sandbox', 'core'] };
    for (const [module, targets] of graph) {
      const may = allowed[layer(module)];
      if (!may) continue;
      for (const target of targets) assert.ok(may.includes(layer(target)), `${module} imports ${target}`);
    }
  });

  it('every folder and top-level file of src/ stands on a floor', () => {
    const unplaced = [...new Set([...graph.keys()].map(layer))].filter((l) => floorOf(l) < 0);
    assert.deepEqual(unplaced, [], 'put each in FLOORS (and in docs/architecture.md)');
  });

  it('no import runs up a floor', () => {
    const upward = [...graph].flatMap(([module, targets]) =>
      targets.filter((target) => floorOf(target) > floorOf(module)).map((target) => `${module} → ${target}`));
    assert.deepEqual(upward, []);
  });

  it('the extension takes from the sandbox only its demo gate, so the server stays out of the bundle', () => {
    for (const [module, targets] of graph) {
      if (layer(module) === 'sandbox') continue;
      for (const target of targets.filter((t) => layer(t) === 'sandbox')) assert.equal(target, 'sandbox/demoGate', `${module} imports ${target}`);
    }
  });

  it('the lazy imports are the lazily loaded bundles esbuild.mjs makes: the api, the formatter, the handlers', () => {
    assert.deepEqual(lazyImports(), ['commands/registry → ./handlers', 'db/dbFormatter → jsonc-parser', 'gates/clientRegistry → ../api', 'tools/registry → ./handlers']);
  });

  it('each bundle hands its own @vscode/l10n the display language (extension, api)', () => {
    assert.match(readFileSync(join(src, 'extension.ts'), 'utf8'), /^\s*useTranslations\(vscode\.l10n\.bundle\);/m, 'activate() does not call useTranslations()');
    // the api bundle is handed it by the one place that loads it
    assert.match(readFileSync(join(src, 'gates/clientRegistry.ts'), 'utf8'), /await import\('\.\.\/api'\);\s*useTranslations\(vscode\.l10n\.bundle\);/);
  });

  it('every modal question goes through the one seam tests answer (src/dialogs/modal.ts)', () => {
    const seam = join(src, 'dialogs', 'modal.ts');
    const elsewhere = files(src).filter((file) => file !== seam && /modal:\s*true/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(elsewhere.map((file) => relative(root, file)), [], 'a modal shown directly cannot be answered by a test');
  });

  it('no source file is one a newcomer has to scroll through', () => {
    for (const file of files(src)) {
      const lines = readFileSync(file, 'utf8').split('\n').length;
      assert.ok(lines <= 450, `${relative(root, file)} has ${lines} lines`);
    }
  });
});
