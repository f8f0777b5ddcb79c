// The user flow (add a gate, verify a token, see the tree, open, edit and save a DB, meet a conflict), driven as a
// person would: keyboard, mouse and what is on screen only. The packaged extension runs in code-server against the
// in-process sandbox; every request is checked in the sandbox journal.
// Screenshots (test-results/e2e/screenshots/NN-*.png) feed the README.
import assert from 'node:assert/strict';
import { E2E_GATE_SECRET as SECRET, E2E_LOGUP_TOKEN as TOKEN } from './secrets.mjs';
import { addGateByTyping, answer, clearNotifications, logupContainer, openDbAsJson, pick, readmeShot, retype, saveAndWaitClean, serialize, treeRow, writes } from './workbenchUi.mjs';

const GATE = 'gate_e2e';
const SUB = 'sub_e2e';
const ACTOR = 'acr_e2e';
const START_DB = { country: 'italy', name: 'Grace Hopper', newsletter: true, plan: 'free', visits: 3 };

export async function run(ctx) {
  const { page, sandbox } = ctx;
  sandbox.addGate(GATE, SECRET);
  sandbox.setDb(GATE, SUB, START_DB);
  sandbox.addLogupToken(GATE, TOKEN, { idSubscription: SUB, idActor: ACTOR });

  await ctx.step('add a gate from the command palette', async () => {
    await addGateByTyping(ctx, GATE, SECRET, 'Sandbox');
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
    // the verification's toast is the picture above: this one shows the view alone
    await clearNotifications(ctx);
  });
  await readmeShot(ctx, 'tree');

  const edited = { ...START_DB, country: 'spain', score: 42 };
  delete edited.plan;
  await ctx.step('open the DB as JSON, edit, Ctrl+S: one DELETE and one PUT', async () => {
    // the row's inline action, as a person clicks it on hover
    await openDbAsJson(page, treeRow(page, SUB), 'Grace Hopper');
    await page.locator('.tabs-container .tab', { hasText: `${SUB}.json` }).waitFor({ state: 'visible', timeout: 15_000 });
    await retype(page, serialize(edited));
    sandbox.clearJournal();
    await saveAndWaitClean(page);
    // the PUT and the DELETE go together, in either order
    assert.deepEqual(writes(sandbox).sort((a, b) => a.route.localeCompare(b.route)), [
      { route: 'deleteDb', body: { keys: ['plan'] } },
      { route: 'putDb', body: { data: [{ key: 'country', value: 'spain' }, { key: 'score', value: 42 }] } },
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

  await ctx.step('a change on the server meanwhile is not overwritten until the user chooses, and then only that key', async () => {
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
      { route: 'putDb', body: { data: [{ key: 'name', value: 'Grace B. Hopper' }] } },
    ], 'Overwrite sends my version of the key in conflict, and nothing else');
    assert.deepEqual(sandbox.getDb(GATE, SUB), { ...theirs, name: 'Grace B. Hopper' }, "my name; the colleague's visits stays");
    // The editor then shows what the server holds.
    await page.locator('.view-lines', { hasText: '"visits": 4' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  });
}
