// Drives the real VS Code workbench served by code-server in headless Chromium (playwright-core, never its own
// browser download), with the helpers an e2e script needs: command palette, notifications, screenshots, and
// failure evidence (screenshot + code-server/exthost logs) left in the run folder.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { harnessLog, onCleanup, requireFromRepo } from './util.mjs';
import { saveBrowserStorage, savePageText } from './leakScan.mjs';

const DEFAULT_VIEWPORT = { width: 1400, height: 900 };

/**
 * Launches Debian's (or CHROME_PATH's) Chromium with the flags of docs/harness.md, H12. The background-networking
 * flags keep Chromium from calling Google's hosts, which this machine refuses. XDG dirs keep its crash reports and
 * dconf out of $HOME (H5).
 */
export async function launchBrowser({ chromePath, runDir }) {
  const { chromium } = requireFromRepo('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromePath,
    headless: true,
    env: { ...process.env, XDG_CONFIG_HOME: join(runDir, 'xdg', 'chromium-config'), XDG_CACHE_HOME: join(runDir, 'xdg', 'chromium-cache') },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const unregister = onCleanup(() => browser.close().catch(() => {}));
  browser.on('disconnected', unregister);
  return browser;
}

/**
 * Opens the workbench of a running code-server in a new browser context and waits for it to be drawn.
 * `automation` ({onLog, onExit}) exposes window.codeAutomationLog/Exit before the page loads: that is how the
 * smoke-test driver streams extension host output and reports the test suite's exit code.
 * Returns { page, url, screenshot(name), captureFailure(label), close() }.
 */
export async function openWorkbench({
  codeServer,
  chromePath,
  browser,
  payload,
  screenshotDir,
  automation,
  waitForWorkbench = true,
  viewport = DEFAULT_VIEWPORT,
  log = harnessLog,
}) {
  const ownBrowser = !browser;
  const theBrowser = browser ?? (await launchBrowser({ chromePath, runDir: codeServer.runDir }));
  const context = await theBrowser.newContext({ viewport });
  const page = await context.newPage();
  const shotsDir = screenshotDir ?? join(codeServer.runDir, 'screenshots');
  mkdirSync(shotsDir, { recursive: true });

  // the workbench's own log lives in the browser; keep what it prints next to the server logs
  const consoleLog = join(codeServer.runDir, 'browser-console.log');
  page.on('console', (message) => appendFileSync(consoleLog, `[${message.type()}] ${message.text()}\n`));
  page.on('pageerror', (error) => appendFileSync(consoleLog, `[pageerror] ${String(error)}\n`));

  if (automation) {
    await page.exposeFunction('codeAutomationLog', (type, args) => automation.onLog?.(type, formatArgs(args)));
    await page.exposeFunction('codeAutomationExit', (code) => automation.onExit?.(code));
  }

  const url = codeServer.workbenchUrl({ payload });
  const screenshot = async (name) => {
    const file = join(shotsDir, `${name}.png`);
    await page.screenshot({ path: file });
    // the screenshot's text goes next to it, so the secrets scan can read what the picture shows
    await savePageText(page, file);
    log(`screenshot ${file}`);
    return file;
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // the workbench keeps globalState and secrets in the browser: bring them into the run folder for the scan
    await saveBrowserStorage(page, join(codeServer.runDir, 'browser-storage.json')).catch((error) => log(`could not save the browser storage: ${error.message}`));
    unregister();
    await context.close().catch(() => {});
    if (ownBrowser) await theBrowser.close().catch(() => {});
  };
  const unregister = onCleanup(close);

  await page.goto(url);
  if (waitForWorkbench) await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });

  return {
    page,
    url,
    screenshot,
    /** Leaves evidence of a failure: a screenshot and the code-server/exthost logs, in `<runDir>/failure-<label>/`. */
    async captureFailure(label) {
      const dir = join(codeServer.runDir, `failure-${label.replace(/[^\w.-]+/g, '_')}`);
      mkdirSync(dir, { recursive: true });
      const shot = join(dir, 'screenshot.png');
      await page.screenshot({ path: shot }).catch((error) => log(`could not take the failure screenshot: ${error.message}`));
      const logs = codeServer.copyLogs(dir);
      log(`failure evidence in ${dir} (screenshot.png, ${logs.length} log item(s), browser-console.log in ${codeServer.runDir})`);
      return dir;
    },
    close,
  };
}

function formatArgs(args) {
  if (!Array.isArray(args)) return String(args ?? '');
  return format(...args);
}

/** Runs a command from the palette as a person would: F1, type its title, pick the row with that title. */
export async function runCommand(page, title, { timeoutMs = 15_000 } = {}) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  await page.keyboard.type(title);
  const rows = page.locator('.quick-input-list .monaco-list-row');
  // fuzzy matching also lists longer titles that contain this one; pick the exact title, not the first row
  const exact = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }) });
  try {
    await exact.first().waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const listed = (await rows.allInnerTexts().catch(() => [])).map((t) => t.replace(/\s+/g, ' ').trim());
    await page.keyboard.press('Escape');
    throw new Error(`command "${title}" is not in the command palette; it lists: ${listed.length ? listed.slice(0, 10).join(' | ') : '(nothing)'}`);
  }
  await exact.first().click();
}

/** Waits for a notification toast containing `text` and returns its locator (to read it or click its buttons). */
export async function waitForNotification(page, text, { timeoutMs = 15_000 } = {}) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  try {
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const shown = await page.locator('.notifications-toasts .notification-toast').allInnerTexts().catch(() => []);
    throw new Error(`no notification containing "${text}" within ${timeoutMs} ms; visible: ${shown.length ? shown.map((t) => t.replace(/\s+/g, ' ')).join(' | ') : '(none)'}`);
  }
  return toast;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
