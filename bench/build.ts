// Bundles the benchmark programs into out/bench/ with the same esbuild options as the shipped extension, so what is
// measured is the code as it ships (lazy `import()` included), with `vscode` replaced by bench/vscodeStub.ts.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..');
export const OUT = resolve(ROOT, 'out/bench');

const common: esbuild.BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
  absWorkingDir: ROOT,
};

/** Marks, at the moment it is evaluated, which package (or src/ module) a bundled file belongs to. */
const initMarker: esbuild.Plugin = {
  name: 'init-marker',
  setup(build) {
    build.onLoad({ filter: /\.(ts|js|mjs|cjs)$/ }, (args) => {
      const rel = relative(ROOT, args.path).split('\\').join('/');
      const nm = rel.lastIndexOf('node_modules/');
      let name: string;
      if (nm >= 0) {
        const parts = rel.slice(nm + 'node_modules/'.length).split('/');
        name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? rel);
      } else {
        name = rel;
      }
      const text = readFileSync(args.path, 'utf8');
      const marker = `;(globalThis.__benchInit ??= new Set()).add(${JSON.stringify(name)});\n`;
      // A leading "use strict" or shebang must stay first; the marker goes after the directive prologue.
      const prologue = /^(#![^\n]*\n)?(\s*(['"])use strict\3;?)?/.exec(text)?.[0] ?? '';
      return { contents: prologue + marker + text.slice(prologue.length), loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/** Builds every benchmark bundle; returns nothing, throws on a build error. */
export async function buildBench(): Promise<void> {
  const stub = { vscode: './bench/vscodeStub.ts' };
  await Promise.all([
    // Programs that run the real extension classes against the stand-in.
    esbuild.build({
      ...common,
      entryPoints: {
        roundTrips: 'bench/roundTrips.ts',
        latency: 'bench/latency.ts',
        treeScale: 'bench/treeScale.ts',
        clientOverhead: 'bench/clientOverhead.ts',
        activationChild: 'bench/activationChild.ts',
        importCheck: 'bench/importCheck.ts',
        batchScale: 'bench/batchScale.ts',
        historyFile: 'bench/historyFile.ts',
      },
      outdir: OUT,
      alias: stub,
      // The activation child loads dist/extension.js with require(); esbuild must leave that call alone.
      external: ['./dist/*'],
    }),
    // The stand-in on its own, for require('vscode') from dist/extension.js.
    esbuild.build({ ...common, entryPoints: { vscode: 'bench/vscodeStub.ts' }, outdir: OUT }),
    // The baseline: an extension that does nothing, bundled the same way.
    esbuild.build({ ...common, entryPoints: { emptyExtension: 'bench/emptyExtension.ts' }, outdir: OUT, external: ['vscode'] }),
    // The real extension with a marker in every module, to see what is evaluated at activation.
    esbuild.build({
      ...common,
      entryPoints: { instrumentedExtension: 'src/extension.ts' },
      outdir: OUT,
      external: ['vscode'],
      plugins: [initMarker],
    }),
  ]);
}
