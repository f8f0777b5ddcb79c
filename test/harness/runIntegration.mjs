// Runs the in-editor suite (out/test/integration/index.js → mocha over *.test.js) inside a real VS Code
// extension host and fails unless it ran at least one test and none failed.
//
// Where it can, the suite runs in desktop VS Code through @vscode/test-electron, the ecosystem's runner: VS Code is
// downloaded into .vscode-test/ (once; later runs reuse it) in the newest stable version that satisfies the
// extension's engines.vscode. Where it cannot (no display on Linux, no way to download VS Code), the run says why in
// one line and uses code-server's Node extension host, driven by headless Chromium: the workbench URL payload
// carries extensionDevelopmentPath/extensionTestsPath (honoured only with --enable-smoke-test-driver: docs/harness.md,
// H8), the suite's console output comes back through window.codeAutomationLog and its result through
// window.codeAutomationExit. Both runners use the same index.js, the same user settings and the same summary check.
//
//   VSCODE_PATH=<VS Code binary>     run in that VS Code instead of downloading one
//   LOGUP_TEST_RUNNER=code-server    skip desktop VS Code
//
//   node test/harness/runIntegration.mjs      (after `npm run build`)
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_SETTINGS, startCodeServer, tail } from './codeServer.mjs';
import { SUITE_START_MARKER } from './markers.mjs';
import { ensureToolchain } from './toolchain.mjs';
import { freshRunDir, harnessLog, repoRoot, requireFromRepo, runCleanups, withTimeout } from './util.mjs';
import { openWorkbench } from './workbench.mjs';

const OVERALL_TIMEOUT_MS = 10 * 60_000;
// Per request to Microsoft's update service and per silent stretch of the download: where the service cannot be
// reached, the attempt fails within this (measured on a machine without that network: 0.4 s, a failed DNS lookup).
const DOWNLOAD_TIMEOUT_MS = 5_000;
// A download that keeps receiving data may take long on a slow line, but not forever.
const DOWNLOAD_CAP_MS = 10 * 60_000;

/**
 * Why desktop VS Code cannot be used, once a runIntegration call of this process found out: the restricted run
 * after the integration run does not try (and wait) again.
 */
let desktopUnavailable;

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

  if (process.env.LOGUP_TEST_RUNNER !== 'code-server') {
    const desktop = await desktopVSCode({ extensionPath, log });
    if (desktop.executable) {
      return runWithTestElectron({ vscodeExecutablePath: desktop.executable, extensionPath, testsPath, runDir, suiteEnv, summaryPath, workspaceTrust, settings, timeoutMs, log });
    }
    log(`desktop VS Code not used: ${desktop.reason}; running the suite in code-server instead`);
  }
  return runInCodeServer({ toolchain: toolchain ?? (await ensureToolchain({ log })), extensionPath, testsPath, runDir, suiteEnv, summaryPath, workspaceTrust, settings, timeoutMs, log });
}

/**
 * The desktop VS Code to run the suite in: VSCODE_PATH, or one @vscode/test-electron downloads (or already has in
 * .vscode-test/). Returns { executable } or { reason } why there is none.
 */
async function desktopVSCode({ extensionPath, log }) {
  if (desktopUnavailable) return { reason: `${desktopUnavailable} (found earlier in this run)` };
  // Electron exits at once without an X or Wayland display; downloading VS Code would be for nothing.
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    desktopUnavailable = 'there is no display (no DISPLAY or WAYLAND_DISPLAY; on a headless Linux machine run `xvfb-run -a npm test`)';
    return { reason: desktopUnavailable };
  }
  if (process.env.VSCODE_PATH) return { executable: process.env.VSCODE_PATH };
  const { downloadAndUnzipVSCode } = requireFromRepo('@vscode/test-electron');
  const t0 = Date.now();
  try {
    const executable = await withTimeout(
      downloadAndUnzipVSCode({
        cachePath: join(extensionPath, '.vscode-test'),
        extensionDevelopmentPath: extensionPath,
        timeout: DOWNLOAD_TIMEOUT_MS,
        reporter: downloadReporter(log),
      }),
      DOWNLOAD_CAP_MS,
      `the download did not finish within ${DOWNLOAD_CAP_MS / 60_000} min`,
    );
    return { executable };
  } catch (error) {
    desktopUnavailable = `VS Code could not be downloaded (${error instanceof Error ? error.message : String(error)}; gave up after ${Date.now() - t0} ms)`;
    return { reason: desktopUnavailable };
  }
}

/** test-electron's progress in a few harness lines instead of its progress bar. */
function downloadReporter(log) {
  let downloading = false;
  return {
    report(report) {
      if (report.stage === 'resolvedVersion') log(`desktop VS Code ${report.version} with @vscode/test-electron`);
      if (report.stage === 'downloading' && !downloading) {
        downloading = true;
        log(`downloading VS Code into .vscode-test/ (${Math.round(report.totalBytes / 1e6)} MB)…`);
      }
      if (report.stage === 'retrying') log(`download failed (${report.error?.message ?? report.error}), retry ${report.attempt} of ${report.totalAttempts}`);
      if (report.stage === 'newInstallComplete') log(`VS Code downloaded to ${report.downloadedPath}`);
    },
    error() {
      // the caller reports the failure, in one line
    },
  };
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

/** Runs the suite in desktop VS Code with @vscode/test-electron's runTests. */
async function runWithTestElectron({ vscodeExecutablePath, extensionPath, testsPath, runDir, suiteEnv, summaryPath, workspaceTrust, settings, timeoutMs, log }) {
  const { runTests } = requireFromRepo('@vscode/test-electron');
  log(`running ${testsPath} in ${vscodeExecutablePath} with @vscode/test-electron`);
  const userData = join(runDir, 'user-data');
  const workspace = join(runDir, 'workspace');
  rmSync(userData, { recursive: true, force: true });
  // The same user settings as the code-server run, so both runners see one editor.
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), `${JSON.stringify({ ...BASE_SETTINGS, 'security.workspace.trust.enabled': workspaceTrust, ...settings }, null, 2)}\n`);
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
