// Bundles the extension, the sandbox CLI and the in-editor test suite.
//   node esbuild.mjs              development build (sourcemaps)
//   node esbuild.mjs --production minified, no sourcemaps, metafile for `npm run bench`, and l10n/bundle.l10n.json
//   node esbuild.mjs --watch      rebuild on change, with a problem matcher for VS Code tasks
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Prints esbuild's errors in the form the `$esbuild-watch` problem matcher reads. */
const problemMatcher = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // jsonc-parser's UMD build (its "main") breaks when bundled; its ESM build bundles cleanly.
  mainFields: ['module', 'main'],
  minify: production,
  // Class names survive minification: errors are named after their class (`new.target.name`).
  keepNames: true,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  plugins: watch ? [problemMatcher] : [],
};

const integrationTests = readdirSync('test/integration')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `test/integration/${f}`);

/**
 * The lazily loaded bundle: a dynamic `import()` of it, from that folder, is left as a require() of the bundle's file
 * at run time, so activation does not parse it. The api (undici, zod, 365 KB) is read when the first client is made.
 * The command handlers are in dist/extension.js: a bundle of their own saved about 2 ms of activation and cost a
 * copy of every module both bundles imported (BENCHMARKS.md, 2026-12-05). Anything else imported lazily is bundled
 * as usual. test/unit/architecture.test.ts keeps the list of lazy imports equal to this one.
 */
const LAZY = [{ from: 'src/gates', request: '../api', file: './api.js' }];
const lazyBundles = {
  name: 'lazy-bundles',
  setup(build) {
    const requests = LAZY.map((l) => l.request.replace(/[.]/g, '\\.'));
    build.onResolve({ filter: new RegExp(`^(${requests.join('|')})$`) }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const lazy = LAZY.find((l) => l.request === args.path && args.importer.split('\\').join('/').includes(`${l.from}/`));
      return lazy ? { path: lazy.file, external: true } : undefined;
    });
  },
};

/**
 * `import * as vscode from 'vscode'` in every module would each copy the whole API object (esbuild's CommonJS interop
 * defines a getter per property, once per importing module); through this one module it is copied once per bundle.
 */
const oneVscodeNamespace = {
  name: 'one-vscode-namespace',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'vscode-api' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-api' },
    );
    build.onLoad({ filter: /.*/, namespace: 'vscode-api' }, () => ({ contents: "export * from 'vscode';", loader: 'js' }));
  },
};

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    external: ['vscode'],
    metafile: true,
    plugins: [...common.plugins, lazyBundles, oneVscodeNamespace],
    // lowered to require(): the extension host loads CommonJS, and require is what VS Code's loader hooks
    supported: { 'dynamic-import': false },
  },
  { ...common, entryPoints: { api: 'src/api/index.ts' }, outdir: 'dist', metafile: true },
  { ...common, entryPoints: { sandbox: 'src/sandbox/cli.ts' }, outdir: 'dist' },
];
if (!production && integrationTests.length > 0) {
  // The in-editor suite is loaded by the extension host (mocha stays external: it is required from node_modules).
  builds.push({
    ...common,
    entryPoints: integrationTests,
    outdir: 'out/test/integration',
    external: ['vscode', 'mocha'],
  });
}

/**
 * The l10n bundle translators start from: every `vscode.l10n.t` and `@vscode/l10n` `t` call in src/, extracted by
 * @vscode/l10n-dev. It takes longer than the whole bundling, so only the production build (packaging, prepublish)
 * runs it; the bundle is committed and test/unit/l10n.test.ts fails when it is out of date with the sources.
 */
function exportL10n(outDir) {
  const cli = createRequire(import.meta.url).resolve('@vscode/l10n-dev/dist/cli.js');
  execFileSync(process.execPath, [cli, 'export', '--outDir', outDir, './src'], { stdio: 'pipe' });
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  mkdirSync('dist', { recursive: true });
  // one metafile for the shipped code: the extension bundle and the lazily loaded command and api bundles
  const [extension, api] = [results[0].metafile, results[1].metafile];
  writeFileSync('dist/meta.json', JSON.stringify({ inputs: { ...extension.inputs, ...api.inputs }, outputs: { ...extension.outputs, ...api.outputs } }));
  if (production) exportL10n('./l10n');
}
