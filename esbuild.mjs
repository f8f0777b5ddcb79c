// Bundles the extension, the sandbox CLI and the in-editor test suite.
//   node esbuild.mjs              development build (sourcemaps)
//   node esbuild.mjs --production minified, no sourcemaps, metafile for `npm run bench`, and l10n/bundle.l10n.json
//   node esbuild.mjs --watch      rebuild on change, with a problem matcher for VS Code tasks
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, watch as watchFs, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { posix, relative, sep } from 'node:path';
import ts from 'typescript';

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
  // Function and class names survive minification (the api's dependencies may read them). Not in the activation
  // bundle: see activationOptions.
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
 * The lazily loaded bundles: a dynamic `import()` of `request`, from a module in `from`, is left as a require() of
 * `file` at run time, so activation does not parse it. Anything else imported lazily is bundled as usual.
 * test/unit/architecture.test.ts keeps the list of lazy imports equal to this one.
 * - dist/api.js, the client (undici, zod, 365 KB), is read when the first client is made. It is built on its own and
 *   holds its own copy of the few src/api modules the extension uses too (so its errors are branded, errors.ts).
 * - dist/format.js, jsonc-parser's formatter, is read at the first Format Document (db/dbFormatter.ts): its module of
 *   indentation strings makes 1,200 strings when evaluated (about 340 KB, over 1 ms). It is built on its own too.
 * - dist/handlers.js, the command, link and chat tool handlers (about 40 % of the code), is read at the first command,
 *   link or tool call. It copies nothing: every module the activation bundle holds it takes from there
 *   (`fromActivationBundle`), so both share one state, one @vscode/l10n and one class per error.
 */
const LAZY = [
  { from: 'src/gates', request: '../api', file: './api.js' },
  { from: 'src/db', request: 'jsonc-parser', file: './format.js' },
  { from: 'src/commands', request: './handlers', file: './handlers.js' },
  { from: 'src/tools', request: './handlers', file: './handlers.js' },
];
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
 * jsonc-parser's modules only define functions and constant tables, but its package.json does not say so
 * (`sideEffects`), so esbuild keeps every module an import reaches, used or not: activation would still build the
 * formatter's tables. Told so, esbuild leaves out what nothing calls.
 */
const pureJsoncParser = {
  name: 'pure-jsonc-parser',
  setup(build) {
    build.onResolve({ filter: /^(jsonc-parser|\.\.?\/.*)$/ }, async (args) => {
      if (args.pluginData === 'pure-jsonc-parser' || (args.path !== 'jsonc-parser' && !args.importer.split(sep).join('/').includes('/node_modules/jsonc-parser/'))) return undefined;
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'pure-jsonc-parser' });
      return resolved.errors.length > 0 ? { errors: resolved.errors } : { path: resolved.path, sideEffects: false };
    });
  },
};

/** A module's name in esbuild's metafile: its path from here, or `namespace:path` for a virtual one. */
const metaName = (resolved) => (resolved.namespace === 'file' ? relative(process.cwd(), resolved.path).split(sep).join('/') : `${resolved.namespace}:${resolved.path}`);

/**
 * The names `importer` takes from `specifier`: its imports and re-exports of it, type-only ones left out; `*` when
 * it takes the whole namespace (`import * as`, `export *`, `import()`) or is not a file esbuild can show us.
 */
function importedNames(importer, specifier) {
  if (!existsSync(importer)) return new Set(['*']);
  const names = new Set();
  const take = (elements) => elements.filter((e) => !e.isTypeOnly).forEach((e) => names.add((e.propertyName ?? e.name).text));
  const visit = (node) => {
    const from = node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) ? node.moduleSpecifier.text : undefined;
    if (ts.isImportDeclaration(node) && from === specifier && node.importClause && !node.importClause.isTypeOnly) {
      const { name, namedBindings } = node.importClause;
      if (name) names.add('default');
      if (namedBindings && ts.isNamespaceImport(namedBindings)) names.add('*');
      else if (namedBindings) take(namedBindings.elements);
    } else if (ts.isExportDeclaration(node) && from === specifier && !node.isTypeOnly) {
      if (node.exportClause && ts.isNamedExports(node.exportClause)) take(node.exportClause.elements);
      else names.add('*');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0]?.text === specifier) {
      names.add('*');
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(importer, readFileSync(importer, 'utf8'), ts.ScriptTarget.Latest));
  return names;
}

/**
 * In the handlers bundle, an import of a module the activation bundle holds (`activationModules`, names from its
 * metafile) becomes a read of the `__modules` that dist/extension.js exports, and the extension host has loaded it
 * with require() (so Node holds it in require.cache): each name is the very one activation made. `used` collects, per
 * module, the names taken (`importedNames`), for the activation bundle to export (`buildExtension`): only those, so
 * that esbuild still leaves out of activation every export nobody uses. The virtual module is one per importer
 * (esbuild may load it before other importers are resolved) and exports exactly what its importer takes, so a name
 * activation does not export fails the build.
 */
const fromActivationBundle = (activationModules, used) => ({
  name: 'from-activation-bundle',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind === 'entry-point' || args.pluginData === 'from-activation-bundle' || args.namespace === 'activation-bundle') return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, namespace: args.namespace, pluginData: 'from-activation-bundle',
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (resolved.external) return { path: resolved.path, external: true };
      const module = metaName(resolved);
      if (!activationModules.has(module)) return { path: resolved.path, namespace: resolved.namespace, pluginData: resolved.pluginData, sideEffects: resolved.sideEffects };
      const names = importedNames(args.importer, args.path);
      used.set(module, new Set([...(used.get(module) ?? []), ...names]));
      return { path: `${module} for ${metaName({ namespace: args.namespace, path: args.importer })}`, namespace: 'activation-bundle', pluginData: { module, names } };
    });
    // One module reads the table, from the activation bundle already loaded: were it not (another loader than
    // require, a copy), requiring it would make a second activation bundle, with its own state, that nothing activated.
    build.onResolve({ filter: /^activation-bundle$/, namespace: 'activation-bundle' }, () => ({ path: 'table', namespace: 'activation-table' }));
    build.onResolve({ filter: /^\.\/extension\.js$/, namespace: 'activation-table' }, () => ({ path: './extension.js', external: true }));
    build.onLoad({ filter: /.*/, namespace: 'activation-table' }, () => ({
      contents: [
        "const path = require.resolve('./extension.js');",
        "if (!require.cache[path]) throw new Error(`dist/handlers.js is loaded by ${path}, after it`);",
        'module.exports = require.cache[path].exports.__modules;',
      ].join('\n'),
      loader: 'js',
    }));
    build.onLoad({ filter: /.*/, namespace: 'activation-bundle' }, ({ pluginData: { module, names } }) => {
      const from = `require('activation-bundle')[${JSON.stringify(module)}]`;
      if (names.has('*')) return { contents: `module.exports = ${from};`, loader: 'js' };
      const list = [...names];
      return {
        contents: [`const m = ${from};`, ...list.map((n, i) => `const x${i} = m[${JSON.stringify(n)}];`),
          `export { ${list.map((n, i) => `x${i} as ${n}`).join(', ')} };`].join('\n'),
        loader: 'js',
      };
    });
  },
});

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

const activationOptions = {
  ...common,
  // keepNames would name ~300 functions and classes at load (esbuild's __name: 115 KB of allocation, a tenth of
  // activation) so that errors know their class; they take their name from their brand instead (src/api/errors.ts).
  keepNames: false,
  outfile: 'dist/extension.js',
  external: ['vscode'],
  metafile: true,
  plugins: [...common.plugins, lazyBundles, pureJsoncParser, oneVscodeNamespace],
  // lowered to require(): the extension host loads CommonJS, and require is what VS Code's loader hooks
  supported: { 'dynamic-import': false },
};
const entry = (sourcefile, contents) => ({ stdin: { contents, sourcefile, resolveDir: process.cwd(), loader: 'js' } });

/**
 * dist/extension.js and dist/handlers.js, in three steps: which modules activation holds (a build not written), the
 * handlers taking those from it, and activation exporting, as `__modules`, what they take of each.
 * Fails when a module ends up in both (a copy would have its own state). Resolves to both metafiles.
 */
async function buildExtension() {
  const activation = 'export * from \'./src/extension\';';
  const first = await esbuild.build({ ...activationOptions, ...entry('extension.js', activation), write: false });
  const activationModules = new Set(Object.keys(first.metafile.inputs));
  const used = new Map();
  const handlerModules = [...new Set(LAZY.filter((l) => l.file === './handlers.js').map((l) => posix.join(l.from, l.request)))];
  const handlers = await esbuild.build({
    ...activationOptions,
    ...entry('handlers.js', handlerModules.map((m) => `export * from './${m}';`).join('\n')),
    outfile: 'dist/handlers.js',
    plugins: [...common.plugins, lazyBundles, fromActivationBundle(activationModules, used), pureJsoncParser, oneVscodeNamespace],
  });
  // the table: a module's namespace when a handler takes all of it, else an object of the names they take
  const modules = [...used.keys()].sort();
  const imports = modules.map((module, i) => {
    const from = module.startsWith('vscode-api:') ? 'vscode' : `./${module}`;
    const names = [...used.get(module)].sort();
    return names.includes('*') ? `import * as m${i} from '${from}';` : `import { ${names.map((n, j) => `${n} as m${i}_${j}`).join(', ')} } from '${from}';`;
  });
  const values = modules.map((module, i) => {
    const names = [...used.get(module)].sort();
    return `${JSON.stringify(module)}: ${names.includes('*') ? `m${i}` : `{ ${names.map((n, j) => `${JSON.stringify(n)}: m${i}_${j}`).join(', ')} }`}`;
  });
  const table = `export const __modules = { ${values.join(', ')} };`;
  const extension = await esbuild.build({ ...activationOptions, ...entry('extension.js', [activation, ...imports, table].join('\n')) });
  const both = Object.keys(handlers.metafile.inputs).filter((m) => m in extension.metafile.inputs && m !== '<stdin>');
  // A module of a package activation uses only in part (jsonc-parser) would bring all its imports: its namespace needs every export.
  const added = Object.keys(extension.metafile.inputs).filter((m) => !activationModules.has(m));
  if (both.length + added.length > 0) throw new Error(`dist/handlers.js copies ${both.join(', ') || 'nothing'}; the module table adds ${added.join(', ') || 'nothing'} to dist/extension.js`);
  return [extension.metafile, handlers.metafile];
}

const builds = [
  { ...common, entryPoints: { api: 'src/api/index.ts' }, outdir: 'dist', metafile: true },
  { ...common, ...entry('format.js', "export { format } from 'jsonc-parser';"), outfile: 'dist/format.js', metafile: true, plugins: [...common.plugins, pureJsoncParser] },
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
  // The extension's two bundles are built in steps that esbuild's watch cannot chain: any change in src/ rebuilds both.
  let pending;
  const rebuild = () => buildExtension().catch(() => undefined); // esbuild has printed the errors
  await rebuild();
  watchFs('src', { recursive: true }, () => {
    clearTimeout(pending);
    pending = setTimeout(rebuild, 100);
  });
} else {
  const [[extension, handlers], api, format] = await Promise.all([buildExtension(), ...builds.map((b) => esbuild.build(b))])
    .then(([e, ...rest]) => [e, ...rest.map((r) => r.metafile)]);
  mkdirSync('dist', { recursive: true });
  // one metafile for the shipped code: the extension bundle and the bundles it loads lazily
  const all = [extension, handlers, api, format];
  writeFileSync('dist/meta.json', JSON.stringify({
    inputs: Object.assign({}, ...all.map((m) => m.inputs)),
    outputs: Object.assign({}, ...all.map((m) => m.outputs)),
  }));
  if (production) exportL10n('./l10n');
}
