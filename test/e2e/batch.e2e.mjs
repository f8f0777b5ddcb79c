// A batch change, driven as a person would: three subscriptions of a production gate selected in the LogUp view
// (click, Ctrl+click), the context menu's "Apply Change to Subscriptions…", Set a Key… plan = pro, the dry run's
// read-only summary (nothing written yet), the one review of the batch, Apply: all three hold it, each written once.
// Then a colleague changes one of them, the History view shows the batch with a row per subscription, and Undo This
// Batch from the batch row's context menu asks once about the key changed since: Skip It, the review, Apply.
// Screenshots for the README: batch-review (the summary behind the review) and batch-undo (the question).
import assert from 'node:assert/strict';
import { E2E_GATE_SECRET as SECRET } from './secrets.mjs';
import { addGateByTyping, answer, chooseFromContextMenu, clearNotifications, pick, readmeShot, treeRow, viewRow, writes } from './workbenchUi.mjs';

const GATE = 'gate_shop';
const SUBS = ['sub_customer1', 'sub_customer2', 'sub_customer3'];

function dialog(page) {
  return page.locator('.monaco-dialog-box');
}

export async function run(ctx) {
  const { page, sandbox } = ctx;
  sandbox.addGate(GATE, SECRET);
  SUBS.forEach((id, i) => sandbox.setDb(GATE, id, { plan: 'free', visits: i + 1 }));

  await ctx.step('add a production gate and open three of its subscriptions', async () => {
    await addGateByTyping(ctx, GATE, SECRET, 'Production');
    await treeRow(page, GATE).filter({ hasText: 'PRODUCTION' }).waitFor({ state: 'visible', timeout: 15_000 });
    for (const id of SUBS) {
      await ctx.runCommand('LogUp: Open Subscription by ID…');
      // two gates (the sandbox demo gate is preconfigured by LOGUP_SANDBOX_URL): pick ours
      await pick(page, 'which gate', GATE);
      await answer(page, 'Open Subscription of', id);
      await treeRow(page, id).waitFor({ state: 'visible', timeout: 15_000 });
    }
  });

  await ctx.step('select the three (click, Ctrl+click) and choose Apply Change to Subscriptions… from the context menu', async () => {
    await clearNotifications(ctx);
    await treeRow(page, SUBS[0]).click();
    await treeRow(page, SUBS[1]).click({ modifiers: ['Control'] });
    await treeRow(page, SUBS[2]).click({ modifiers: ['Control'] });
    assert.equal(await page.locator('.part.sidebar .monaco-list-row.selected').count(), 3, 'three rows selected');
    await chooseFromContextMenu(page, treeRow(page, SUBS[2]), 'Apply Change to Subscriptions…');
  });

  await ctx.step('Set a Key…: plan = pro; the dry run shows its summary and writes nothing', async () => {
    sandbox.clearJournal();
    await pick(page, 'Change 3 subscriptions', 'Set a Key…');
    await answer(page, 'Set which key?', 'plan');
    await answer(page, 'Value of plan', 'pro');
    await page.locator('.tabs-container .tab', { hasText: 'summary.txt' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.view-lines', { hasText: 'Total: 3 subscriptions: 3 will change.' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await dialog(page).waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(sandbox.journal.filter((e) => e.route === 'getDb').length, 3, 'each DB read once by the dry run');
    assert.deepEqual(writes(sandbox), [], 'nothing written before the review');
  });

  await ctx.step('one review for the batch: the gate, its environment, how many change, the key old → new', async () => {
    const text = await dialog(page).innerText();
    for (const part of ['PRODUCTION', 'change 3 of 3 subscriptions', GATE, '"plan": 3 subscriptions', 'Show Summary', 'Apply']) {
      assert.ok(text.includes(part), `the review shows ${part}:\n${text}`);
    }
    assert.deepEqual(writes(sandbox), []);
  });
  await readmeShot(ctx, 'batch-review');

  await ctx.step('Apply: all three hold plan = pro, each written once, and the result is summarised', async () => {
    await dialog(page).locator('.monaco-button', { hasText: /^\s*Apply\s*$/ }).first().click();
    await ctx.waitForNotification('Batch change on gate_shop: 3 changed', { timeoutMs: 30_000 });
    for (const [i, id] of SUBS.entries()) assert.deepEqual(sandbox.getDb(GATE, id), { plan: 'pro', visits: i + 1 });
    const puts = writes(sandbox);
    assert.equal(puts.length, 3, `one write per subscription: ${JSON.stringify(puts)}`);
    for (const w of puts) assert.deepEqual(w, { route: 'putDb', body: { data: [{ key: 'plan', value: 'pro' }] } });
    await page.locator('.view-lines', { hasText: 'Total: 3 subscriptions: 3 changed.' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  });
  await ctx.screenshot('batch-result');

  await ctx.step('a colleague changes one; the History view shows the batch with a row for each subscription', async () => {
    sandbox.patchDb(GATE, SUBS[1], { plan: 'team' });
    await clearNotifications(ctx);
    await ctx.runCommand('LogUp: Show Write History');
    await viewRow(page, 'History', 'Batch change: 3 subscriptions').waitFor({ state: 'visible', timeout: 15_000 });
    for (const id of SUBS) await viewRow(page, 'History', id).waitFor({ state: 'visible', timeout: 15_000 });
  });

  await ctx.step('Undo This Batch from its context menu: one question about the key changed since, with the value now', async () => {
    sandbox.clearJournal();
    await chooseFromContextMenu(page, viewRow(page, 'History', 'Batch change: 3 subscriptions'), 'Undo This Batch');
    await dialog(page).filter({ hasText: 'changed since' }).waitFor({ state: 'visible', timeout: 30_000 });
    const text = await dialog(page).innerText();
    for (const part of [`1 key the batch wrote changed since, on ${SUBS[1]}.`, `${SUBS[1]}: "plan": "team" → "free"`, 'Skip It', 'Write Anyway', 'Show Summary']) {
      assert.ok(text.includes(part), `the question shows ${part}:\n${text}`);
    }
    assert.deepEqual(writes(sandbox), [], 'nothing written before the answer');
  });
  await readmeShot(ctx, 'batch-undo');

  await ctx.step('Skip It, then the review, Apply: the other two go back, the colleague\'s plan stays', async () => {
    await dialog(page).locator('.monaco-button', { hasText: /^\s*Skip It\s*$/ }).first().click();
    await dialog(page).filter({ hasText: 'Undoes the batch change' }).waitFor({ state: 'visible', timeout: 30_000 });
    await dialog(page).locator('.monaco-button', { hasText: /^\s*Apply\s*$/ }).first().click();
    await ctx.waitForNotification('Batch change on gate_shop: 2 changed, 1 skipped', { timeoutMs: 30_000 });
    assert.deepEqual(SUBS.map((id) => sandbox.getDb(GATE, id).plan), ['free', 'team', 'free']);
    assert.equal(writes(sandbox).length, 2, 'nothing sent to the skipped one');
    await viewRow(page, 'History', 'Undo of a batch change: 3 subscriptions').waitFor({ state: 'visible', timeout: 15_000 });
    await viewRow(page, 'History', 'skipped (changed since)').waitFor({ state: 'visible', timeout: 15_000 });
    await viewRow(page, 'History', 'undone on 2 of 3').waitFor({ state: 'visible', timeout: 15_000 });
  });
  await ctx.screenshot('batch-undone');
}
