// The write history, as a person meets it: save an edit, find it in the LogUp container's History view with each
// key old → new, open it as a diff, and undo it from the row. The packaged extension runs in code-server against
// the in-process sandbox (its seeded demo gate, preconfigured through LOGUP_SANDBOX_URL); every request is checked
// in the sandbox journal. The History view with the diff open is the README's `history` screenshot.
import assert from 'node:assert/strict';
import { answer, logupContainer, openDbAsJson, readmeShot, retype, saveAndWaitClean, serialize, viewRow, writes } from './workbenchUi.mjs';

const GATE = 'gate_sandboxDemo';
const SUB = 'sub_alpha';

export async function run(ctx) {
  const { page, sandbox } = ctx;
  const original = sandbox.getDb(GATE, SUB);
  const edited = { ...original, age: 37, score: 42 };
  delete edited.plan;

  await ctx.step('open a subscription and save an edit', async () => {
    await logupContainer(page).waitFor({ state: 'visible', timeout: 60_000 });
    await logupContainer(page).click();
    await viewRow(page, 'Subscriptions', GATE).waitFor({ state: 'visible', timeout: 30_000 });
    await ctx.runCommand('LogUp: Open Subscription by ID…');
    await answer(page, 'subscription id', SUB);
    await openDbAsJson(page, viewRow(page, 'Subscriptions', SUB), 'Ada Lovelace');
    await retype(page, serialize(edited));
    sandbox.clearJournal();
    await saveAndWaitClean(page);
    assert.deepEqual(sandbox.getDb(GATE, SUB), edited);
  });

  await ctx.step('"LogUp: Show Write History": the write, each key old → new, and its diff', async () => {
    await ctx.runCommand('Notifications: Clear All Notifications');
    await ctx.runCommand('LogUp: Show Write History');
    const write = viewRow(page, 'History', 'Set age, score; deleted plan');
    await write.waitFor({ state: 'visible', timeout: 15_000 });
    await write.locator('.monaco-tl-twistie').click();
    await viewRow(page, 'History', '36 → 37').waitFor({ state: 'visible', timeout: 15_000 });
    await viewRow(page, 'History', 'deleted (was "pro")').waitFor({ state: 'visible', timeout: 15_000 });
    await viewRow(page, 'History', 'added 42').waitFor({ state: 'visible', timeout: 15_000 });
    await write.locator('.label-name').click();
    await page.locator('.tabs-container .tab', { hasText: 'before ↔ after' }).waitFor({ state: 'visible', timeout: 15_000 });
  });
  await readmeShot(ctx, 'history');

  await ctx.step('Undo This Write from the row: exactly the inverse calls, the server as before', async () => {
    sandbox.clearJournal();
    const write = viewRow(page, 'History', 'Set age, score; deleted plan');
    await write.hover();
    await write.locator('.action-label[aria-label="Undo This Write"]').click();
    await ctx.waitForNotification(`Undone on ${SUB}`);
    // the PUT and the DELETE go together, in either order
    assert.deepEqual(writes(sandbox).sort((a, b) => a.route.localeCompare(b.route)), [
      { route: 'deleteDb', body: { keys: ['score'] } },
      { route: 'putDb', body: { data: [{ key: 'age', value: 36 }, { key: 'plan', value: 'pro' }] } },
    ]);
    assert.deepEqual(sandbox.getDb(GATE, SUB), original);
    await viewRow(page, 'History', 'Undo: set age, plan; deleted score').waitFor({ state: 'visible', timeout: 15_000 });
  });
  await ctx.screenshot('history-undone');
}
