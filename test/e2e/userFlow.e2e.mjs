// The user flow (add a gate, verify a token, see the tree, open, edit and save a DB, meet a conflict), driven as a
// person would: keyboard, mouse and what is on screen only. The packaged extension runs in code-server against the
// in-process sandbox; every request is checked in the sandbox journal.
// Screenshots (test-results/e2e/screenshots/NN-*.png) feed the README.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { E2E_GATE_SECRET as SECRET, E2E_LOGUP_TOKEN as TOKEN } from './secrets.mjs';

const GATE = 'gate_e2e';
const SUB = 'sub_e2e';
const ACTOR = 'acr_e2e';
const START_DB = { country: 'italy', name: 'Grace Hopper', newsletter: true, plan: 'free', visits: 3 };

/**
 * Types into the quick input once it shows `expect` (its title or prompt: the widget is reused from one prompt to
 * the next, so waiting for it to be visible is not enough) and presses Enter.
 */
async function answer(page, expect, text, { insert = false } = {}) {
  await page.locator('.quick-input-widget', { hasText: expect }).waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('.quick-input-widget input').focus();
  if (insert) await page.keyboard.insertText(text);
  else await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** Picks the quick pick row whose label is exactly `label`, once the quick pick shows `expect`. */
async function pick(page, expect, label) {
  await page.locator('.quick-input-widget', { hasText: expect }).waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type(label);
  const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
}

function logupContainer(page) {
  return page.locator('.part.activitybar .action-item', { has: page.locator('[aria-label^="LogUp"]') }).first();
}

function treeRow(page, text) {
  return page.locator('.part.sidebar .monaco-list-row', { hasText: text }).first();
}

/** Clears the toasts of earlier steps, so each screenshot shows what its own step did. */
async function clearNotifications(ctx) {
  await ctx.runCommand('Notifications: Clear All Notifications');
}

function writes(sandbox) {
  return sandbox.journal.filter((e) => e.route === 'putDb' || e.route === 'deleteDb').map((e) => ({ route: e.route, body: e.body }));
}

/** Replaces the focused editor's text as a person would: select all, then type (paste) the new text. */
async function retype(page, text) {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  await page.locator('.tabs-container .tab.dirty').waitFor({ state: 'visible', timeout: 15_000 });
}

/** Ctrl+S, then waits until the tab is clean again (the save went through). */
async function saveAndWaitClean(page) {
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
    copyFileSync(file, join(dir, `${name}.png`));
  }
}

function serialize(db) {
  const keys = Object.keys(db).sort();
  if (keys.length === 0) return '{}\n';
  return `{\n${keys.map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(db[k])}`).join(',\n')}\n}\n`;
}

export async function run(ctx) {
  const { page, sandbox } = ctx;
  sandbox.addGate(GATE, SECRET);
  sandbox.setDb(GATE, SUB, START_DB);
  sandbox.addLogupToken(GATE, TOKEN, { idSubscription: SUB, idActor: ACTOR });

  await ctx.step('add a gate from the command palette', async () => {
    // the palette lists an extension's commands once the remote extension host has registered it: its
    // activity-bar container appearing says so
    await logupContainer(page).waitFor({ state: 'visible', timeout: 60_000 });
    await logupContainer(page).click();
    await ctx.runCommand('LogUp: Add Gate');
    await answer(page, '(1/3)', GATE);
    await answer(page, '(2/3)', SECRET);
    await pick(page, '(3/3)', 'Local sandbox');
    await ctx.waitForNotification(`Gate ${GATE} added`);
    assert.equal(sandbox.journal.filter((e) => e.route === 'token' && e.status === 200).length >= 1, true, 'the credentials were checked');
  });

  await ctx.step('verify a pasted redirect URL', async () => {
    await clearNotifications(ctx);
    await ctx.runCommand('LogUp: Verify Token');
    await answer(page, 'redirect URL', `https://site.example/after-login?logupToken=${TOKEN}&isNewUser=true`, { insert: true });
    // two gates now (the sandbox demo gate is preconfigured by LOGUP_SANDBOX_URL): pick ours
    await pick(page, 'which gate', GATE);
    const toast = await ctx.waitForNotification(`Verified: ${ACTOR} logged up to ${SUB}`);
    assert.match(await toast.innerText(), /New user/);
  });
  await readmeShot(ctx, 'verify-token');

  await ctx.step('the subscription and its DB entries are in the tree', async () => {
    // clicking an active activity-bar item would hide the side bar: open the LogUp view only if it is not shown
    if (!(await page.locator('.part.sidebar .composite.title', { hasText: 'LogUp' }).isVisible())) await logupContainer(page).click();
    const sub = treeRow(page, SUB);
    await sub.waitFor({ state: 'visible', timeout: 15_000 });
    if ((await sub.getAttribute('aria-expanded')) !== 'true') await sub.click();
    for (const key of Object.keys(START_DB)) await treeRow(page, key).waitFor({ state: 'visible', timeout: 15_000 });
  });
  await readmeShot(ctx, 'tree');

  const edited = { ...START_DB, country: 'spain', score: 42 };
  delete edited.plan;
  await ctx.step('open the DB as JSON, edit, Ctrl+S: one DELETE and one PUT', async () => {
    // the row's inline action, as a person clicks it on hover
    const row = treeRow(page, SUB);
    await row.hover();
    await row.locator('.action-label[aria-label="Open DB as JSON"]').click();
    await page.locator('.tabs-container .tab', { hasText: `${SUB}.json` }).waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.view-lines', { hasText: 'Grace Hopper' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await retype(page, serialize(edited));
    sandbox.clearJournal();
    await saveAndWaitClean(page);
    assert.deepEqual(writes(sandbox), [
      { route: 'putDb', body: { data: [{ key: 'country', value: 'spain' }, { key: 'score', value: 42 }] } },
      { route: 'deleteDb', body: { keys: ['plan'] } },
    ]);
    assert.deepEqual(sandbox.getDb(GATE, SUB), edited);
    await treeRow(page, 'score').waitFor({ state: 'visible', timeout: 15_000 });
  });
  await ctx.screenshot('saved');

  await ctx.step('an invalid document: a diagnostic, Ctrl+S refused, no request', async () => {
    await clearNotifications(ctx);
    const longKey = 'x'.repeat(33);
    await retype(page, `{\n  "${longKey}": 1,\n  "country": "spain"\n}\n`);
    await ctx.runCommand('Problems: Focus on Problems View');
    await page.locator('.markers-panel', { hasText: '33 characters' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    sandbox.clearJournal();
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+S');
    await ctx.waitForNotification('Failed to save');
    assert.equal(await page.locator('.tabs-container .tab.dirty').count(), 1, 'the tab stays dirty');
    assert.equal(sandbox.journal.length, 0, 'no request at all');
  });
  await readmeShot(ctx, 'invalid-document');

  await ctx.step('a change on the server meanwhile is not overwritten until the user chooses', async () => {
    await page.keyboard.press('Escape');
    await ctx.runCommand('LogUp: Revert to Server');
    await page.locator('.tabs-container .tab.dirty').waitFor({ state: 'detached', timeout: 15_000 });
    // Someone else changes the same key the user is about to change: a real conflict (another key would merge).
    const theirs = { ...edited, name: 'Grace Brewster', visits: 4 };
    sandbox.setDb(GATE, SUB, theirs);
    await ctx.runCommand('View: Toggle Panel Visibility');
    await clearNotifications(ctx);
    const mine = { ...edited, name: 'Grace B. Hopper' };
    await retype(page, serialize(mine));
    sandbox.clearJournal();
    await page.keyboard.press('Control+S');
    const toast = await ctx.waitForNotification('newer');
    assert.deepEqual(writes(sandbox), [], 'nothing written before the user chooses');
    assert.deepEqual(sandbox.getDb(GATE, SUB), theirs);
    await readmeShot(ctx, 'conflict');
    await toast.locator('.monaco-button', { hasText: 'Overwrite' }).click();
    await page.locator('.tabs-container .tab.dirty').waitFor({ state: 'detached', timeout: 15_000 });
    assert.deepEqual(writes(sandbox), [
      { route: 'putDb', body: { data: [{ key: 'name', value: 'Grace B. Hopper' }, { key: 'visits', value: edited.visits }] } },
    ], 'Overwrite sends exactly what makes the server equal the editor');
    assert.deepEqual(sandbox.getDb(GATE, SUB), mine, 'Overwrite makes the server hold the editor\'s text');
  });
}
