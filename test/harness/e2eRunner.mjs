// Runs the browser e2e scripts test/e2e/*.e2e.mjs against the PACKAGED extension (dist/logup-vscode.vsix, as a
// user installs it) in code-server, one fresh code-server + sandbox + browser context per script.
//
// A script exports `async function run(ctx)`; ctx is
//   page                  the Playwright page showing the workbench
//   sandbox               the in-process SandboxHandle (journal, setDb, failNext, …), see sandbox.mjs
//   sandboxUrl            its versioned base URL, also given to code-server as LOGUP_SANDBOX_URL
//   screenshot(name)      → test-results/e2e/screenshots/NN-name.png (NN counts up over the whole run)
//   runCommand(title)     F1, type the title, pick that row
//   waitForNotification(text, {timeoutMs})  → the toast's locator
//   step(name, fn)        runs fn; if it throws, leaves NN-name-FAILED.png and the workbench logs, and rethrows
//   log(message), workspaceDir, runDir
//
//   node test/harness/e2eRunner.mjs [name-filter]      (after `npm run package`)
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { installVsix, startCodeServer } from './codeServer.mjs';
import { startSandbox } from './sandbox.mjs';
import { ensureAptPackages, ensureToolchain } from './toolchain.mjs';
import { ensureDir, freshRunDir, harnessLog, repoRoot, runCleanups, withTimeout } from './util.mjs';
import { launchBrowser, openWorkbench, runCommand, waitForNotification } from './workbench.mjs';

const SCRIPT_TIMEOUT_MS = 5 * 60_000;

/** The e2e scripts in run order (file name order). */
export function e2eScripts(root = repoRoot, filter) {
  const dir = join(root, 'test', 'e2e');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.e2e.mjs') && (!filter || name.includes(filter)))
    .sort()
    .map((name) => join(dir, name));
}

/** Runs every script; returns { ok, passed, failed, results: [{name, ok, error, ms}], runDir, reason }. */
export async function runE2e({ toolchain, root = repoRoot, vsix = join(root, 'dist', 'logup-vscode.vsix'), filter, log = harnessLog } = {}) {
  const runDir = freshRunDir('e2e', root);
  const screenshotDir = ensureDir(join(runDir, 'screenshots'));
  const scripts = e2eScripts(root, filter);
  if (scripts.length === 0) return { ok: false, passed: 0, failed: 0, results: [], runDir, reason: `no test/e2e/*.e2e.mjs${filter ? ` matching "${filter}"` : ''}` };

  const tools = toolchain ?? (await ensureToolchain({ log }));
  // `npm run screenshots` quantizes the README screenshots it refreshes (test/e2e/workbenchUi.mjs, readmeShot)
  if (process.env.LOGUP_README_SCREENSHOTS === '1') await ensureAptPackages(['pngquant'], log);
  // installed once, shared by the scripts' code-servers (they run one after another)
  const extensionsDir = await installVsix({ toolchain: tools, vsix, runDir: join(runDir, 'install'), extensionsDir: join(runDir, 'extensions'), log });
  const browser = await launchBrowser({ chromePath: tools.chromePath, runDir });
  let shot = 0;
  const nextShot = (name) => `${String(++shot).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '_')}`;

  const results = [];
  try {
    for (const script of scripts) {
      const name = basename(script, '.e2e.mjs');
      const t0 = Date.now();
      log(`e2e ${name}: starting`);
      let sandbox;
      let codeServer;
      let workbench;
      try {
        const mod = await import(pathToFileURL(script).href);
        if (typeof mod.run !== 'function') throw new Error(`${script} does not export async function run(ctx)`);
        sandbox = await startSandbox({ root });
        codeServer = await startCodeServer({
          toolchain: tools,
          runDir: join(runDir, name),
          extensionsDir,
          env: { LOGUP_SANDBOX_URL: sandbox.url },
          log,
        });
        workbench = await openWorkbench({ codeServer, browser, screenshotDir, log });
        const wb = workbench;
        const ctx = {
          page: wb.page,
          sandbox,
          sandboxUrl: sandbox.url,
          workspaceDir: codeServer.workspaceDir,
          runDir: codeServer.runDir,
          screenshot: (shotName) => wb.screenshot(nextShot(shotName)),
          runCommand: (title, options) => runCommand(wb.page, title, options),
          waitForNotification: (text, options) => waitForNotification(wb.page, text, options),
          log: (message) => console.log(`  [${name}] ${message}`),
          async step(stepName, fn) {
            try {
              return await fn();
            } catch (error) {
              await wb.screenshot(nextShot(`${stepName}-FAILED`)).catch(() => {});
              throw new Error(`step "${stepName}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
            }
          },
        };
        await withTimeout(mod.run(ctx), SCRIPT_TIMEOUT_MS, `did not finish within ${SCRIPT_TIMEOUT_MS / 1000} s`);
        results.push({ name, ok: true, ms: Date.now() - t0 });
        log(`✔ e2e ${name} (${Date.now() - t0} ms)`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        results.push({ name, ok: false, error: message, ms: Date.now() - t0 });
        log(`✘ e2e ${name}: ${message}`);
        if (workbench) {
          await workbench.screenshot(nextShot(`${name}-FAILED`)).catch(() => {});
          await workbench.captureFailure(name);
        } else if (codeServer) {
          codeServer.copyLogs(join(codeServer.runDir, `failure-${name}`));
        }
      } finally {
        await workbench?.close();
        await codeServer?.stop();
        await sandbox?.close();
      }
    }
  } finally {
    await browser.close().catch(() => {});
  }
  const failed = results.filter((r) => !r.ok).length;
  return { ok: failed === 0, passed: results.length - failed, failed, results, runDir, reason: failed ? `${failed} e2e script(s) failed` : undefined };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runE2e({ filter: process.argv[2] })
    .then((outcome) => {
      harnessLog(`e2e: ${outcome.passed} passed, ${outcome.failed} failed${outcome.reason ? ` (${outcome.reason})` : ''}; screenshots in ${join(outcome.runDir, 'screenshots')}`);
      process.exitCode = outcome.ok ? 0 : 1;
    })
    .catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    })
    .finally(() => runCleanups());
}
