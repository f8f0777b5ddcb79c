// A batch change interrupted by a window reload, then finished by "LogUp: Resume Batch", driven as a person would:
// the palette's Apply Change to Subscriptions…, a file of ids chosen in VS Code's own open dialog, Set a Key…, and
// the run reloaded while one subscription's write has landed on the server but its answer has not come back. After
// the reload the journal in the extension's storage says what is left; Resume Batch sends nothing to the one whose
// write had landed (it holds the value already) and finishes the rest: every subscription written exactly once.
// Against the packaged extension in code-server and the in-process sandbox (its demo gate, a sandbox environment:
// no review, docs/api.md).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { answer, clearNotifications, logupContainer, pick, viewRow } from './workbenchUi.mjs';

const GATE = 'gate_sandboxDemo';
const SUBS = Array.from({ length: 6 }, (_, i) => `sub_resume${i}`);

export async function run(ctx) {
  const { page, sandbox } = ctx;
  SUBS.forEach((id, i) => sandbox.setDb(GATE, id, { plan: 'free', n: i }));
  const file = join(ctx.workspaceDir, 'customers.csv');
  writeFileSync(file, `email,idSubscription\n${SUBS.map((id, i) => `u${i}@example.com,${id}`).join('\n')}\n`);
  const puts = (id) => sandbox.journal.filter((e) => e.route === 'putDb' && e.idSubscription === id).length;
  // The first PUT is applied on the server and its answer held: the write has landed, the extension does not know.
  const held = sandbox.hold('putDb', { phase: 'after' });

  await ctx.step('Apply Change to Subscriptions… from the palette, the ids from a CSV file in the open dialog', async () => {
    await logupContainer(page).waitFor({ state: 'visible', timeout: 60_000 });
    await logupContainer(page).click();
    await viewRow(page, 'Subscriptions', GATE).waitFor({ state: 'visible', timeout: 30_000 });
    await ctx.runCommand('LogUp: Apply Change to Subscriptions…');
    await pick(page, 'Which subscriptions?', 'From a File…');
    // VS Code's own open dialog (in the browser, a quick input listing the workspace folder): click the file.
    await page.locator('.quick-input-widget', { hasText: 'A file of subscription ids' }).waitFor({ state: 'visible', timeout: 15_000 });
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'customers.csv' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
    // A click selects the file into the path box; Enter (OK) accepts it, if the dialog is still open.
    if (await page.locator('.quick-input-widget', { hasText: 'A file of subscription ids' }).isVisible().catch(() => false)) await page.keyboard.press('Enter');
    await pick(page, `Change ${SUBS.length} subscriptions`, 'Set a Key…');
    await answer(page, 'Set which key?', 'plan');
    await answer(page, 'Value of plan', 'pro');
  });

  await ctx.step('the run starts; one write lands but its answer is held, and the window reloads', async () => {
    await held.arrived;
    // The other workers finish their subscriptions meanwhile.
    const deadline = Date.now() + 30_000;
    while (SUBS.filter((id) => puts(id) === 1).length < SUBS.length && Date.now() < deadline) await page.waitForTimeout(200);
    assert.equal(SUBS.filter((id) => puts(id) === 1).length, SUBS.length, 'every subscription has had its PUT');
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await ctx.runCommand('Developer: Reload Window');
    await reloaded;
    // The new extension host has activated once the LogUp view shows the gate again; only then does the held answer
    // go out, to the old host's connection, which is gone.
    await viewRow(page, 'Subscriptions', GATE).waitFor({ state: 'visible', timeout: 60_000 });
    held.release();
  });

  await ctx.step('LogUp: Resume Batch finishes it: nothing is written twice, every subscription holds the value', async () => {
    await clearNotifications(ctx);
    sandbox.clearJournal();
    await ctx.runCommand('LogUp: Resume Batch', { timeoutMs: 30_000 });
    await page.locator('.view-lines', { hasText: 'Interrupted batch' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await ctx.waitForNotification(`Batch change on ${GATE}: ${SUBS.length} changed`, { timeoutMs: 30_000 });
    for (const [i, id] of SUBS.entries()) assert.deepEqual(sandbox.getDb(GATE, id), { plan: 'pro', n: i });
    assert.deepEqual(SUBS.map(puts), SUBS.map(() => 0), 'the resumed run wrote nothing: every one held the value already');
    assert.ok(sandbox.journal.some((e) => e.route === 'getDb'), 'it read each left subscription first');
    // The History view lists all six under the batch, the one written before the reload too (its write was never
    // recorded: the old window did not live to hear the answer).
    await viewRow(page, 'History', `Batch change: ${SUBS.length} subscriptions`).waitFor({ state: 'visible', timeout: 15_000 });
    for (const id of SUBS) await viewRow(page, 'History', id).waitFor({ state: 'visible', timeout: 15_000 });
  });
  await ctx.screenshot('batch-resumed');
}
