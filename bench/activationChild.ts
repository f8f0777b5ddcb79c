// Section 3, one sample: in a fresh process, time require(bundle) + activate(context) the way the extension host
// does it, with `vscode` resolved to the stand-in (loaded before the clock starts, as VS Code's API is).
// With --probe (the instrumented bundle) it reports which packages were evaluated after activation, after a
// document check, after the first client was created and after the first command, instead of timing. With --bare the Node modules the
// extension host has loaded are not loaded first: the same bundle timed from a bare Node.
import Module from 'node:module';
import { resolve } from 'node:path';

const [bundle, mode] = process.argv.slice(2);
if (!bundle) throw new Error('usage: activationChild <bundle.js> [--probe | --bare]');
const stubPath = resolve(__dirname, 'vscode.js');

/**
 * Node's own modules the extension host has loaded before any extension: the static imports of code-server
 * 4.139.1's extensionHostProcess.js (`grep -o 'from"[a-z_:/]*"'` on it), and perf_hooks, which its performance
 * marks load at startup by reading `globalThis.performance` (docs/harness.md, H21). An extension that uses them pays
 * nothing for them there, so they are loaded before the clock starts, for every bundle alike.
 */
const HOST_MODULES = [
  'assert', 'child_process', 'crypto', 'events', 'fs', 'fs/promises', 'http', 'module', 'net', 'os', 'perf_hooks',
  'stream', 'string_decoder', 'url', 'util', 'zlib',
];
if (mode !== '--bare') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const name of HOST_MODULES) require(`node:${name}`);
  void globalThis.performance;
}

const moduleWithResolve = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
const original = moduleWithResolve._resolveFilename;
moduleWithResolve._resolveFilename = function (request: string, ...rest: unknown[]): string {
  return request === 'vscode' ? stubPath : original.call(this, request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stub = require(stubPath) as typeof import('./vscodeStub');
const context = stub.stubContext();

type Extension = { activate(context: unknown): unknown };
type ProbeCtx = { clients: { createUnregistered(idGate: string, baseUrl: string, secret: string): Promise<{ close(): Promise<void> }> } };
const loaded = (): string[] => [...((globalThis as { __benchInit?: Set<string> }).__benchInit ?? [])].sort();

async function probe(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ctx = (require(resolve(bundle!)) as Extension).activate(context) as ProbeCtx;
  const afterActivate = loaded();
  // The user types in a logup: document: the diagnostics check runs on it.
  const document = new stub.StubDocument(stub.Uri.from({ scheme: 'logup', path: '/gate_x/sub_x.json' }), '{"a": 1}');
  document.setText('{"a": 2}');
  await new Promise((r) => setTimeout(r, 50));
  const afterDocumentCheck = loaded();
  const client = await ctx.clients.createUnregistered('gate_x', 'http://127.0.0.1:9/v1_0', 'not-a-secret');
  await client.close();
  const afterFirstClient = loaded();
  // The person runs a command (Show Log: it needs nothing else).
  await stub.commands.executeCommand('logup.showLog');
  const afterFirstCommand = loaded();
  process.stdout.write(`${JSON.stringify({ afterActivate, afterDocumentCheck, afterFirstClient, afterFirstCommand })}\n`);
}

function time(): void {
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(resolve(bundle!)) as Extension;
  const t1 = performance.now();
  extension.activate(context);
  const t2 = performance.now();
  process.stdout.write(`${JSON.stringify({ loadMs: t1 - t0, activateMs: t2 - t1, totalMs: t2 - t0 })}\n`);
}

if (mode === '--probe') {
  probe().then(() => process.exit(0), (e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else {
  time();
  process.exit(0);
}
