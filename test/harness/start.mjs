// `npm start`: try the extension for real against the local sandbox.
//  1. builds the extension (node esbuild.mjs),
//  2. starts the sandbox with its demo gate and data (port 4580 when free, else a free one),
//  3. starts a real VS Code with LOGUP_SANDBOX_URL set:
//     - a local `code` binary on PATH: `code --extensionDevelopmentPath=<repo>` (desktop Extension Development Host);
//     - otherwise code-server on 127.0.0.1 with this folder loaded as the development extension through the
//       smoke-test-driver URL payload (the same mechanism as the integration suite), so a rebuild
//       (`npm run watch` in another terminal) plus "Developer: Reload Window" picks up changes without packaging,
//  4. prints the URL to open and what to try; Ctrl+C stops everything.
// Set LOGUP_START_CODE_SERVER=1 to use code-server even when `code` is on PATH.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startCodeServer } from './codeServer.mjs';
import { loadDemoData, startSandbox } from './sandbox.mjs';
import { ensureToolchain } from './toolchain.mjs';
import { freshRunDir, harnessLog, installSignalHandlers, isPortFree, onCleanup, repoRoot, run, runCleanups, trackChild, which } from './util.mjs';

async function main() {
  installSignalHandlers();
  harnessLog('building the extension (node esbuild.mjs)…');
  const build = await run(process.execPath, ['esbuild.mjs']);
  if (build.code !== 0) throw new Error('the build failed; fix the errors above and run `npm start` again');

  const demo = await loadDemoData();
  const port = (await isPortFree(demo.DEFAULT_SANDBOX_PORT)) ? demo.DEFAULT_SANDBOX_PORT : 0;
  const sandbox = await startSandbox({ port });
  if (port === 0) harnessLog(`port ${demo.DEFAULT_SANDBOX_PORT} is busy; the sandbox took ${sandbox.port}`);
  const env = { LOGUP_SANDBOX_URL: sandbox.url };
  const runDir = freshRunDir('start');

  const code = process.env.LOGUP_START_CODE_SERVER === '1' ? undefined : which('code');
  let where;
  let stopped;
  if (code) {
    // --wait keeps the CLI attached until the window closes, so closing VS Code also ends `npm start`
    const child = spawn(code, ['--new-window', '--wait', `--extensionDevelopmentPath=${repoRoot}`, join(runDir, 'workspace')], {
      env: { ...process.env, ...env },
      stdio: 'inherit',
      detached: true,
    });
    trackChild(child, { group: true });
    onCleanup(() => child.kill('SIGTERM'));
    stopped = new Promise((resolve) => child.on('exit', resolve));
    where = `a VS Code window (${code}) with this folder as the extension under development`;
  } else {
    const toolchain = await ensureToolchain();
    const codeServer = await startCodeServer({ toolchain, runDir, smokeTestDriver: true, env });
    stopped = codeServer.exited;
    where = codeServer.workbenchUrl({ payload: [['extensionDevelopmentPath', codeServer.remoteUri(repoRoot)], ['skipWelcome', 'true']] });
  }

  const token = demo.DEMO_LOGUP_TOKENS[0];
  const redirect = `https://site.example/after-login?logupToken=${encodeURIComponent(token.logupToken)}&isNewUser=${token.isNewUser}`;
  console.log(`
LogUp for VS Code is running.

  Open:     ${where}
  Sandbox:  ${sandbox.url}   (LOGUP_SANDBOX_URL; demo gate ${demo.DEMO_GATE.idGate}, the sandbox's public demo secret "${demo.DEMO_GATE.secretKey}")

Try it:
  1. Click the LogUp icon in the activity bar: the sandbox's demo gate is there (else "Add Local Sandbox Gate").
  2. F1 → "LogUp: Verify Token", and paste this redirect URL (the demo user ${token.idSubscription}):
       ${redirect}
  3. Open the subscription's DB, change a value, save (Ctrl+S); the sandbox has it:
       curl ${sandbox.origin}/_sandbox/db/${demo.DEMO_GATE.idGate}/${token.idSubscription}

Ctrl+C stops VS Code and the sandbox.
`);
  await stopped;
  harnessLog('VS Code stopped; closing the sandbox');
}

main()
  .catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
