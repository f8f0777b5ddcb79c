// Section 7: in the real editor (code-server through the test harness), the time from Ctrl+S to a clean tab for a
// save with additions and deletions, with the sandbox answering at once and with every answer delayed one RTT.
// The difference over the RTT is the number of round trips the save waited in sequence, whatever the editor's own
// work takes. Runs the packaged extension (dist/logup-vscode.vsix) and prints one JSON line last.
//
//   node bench/editorSave.mjs      (after `npm run package`; `npm run bench` runs it under the editor lock)
/* global window, document, performance, MutationObserver -- these run in the page (page.evaluate) */
import { join } from 'node:path';
import { installVsix, startCodeServer } from '../test/harness/codeServer.mjs';
import { loadDemoData, startSandbox } from '../test/harness/sandbox.mjs';
import { ensureToolchain } from '../test/harness/toolchain.mjs';
import { freshRunDir, repoRoot, runCleanups, withTimeout } from '../test/harness/util.mjs';
import { launchBrowser, openWorkbench, runCommand } from '../test/harness/workbench.mjs';

const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 50);
const REPS = 9;
/** Saves before the timed ones: the first saves of a window load code and warm caches. */
const WARM_UP = 2;
const SUB = 'sub_benchEditor';
/** Two DBs a save goes back and forth between: each save deletes one key and adds another (one DELETE, one PUT). */
const DBS = [
  { country: 'italy', name: 'Ada', plan: 'pro', visits: 3 },
  { country: 'italy', name: 'Ada', tier: 'gold', visits: 3 },
];

function serialize(db) {
  const keys = Object.keys(db).sort();
  return `{\n${keys.map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(db[k])}`).join(',\n')}\n}\n`;
}

const quiet = () => undefined;

/** Ctrl+S to the moment no tab is dirty, timed in the page (keydown to the DOM change), so no polling is counted. */
async function timedSave(page) {
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    w.__benchSave = { start: undefined, end: undefined };
    // On the window, in the capture phase: before the workbench's own keybinding handling sees the key.
    const onKey = (e) => {
      if (e.ctrlKey && e.key.toLowerCase() === 's') {
        w.__benchSave.start = performance.now();
        window.removeEventListener('keydown', onKey, true);
      }
    };
    window.addEventListener('keydown', onKey, true);
    const observer = new MutationObserver(() => {
      if (w.__benchSave.start !== undefined && !document.querySelector('.tabs-container .tab.dirty')) {
        w.__benchSave.end = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
  });
  await page.keyboard.press('Control+S');
  await page.locator('.tabs-container .tab.dirty').waitFor({ state: 'detached', timeout: 30_000 });
  await page.waitForFunction(() => /** @type {any} */ (window).__benchSave.end !== undefined, null, { timeout: 5_000 }).catch(() => {
    throw new Error('the tab is clean, but the page did not see Ctrl+S and the change in the same save');
  });
  return page.evaluate(() => {
    const { start, end } = /** @type {any} */ (window).__benchSave;
    return end - start;
  });
}

async function retype(page, text) {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  await page.locator('.tabs-container .tab.dirty').waitFor({ state: 'visible', timeout: 15_000 });
}

async function main() {
  const runDir = freshRunDir('bench-editor');
  const tools = await ensureToolchain({ log: quiet });
  const extensionsDir = await installVsix({ toolchain: tools, vsix: join(repoRoot, 'dist', 'logup-vscode.vsix'), runDir: join(runDir, 'install'), extensionsDir: join(runDir, 'extensions'), log: quiet });
  const browser = await launchBrowser({ chromePath: tools.chromePath, runDir });
  const sandbox = await startSandbox();
  const { DEMO_GATE } = await loadDemoData();
  sandbox.setDb(DEMO_GATE.idGate, SUB, DBS[0]);
  const codeServer = await startCodeServer({ toolchain: tools, runDir: join(runDir, 'code-server'), extensionsDir, env: { LOGUP_SANDBOX_URL: sandbox.url }, log: quiet });
  const workbench = await openWorkbench({ codeServer, browser, log: quiet });
  const { page } = workbench;
  try {
    // The LogUp view, then the subscription opened by id and its DB as JSON from the tree row's inline action.
    const container = page.locator('.part.activitybar .action-item', { has: page.locator('[aria-label^="LogUp"]') }).first();
    await container.waitFor({ state: 'visible', timeout: 60_000 });
    await container.click();
    await page.locator('.part.sidebar .monaco-list-row', { hasText: DEMO_GATE.idGate }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await runCommand(page, 'LogUp: Open Subscription by ID…');
    await page.locator('.quick-input-widget', { hasText: 'subscription id' }).waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.type(SUB);
    await page.keyboard.press('Enter');
    const row = page.locator('.part.sidebar .monaco-list-row', { hasText: SUB }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.hover();
    await row.locator('.action-label[aria-label="Open DB as JSON"]').click();
    await page.locator('.view-lines', { hasText: 'Ada' }).first().waitFor({ state: 'visible', timeout: 15_000 });

    const samples = { 0: [], [RTT_MS]: [] };
    let turn = 0;
    let requests;
    // Interleaved, so a busy moment of the machine lands on both alike.
    for (let i = -WARM_UP; i < REPS; i++) {
      for (const latency of [0, RTT_MS]) {
        sandbox.setLatency(0);
        const next = DBS[++turn % 2];
        await retype(page, serialize(next));
        sandbox.setLatency(latency);
        sandbox.clearJournal();
        const ms = await timedSave(page);
        if (i >= 0) samples[latency].push(ms);
        const writes = sandbox.journal.filter((e) => e.route !== 'token').map((e) => `${e.route} ${e.status}`).sort();
        const expected = ['deleteDb 204', 'getDb 200', 'putDb 200'];
        if (writes.join() !== expected.join()) throw new Error(`the save sent ${writes.join(', ') || 'nothing'}, not ${expected.join(', ')}`);
        if (serialize(sandbox.getDb(DEMO_GATE.idGate, SUB) ?? {}) !== serialize(next)) throw new Error('the server does not hold the saved text');
        requests = writes;
      }
    }
    sandbox.setLatency(0);
    process.stdout.write(`${JSON.stringify({ rttMs: RTT_MS, instantMs: samples[0], delayedMs: samples[RTT_MS], requests })}\n`);
  } catch (error) {
    await workbench.captureFailure('bench-editor').catch(() => undefined);
    throw error;
  } finally {
    await workbench.close();
    await codeServer.stop();
    await sandbox.close();
    await browser.close().catch(() => undefined);
  }
}

withTimeout(main(), 10 * 60_000, 'the editor bench did not finish within 10 minutes')
  .catch((error) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
