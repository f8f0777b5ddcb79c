// What the e2e scripts do in the workbench as a person would (quick inputs, the LogUp view, the editor), and the
// README screenshots they take. Shared by test/e2e/*.e2e.mjs; not a script itself (the runner takes *.e2e.mjs only).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Types into the quick input once it shows `expect` (its title or prompt: the widget is reused from one prompt to
 * the next, so waiting for it to be visible is not enough) and presses Enter.
 */
export async function answer(page, expect, text, { insert = false } = {}) {
  await page.locator('.quick-input-widget', { hasText: expect }).waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.quick-input-widget input').focus();
  if (insert) await page.keyboard.insertText(text);
  else await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** Picks the quick pick row whose label is exactly `label`, once the quick pick shows `expect`. */
export async function pick(page, expect, label) {
  await page.locator('.quick-input-widget', { hasText: expect }).waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type(label);
  const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
}

export function logupContainer(page) {
  return page.locator('.part.activitybar .action-item', { has: page.locator('[aria-label^="LogUp"]') }).first();
}

/** A row of one view of the LogUp container ('Subscriptions', 'History'), by the text it shows. */
export function viewRow(page, view, text) {
  const pane = page.locator('.part.sidebar .pane', { has: page.locator('.pane-header', { hasText: view }) });
  return pane.locator('.monaco-list-row', { hasText: text }).first();
}

/**
 * Right-clicks `row` and chooses `label` from its context menu. A menu opened while the workbench is busy can miss
 * the click (seen under load): the item is then highlighted and the menu still open, and Enter chooses it as a
 * person's keyboard would.
 */
export async function chooseFromContextMenu(page, row, label) {
  await row.click({ button: 'right' });
  const item = page.locator('.monaco-menu .action-item', { hasText: label }).first();
  await item.waitFor({ state: 'visible', timeout: 15_000 });
  await item.hover();
  await item.click();
  const menu = page.locator('.monaco-menu').first();
  if (await menu.isVisible().catch(() => false)) {
    await page.waitForTimeout(1000);
    if (await menu.isVisible().catch(() => false)) await page.keyboard.press('Enter');
  }
}

export function treeRow(page, text) {
  return page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
}

/** The row's inline "Open DB as JSON", as a person clicks it on hover; waits until the document shows `text`. */
export async function openDbAsJson(page, row, text) {
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.hover();
  await row.locator('.action-label[aria-label="Open DB as JSON"]').click();
  await page.locator('.view-lines', { hasText: text }).first().waitFor({ state: 'visible', timeout: 15_000 });
}

/** Clears the toasts of earlier steps, so each screenshot shows what its own step did. */
export async function clearNotifications(ctx) {
  await ctx.runCommand('Notifications: Clear All Notifications');
}

export function writes(sandbox) {
  return sandbox.journal.filter((e) => e.route === 'putDb' || e.route === 'deleteDb').map((e) => ({ route: e.route, body: e.body }));
}

/** Replaces the focused editor's text as a person would: select all, then type (paste) the new text. */
export async function retype(page, text) {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  await page.locator('.tabs-container .tab.dirty').waitFor({ state: 'visible', timeout: 15_000 });
}

/** Ctrl+S, then waits until the tab is clean again (the save went through). */
export async function saveAndWaitClean(page) {
  await page.keyboard.press('Control+S');
  await page.locator('.tabs-container .tab.dirty').waitFor({ state: 'detached', timeout: 15_000 });
}

/**
 * A screenshot for the README too: `LOGUP_README_SCREENSHOTS=1 npm run test:e2e` copies it to
 * media/screenshots/<name>.png, so the README shows what this run saw, never a drawing.
 */
export async function readmeShot(ctx, name) {
  // toasts slide in and fade out: let them settle so the picture shows what a person sees
  await ctx.page.waitForTimeout(1000);
  const file = await ctx.screenshot(name);
  if (process.env.LOGUP_README_SCREENSHOTS === '1') {
    const dir = join(import.meta.dirname, '..', '..', 'media', 'screenshots');
    mkdirSync(dir, { recursive: true });
    // Quantized to a 256-colour palette: a third of the bytes, the same picture to the eye. The README and the
    // walkthrough (packed in the .vsix, BENCHMARKS.md part 4) show them; npm run screenshots installs pngquant.
    execFileSync('pngquant', ['--quality=80-95', '--speed', '1', '--strip', '--force', '--output', join(dir, `${name}.png`), file]);
  }
}

export function serialize(db) {
  const keys = Object.keys(db).sort();
  if (keys.length === 0) return '{}\n';
  return `{\n${keys.map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(db[k])}`).join(',\n')}\n}\n`;
}

/**
 * "LogUp: Add Gate" typed as a person would, against the local sandbox's URL, choosing `environment` in step 4.
 * The palette lists an extension's commands once the remote extension host has registered it: its activity-bar
 * container appearing says so.
 */
export async function addGateByTyping(ctx, idGate, secret, environment) {
  const { page } = ctx;
  await logupContainer(page).waitFor({ state: 'visible', timeout: 60_000 });
  await logupContainer(page).click();
  await ctx.runCommand('LogUp: Add Gate');
  await answer(page, '(1/4)', idGate);
  await answer(page, '(2/4)', secret);
  await pick(page, '(3/4)', 'Local sandbox');
  // a server on this machine is suggested as Sandbox, whatever the user then picks
  await page.locator('.quick-input-widget', { hasText: 'suggested for this URL' }).waitFor({ state: 'visible', timeout: 15_000 });
  await pick(page, '(4/4)', environment);
  await ctx.waitForNotification(`Gate ${idGate} added`);
}
