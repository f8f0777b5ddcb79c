// A production gate, driven as a person would: Add Gate with the environment chosen, the gate marked in the tree,
// the tab and the status bar, and the real review modal on Ctrl+S: the plan shown before any write, Show Diff,
// Cancel (nothing sent, the tab stays dirty, no "Failed to save": the review comes before VS Code's save starts),
// then Save (exactly the plan, asked once). Every request is checked in the journal.
// Screenshots for the README: production-tab, review, review-diff; review-cancelled for the run's record.
import assert from 'node:assert/strict';
import { E2E_GATE_SECRET as SECRET } from './secrets.mjs';
import { addGateByTyping, answer, clearNotifications, openDbAsJson, pick, readmeShot, retype, serialize, treeRow, writes } from './workbenchUi.mjs';

const GATE = 'gate_shop';
const SUB = 'sub_customer42';
const START_DB = { country: 'italy', name: 'Grace Hopper', newsletter: true, plan: 'free', visits: 3 };

function dialog(page) {
  return page.locator('.monaco-dialog-box');
}

/** Clicks the modal's button whose label is exactly `label`. */
async function clickDialogButton(page, label) {
  await dialog(page).locator('.monaco-button', { hasText: new RegExp(`^\\s*${label}\\s*$`) }).first().click();
}

function dbTab(page) {
  return page.locator('.tabs-container .tab', { hasText: `${SUB}.json` }).filter({ hasNotText: '↔' }).first();
}

export async function run(ctx) {
  const { page, sandbox } = ctx;
  sandbox.addGate(GATE, SECRET);
  sandbox.setDb(GATE, SUB, START_DB);

  await ctx.step('add a gate and choose Production for it', async () => {
    // a server on this machine is suggested as Sandbox: the user says it is production
    await addGateByTyping(ctx, GATE, SECRET, 'Production');
    await treeRow(page, GATE).filter({ hasText: 'PRODUCTION' }).waitFor({ state: 'visible', timeout: 15_000 });
  });

  await ctx.step('open a subscription of the production gate as JSON', async () => {
    await clearNotifications(ctx);
    await ctx.runCommand('LogUp: Open Subscription by ID…');
    // two gates (the sandbox demo gate is preconfigured by LOGUP_SANDBOX_URL): pick ours
    await pick(page, 'which gate', GATE);
    await answer(page, 'Open Subscription of', SUB);
    await openDbAsJson(page, treeRow(page, SUB), 'Grace Hopper');
    await dbTab(page).waitFor({ state: 'visible', timeout: 15_000 });
  });

  await ctx.step('the tab and the status bar say production', async () => {
    await page.locator('.statusbar-item', { hasText: `${GATE}: Production` }).waitFor({ state: 'visible', timeout: 15_000 });
    // File decorations arrive a moment after the tab is drawn: wait for the colour before reading the marks.
    await dbTab(page).locator('[class*="monaco-decoration-itemColor"]').first().waitFor({ state: 'attached', timeout: 15_000 }).catch(() => undefined);
    const marks = await dbTab(page).evaluate((tab) => ({
      colored: tab.querySelector('[class*="monaco-decoration-itemColor"]') !== null,
      badges: [...tab.querySelectorAll('*')].map((e) => tab.ownerDocument.defaultView.getComputedStyle(e, '::after').content).filter((c) => c && c !== 'none' && c !== 'normal'),
    }));
    assert.ok(marks.colored, 'the tab has the production colour');
    assert.ok(marks.badges.includes('"P"'), `the tab has the P badge (found ${JSON.stringify(marks.badges)})`);
    // the status bar item's language: logup-db, not JSON (auto-save is off for it)
    await page.locator('.statusbar-item', { hasText: 'LogUp DB' }).waitFor({ state: 'visible', timeout: 15_000 });
  });
  await readmeShot(ctx, 'production-tab');

  const edited = { ...START_DB, country: 'spain', score: 42 };
  delete edited.plan;
  await ctx.step('Ctrl+S on production: the review shows the plan, and nothing is written', async () => {
    await retype(page, serialize(edited));
    sandbox.clearJournal();
    await page.keyboard.press('Control+S');
    await dialog(page).waitFor({ state: 'visible', timeout: 15_000 });
    const text = await dialog(page).innerText();
    for (const part of ['PRODUCTION', SUB, GATE, '"plan": "free"', '"country": "italy" → "spain"', '"score": new → 42', 'Show Diff']) {
      assert.ok(text.includes(part), `the review shows ${part}:\n${text}`);
    }
    assert.ok(!text.includes('"visits"'), 'keys left alone are not listed');
    assert.deepEqual(writes(sandbox), [], 'nothing written before the user chooses');
  });
  await readmeShot(ctx, 'review');

  await ctx.step('Show Diff opens the diff, and the review comes back', async () => {
    await clickDialogButton(page, 'Show Diff');
    await page.locator('.tabs-container .tab', { hasText: 'now ↔ after Save' }).waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.monaco-diff-editor').first().waitFor({ state: 'visible', timeout: 15_000 });
    await dialog(page).waitFor({ state: 'visible', timeout: 15_000 });
    assert.deepEqual(writes(sandbox), []);
  });
  await readmeShot(ctx, 'review-diff');

  await ctx.step('Cancel: nothing is sent, the edit stays dirty, and nothing says the save failed', async () => {
    await clickDialogButton(page, 'Cancel');
    await dialog(page).waitFor({ state: 'detached', timeout: 15_000 });
    // Ctrl+S on a LogUp DB document reviews before VS Code's save starts (logup.saveDb): Cancel is no failed save.
    // Give a "Failed to save" toast the time it took to appear before (well under a second).
    await page.waitForTimeout(2000);
    const toasts = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    assert.deepEqual(toasts, [], 'no notification at all, in particular no "Failed to save"');
    assert.equal(await page.locator('.tabs-container .tab.dirty').count(), 1, 'the tab stays dirty');
    assert.deepEqual(writes(sandbox), []);
    assert.deepEqual(sandbox.getDb(GATE, SUB), START_DB, 'the server is untouched');
  });
  await ctx.screenshot('review-cancelled');

  await ctx.step('Ctrl+S again, Save: exactly the plan is sent', async () => {
    await clearNotifications(ctx);
    await dbTab(page).click();
    await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'spain' }).first().click();
    sandbox.clearJournal();
    await page.keyboard.press('Control+S');
    await dialog(page).waitFor({ state: 'visible', timeout: 15_000 });
    await clickDialogButton(page, 'Save');
    await page.locator('.tabs-container .tab.dirty').waitFor({ state: 'detached', timeout: 15_000 });
    assert.equal(await dialog(page).count(), 0, 'asked once: the save sent the plan approved in the review');
    // the review's read, the save's own check after the choice, then the writes
    assert.deepEqual(sandbox.journal.filter((e) => e.route === 'getDb').length, 2);
    // the PUT and the DELETE go together, in either order
    assert.deepEqual(writes(sandbox).sort((a, b) => a.route.localeCompare(b.route)), [
      { route: 'deleteDb', body: { keys: ['plan'] } },
      { route: 'putDb', body: { data: [{ key: 'country', value: 'spain' }, { key: 'score', value: 42 }] } },
    ]);
    assert.deepEqual(sandbox.getDb(GATE, SUB), edited);
  });
}
