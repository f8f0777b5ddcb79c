// Runs the in-editor suite (out/test/integration/index.js → mocha over *.test.js) inside a real VS Code
// extension host and fails unless it ran at least one test and none failed.
//
// Default: code-server's Node extension host, driven by headless Chromium. The workbench URL payload carries
// extensionDevelopmentPath/extensionTestsPath (honoured only with --enable-smoke-test-driver: docs/harness.md, H8);
// the suite's console output comes back through window.codeAutomationLog and its result through
// window.codeAutomationExit.
// With VSCODE_PATH=<VS Code binary> or LOGUP_USE_TEST_ELECTRON=1: @vscode/test-electron's runTests with the same
// index.js and the same summary check (for machines that can run or download desktop VS Code; on Linux it needs
// a display, e.g. xvfb-run). If the download fails, the run falls back to code-server.
//
//   node test/harness/runIntegration.mjs      (after `npm run build`)
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCodeServer, tail } from './codeServer.mjs';
import { SUITE_START_MARKER } from './markers.mjs';
import { ensureToolchain } from './toolchain.mjs';
import { freshRunDir, harnessLog, repoRoot, requireFromRepo, runCleanups, withTimeout } from './util.mjs';
import { openWorkbench } from './workbench.mjs';

const OVERALL_TIMEOUT_MS = 10 * 60_000;

/**
 * Runs the suite and returns { ok, passed, failed, pending, failures, runner, reason, runDir }.
 * Options: toolchain (from ensureToolchain; resolved when omitted and code-server is used), extensionPath,
 * testsPath, env (extra env for the extension host), workspaceTrust (false: trust disabled, as for a person who
 * turned it off; true: VS Code's own trust handling), settings (extra user settings), runName (the run folder under
 * test-results/), timeoutMs, log.
 */
export async function runIntegration({
  toolchain,
  extensionPath = repoRoot,
  testsPath = join(extensionPath, 'out', 'test', 'integration', 'index.js'),
  env = {},
  workspaceTrust = false,
  settings = {},
  runName = 'integration',
  timeoutMs = OVERALL_TIMEOUT_MS,
  log = harnessLog,
} = {}) {
  const runDir = freshRunDir(runName, extensionPath);
  const summaryPath = join(runDir, 'summary.json');
  if (!existsSync(testsPath)) {
    return result({ runDir, runner: 'none', reason: `${testsPath} does not exist: run \`npm run build\` first` });
  }
  const suiteEnv = { ...env, LOGUP_TEST_SUMMARY: summaryPath };

  if (process.env.VSCODE_PATH || process.env.LOGUP_USE_TEST_ELECTRON === '1') {
    const outcome = await runWithTestElectron({ extensionPath, testsPath, runDir, suiteEnv, summaryPath, workspaceTrust, timeoutMs, log });
    if (outcome) return outcome;
  }
  return runInCodeServer({ toolchain: toolchain ?? (await ensureToolchain({ log })), extensionPath, testsPath, runDir, suiteEnv, summaryPath, workspaceTrust, settings, timeoutMs, log });
}

async function runInCodeServer({ toolchain, extensionPath, testsPath, runDir, suiteEnv, summaryPath, workspaceTrust, settings, timeoutMs, log }) {
  const t0 = Date.now();
  let codeServer;
  let workbench;
  let exitCode;
  let reason;
  let echo;
  try {
    codeServer = await startCodeServer({ toolchain, runDir, smokeTestDriver: true, workspaceTrust, settings, env: suiteEnv, log });
    let reportExit;
    const exited = new Promise((resolve) => {
      reportExit = resolve;
    });
    // codeAutomationLog carries the whole workbench log; echo only the suite's part, keep all of it in a file
    echo = suiteEcho(join(runDir, 'workbench.log'));
    workbench = await openWorkbench({
      codeServer,
      chromePath: toolchain.chromePath,
      waitForWorkbench: false,
      payload: [
        ['extensionDevelopmentPath', codeServer.remoteUri(extensionPath)],
        ['extensionTestsPath', codeServer.remoteUri(testsPath)],
        ['skipWelcome', 'true'],
      ],
      automation: {
        onLog: echo.line,
        onExit: (code) => {
          echo.stop();
          reportExit(code);
        },
      },
      log,
    });
    log(`running ${testsPath} in code-server's extension host (cap ${Math.round(timeoutMs / 60_000)} min)`);
    const serverDied = codeServer.exited.then(() => {
      throw new Error(`code-server exited while the suite was running; see ${codeServer.logFile}`);
    });
    exitCode = await withTimeout(Promise.race([exited, serverDied]), timeoutMs, `the suite did not finish within ${Math.round(timeoutMs / 1000)} s`);
    log(`extension host reported exit code ${exitCode} after ${Date.now() - t0} ms`);
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  const outcome = result({ runDir, runner: 'code-server', exitCode, reason, summary: readSummary(summaryPath) });
  if (!outcome.ok && !echo?.started()) {
    log(`the suite never started; last lines of ${join(runDir, 'workbench.log')}:\n${tail(join(runDir, 'workbench.log'), 30)}`);
  }
  if (!outcome.ok && workbench) await workbench.captureFailure('integration');
  else if (!outcome.ok && codeServer) codeServer.copyLogs(join(runDir, 'failure-integration'));
  await workbench?.close();
  await codeServer?.stop();
  return outcome;
}

/** Returns the outcome, or undefined when VS Code could not be had and the caller should use code-server. */
async function runWithTestElectron({ extensionPath, testsPath, runDir, suiteEnv, summaryPath, workspaceTrust, timeoutMs, log }) {
  const { downloadAndUnzipVSCode, runTests } = requireFromRepo('@vscode/test-electron');
  let vscodeExecutablePath = process.env.VSCODE_PATH;
  if (!vscodeExecutablePath) {
    try {
      log('LOGUP_USE_TEST_ELECTRON=1: downloading VS Code with @vscode/test-electron…');
      vscodeExecutablePath = await withTimeout(
        downloadAndUnzipVSCode({ cachePath: join(extensionPath, '.vscode-test'), timeout: 30_000 }),
        120_000,
        'download timed out after 120 s',
      );
    } catch (error) {
      log(`@vscode/test-electron could not download VS Code (${error instanceof Error ? error.message : String(error)}); falling back to code-server`);
      return undefined;
    }
  }
  log(`running ${testsPath} in ${vscodeExecutablePath} with @vscode/test-electron`);
  const userData = join(runDir, 'user-data');
  const workspace = join(runDir, 'workspace');
  rmSync(userData, { recursive: true, force: true });
  let exitCode;
  let reason;
  try {
    exitCode = await withTimeout(
      runTests({
        vscodeExecutablePath,
        extensionDevelopmentPath: extensionPath,
        extensionTestsPath: testsPath,
        extensionTestsEnv: suiteEnv,
        launchArgs: [
          workspace,
          '--disable-extensions',
          ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
          '--skip-welcome',
          '--skip-release-notes',
          '--user-data-dir', userData,
          '--extensions-dir', join(runDir, 'extensions'),
        ],
      }),
      timeoutMs,
      `the suite did not finish within ${Math.round(timeoutMs / 1000)} s`,
    );
  } catch (error) {
    // runTests rejects with TestRunFailedError when the suite fails: the summary says why
    exitCode = typeof error?.code === 'number' ? error.code : undefined;
    reason = error instanceof Error ? error.message : String(error);
  }
  return result({ runDir, runner: 'test-electron', exitCode, reason, summary: readSummary(summaryPath) });
}

function readSummary(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function result({ runDir, runner, exitCode, reason, summary }) {
  const passed = summary?.passed ?? 0;
  const failed = summary?.failed ?? 0;
  let why = reason;
  if (!why && !summary) why = 'the suite wrote no summary (did index.js run at all? is LOGUP_TEST_SUMMARY reaching the extension host?)';
  if (!why && failed > 0) why = `${failed} test(s) failed`;
  if (!why && passed === 0) why = 'no test ran';
  if (!why && exitCode !== 0) why = `the extension host reported exit code ${exitCode}`;
  return {
    ok: !why,
    passed,
    failed,
    pending: summary?.pending ?? 0,
    failures: summary?.failures ?? [],
    runner,
    reason: why,
    runDir,
  };
}

// Lines the workbench logs whatever the extension does (offline gallery, shutdown of the web client).
const NOISE = /ENOTFOUND open-vsx\.org|Long running operations during shutdown|Canceled: Canceled/;

/** Writes every workbench log line to `file`; echoes them from the suite's start marker until stop(). */
function suiteEcho(file) {
  let started = false;
  let stopped = false;
  return {
    line(type, text) {
      appendFileSync(file, `[${type}] ${text}\n`);
      if (!started && text.includes(SUITE_START_MARKER)) started = true;
      if (!started || stopped || NOISE.test(text)) return;
      const out = text.replace(/\n$/, '');
      if (type === 'error') console.error(out);
      else console.log(out);
    },
    stop() {
      stopped = true;
    },
    started: () => started,
  };
}

/** Prints the failures the way a person reads them: which test, what it said. */
export function reportIntegration(outcome, log = harnessLog) {
  for (const failure of outcome.failures) log(`✘ ${failure.title}\n      ${failure.message.trim().split('\n').join('\n      ')}`);
  if (outcome.ok) log(`integration suite passed: ${outcome.passed} passed, ${outcome.pending} pending (${outcome.runner})`);
  else log(`integration suite FAILED: ${outcome.reason}; ${outcome.passed} passed, ${outcome.failed} failed (${outcome.runner}; run folder ${outcome.runDir})`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runIntegration()
    .then((outcome) => {
      reportIntegration(outcome);
      process.exitCode = outcome.ok ? 0 : 1;
    })
    .catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    })
    .finally(() => runCleanups());
}
