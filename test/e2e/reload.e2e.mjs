// A LogUp document still dirty when the window reloads (hot exit): VS Code restores the text, but the new extension
// host never loaded it, so it knows no base. Saving must then show VS Code's Compare / Overwrite for every key where
// the document and the server differ, never replace the DB (docs/architecture.md, "The save path"). Driven as a person would, against the
// packaged extension in code-server and the in-process sandbox (its demo gate, preconfigured by LOGUP_SANDBOX_URL).
import assert from 'node:assert/strict';
import { answer, clearNotifications, logupContainer, openDbAsJson, retype, serialize, viewRow, writes } from './workbenchUi.mjs';

const GATE = 'gate_sandboxDemo';
const SUB = 'sub_reload';

export async function run(ctx) {
  const { page, sandbox } = ctx;
  sandbox.setDb(GATE, SUB, { name: 'Ada', plan: 'free' });
  const mine = { name: 'Ada L.', plan: 'free' };

  await ctx.step('open the DB and change a key, without saving', async () => {
    await logupContainer(page).waitFor({ state: 'visible', timeout: 60_000 });
    await logupContainer(page).click();
    await viewRow(page, 'Subscriptions', GATE).waitFor({ state: 'visible', timeout: 30_000 });
    await ctx.runCommand('LogUp: Open Subscription by ID…');
    await answer(page, 'subscription id', SUB);
    await openDbAsJson(page, viewRow(page, 'Subscriptions', SUB), 'Ada');
    await retype(page, serialize(mine));
  });

  await ctx.step('reload the window: the dirty text comes back', async () => {
    // Let the workbench write its backup of the dirty document before the reload.
    await page.waitForTimeout(2000);
    await ctx.runCommand('Developer: Reload Window');
    await page.locator('.tabs-container .tab.dirty', { hasText: `${SUB}.json` }).waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.view-lines', { hasText: 'Ada L.' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });

  await ctx.step('a colleague changes another key; Ctrl+S shows Compare / Overwrite and writes nothing', async () => {
    // The same length as before: VS Code's own check then sees the same size and would let a write through (H15).
    const theirs = { name: 'Ada', plan: 'gold' };
    sandbox.setDb(GATE, SUB, theirs);
    await clearNotifications(ctx);
    sandbox.clearJournal();
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+S');
    await ctx.waitForNotification('newer', { timeoutMs: 30_000 });
    assert.deepEqual(writes(sandbox), [], 'nothing written before the person chooses');
    assert.deepEqual(sandbox.getDb(GATE, SUB), theirs, "the colleague's plan is still there");
    assert.equal(await page.locator('.tabs-container .tab.dirty').count(), 1, 'the tab stays dirty');
  });
  await ctx.screenshot('reload-conflict');
}
