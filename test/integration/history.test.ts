// The write history and its undo, and the three-way merge's hard case, through the real save path: the editor (or a
// command) → the logup: file system / DbStore → LogUpClient → the sandbox, whose journal shows every call.
import * as assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { HISTORY_FILE, HISTORY_SCHEME } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import type { Db } from '../../src/core/db';
import { serializeDb } from '../../src/core/dbDocument';
import type { SubscriptionRef } from '../../src/db/subscriptionRef';
import type { ModalQuestion } from '../../src/dialogs/modal';
import type { UndoResult } from '../../src/commands/history';
import type { HistoryEntry } from '../../src/history/historyEntry';
import type { HistoryNode } from '../../src/history/historyView';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { answering, closeAllEditors, confirm, extensionCtx, openDbEditor, putThenDelete, removeAllGates, removeGate, replaceText, waitFor } from './helpers';
import { TRUST_TEST_SECRET } from './secrets';

const idGate = 'gate_history';
const LOGUP_TOKEN = 'lut_historySuite_5Hq8LmZ2rT';
/** The shape of a sandbox access token (96 base64url characters), as the harness's leak scan looks for it. */
const ACCESS_TOKEN = /(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_-]{96}(?![A-Za-z0-9_+/=-])/;

const BEFORE: Db = { name: 'Ada', age: 36, plan: 'pro' };
const EDITED: Db = { name: 'Ada', age: 37, score: 7 };

suite('Write history, undo and the merge', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  let n = 0;

  suiteSetup(async () => {
    sandbox = await startSandbox();
    sandbox.addGate(idGate, TRUST_TEST_SECRET);
    ctx = await extensionCtx();
    await removeAllGates(ctx);
    assert.ok(await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: TRUST_TEST_SECRET, baseUrl: sandbox.url, environment: 'sandbox' }));
    // A logupToken passes through the extension too, so the file check below means something.
    sandbox.setDb(idGate, 'sub_verified', { seen: true });
    sandbox.addLogupToken(idGate, LOGUP_TOKEN, { idSubscription: 'sub_verified', idActor: 'acr_verified' });
    await vscode.commands.executeCommand('logup.verifyToken', { input: LOGUP_TOKEN, idGate });
    await clearHistory();
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    if (ctx?.gates.get(idGate)) await removeGate(ctx, idGate);
    await sandbox?.close();
  });

  teardown(async () => {
    sandbox.clearFaults();
    await closeAllEditors();
  });

  /** A new subscription holding `db`. */
  function fresh(db: Db): SubscriptionRef {
    const ref = { idGate, idSubscription: `sub_hist${++n}` };
    sandbox.setDb(idGate, ref.idSubscription, db);
    return ref;
  }

  /** Opens the DB, types `edited` and saves it with Ctrl+S; resolves with the save's answer. */
  async function saveInEditor(ref: SubscriptionRef, edited: Db): Promise<{ editor: vscode.TextEditor; saved: boolean }> {
    const editor = await openDbEditor(ref);
    await replaceText(editor, serializeDb(edited));
    sandbox.clearJournal();
    return { editor, saved: await editor.document.save() };
  }

  /** The newest history entry of a subscription, once it is there. */
  function newestOf(ref: SubscriptionRef, count = 1): Promise<HistoryEntry> {
    return waitFor(`history entry #${count} of ${ref.idSubscription}`, () => {
      const entries = ctx.history.list().filter((e) => e.idSubscription === ref.idSubscription);
      return entries.length >= count ? entries[0] : undefined;
    });
  }

  function writes(): { route: string; body: unknown }[] {
    return putThenDelete(sandbox.journal.filter((e) => e.route === 'putDb' || e.route === 'deleteDb').map((e) => ({ route: e.route, body: e.body })));
  }

  async function viewNodes(node?: HistoryNode): Promise<HistoryNode[]> {
    return ctx.historyTree.getChildren(node);
  }

  /** Undo of `entry`; `button` answers the question Undo asks when keys changed since (undefined: Cancel). */
  async function undo(entry: HistoryEntry, button?: string, asked: ModalQuestion[] = []): Promise<UndoResult | undefined> {
    let result: UndoResult | undefined;
    asked.push(...await answering(ctx, (q) => (q.id === 'undoChangedKeys' ? button : undefined), async () => {
      result = await vscode.commands.executeCommand<UndoResult | undefined>('logup.undoWrite', { id: entry.id });
    }));
    return result;
  }

  async function clearHistory(): Promise<void> {
    let cleared: unknown;
    await answering(ctx, (q) => (q.id === 'clearHistory' ? confirm(q) : undefined), async () => {
      cleared = await vscode.commands.executeCommand('logup.clearHistory');
    });
    assert.equal(cleared, true, 'the history was cleared');
  }

  test('after a save, the History view lists the write with each key old → new, and opens it as a diff', async () => {
    const ref = fresh(BEFORE);
    assert.equal((await saveInEditor(ref, EDITED)).saved, true);
    const entry = await newestOf(ref);
    assert.equal(entry.origin, 'editor');
    assert.equal(entry.outcome, 'done');
    assert.equal(entry.idGate, idGate);

    await vscode.commands.executeCommand('logup.showHistory');
    await waitFor('the History view to show', () => (ctx.historyView.visible ? true : undefined));
    const group = (await viewNodes()).find((g) => g.kind === 'subscription' && g.group.idSubscription === ref.idSubscription);
    assert.ok(group, 'the subscription has its group');
    const [write] = await viewNodes(group);
    assert.ok(write?.kind === 'write');
    assert.equal(ctx.historyTree.getTreeItem(write).label, 'Set age, score; deleted plan');
    assert.equal(ctx.historyTree.getTreeItem(write).contextValue, 'historyWrite.undoable', 'Undo is offered');
    const changes = await viewNodes(write);
    assert.deepEqual(changes.map((c) => [ctx.historyTree.getTreeItem(c).label, ctx.historyTree.getTreeItem(c).description]), [
      ['age', '36 → 37'],
      ['plan', 'deleted (was "pro")'],
      ['score', 'added 7'],
    ]);

    await vscode.commands.executeCommand('logup.openWriteDiff', { id: entry.id });
    const input = await waitFor('the diff editor', () => {
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return tab instanceof vscode.TabInputTextDiff && tab.original.scheme === HISTORY_SCHEME ? tab : undefined;
    });
    assert.equal((await vscode.workspace.openTextDocument(input.original)).getText(), serializeDb({ age: 36, plan: 'pro' }));
    assert.equal((await vscode.workspace.openTextDocument(input.modified)).getText(), serializeDb({ age: 37, score: 7 }));
  });

  test('Undo restores the server\'s previous values with exactly the inverse calls, and is recorded itself', async () => {
    const ref = fresh(BEFORE);
    const { editor } = await saveInEditor(ref, EDITED);
    const entry = await newestOf(ref);
    sandbox.clearJournal();
    const result = await undo(entry);
    assert.deepEqual(result, { restored: ['age', 'plan', 'score'], skipped: [], alreadyBack: [] });
    assert.deepEqual(writes(), [
      { route: 'putDb', body: { data: [{ key: 'age', value: 36 }, { key: 'plan', value: 'pro' }] } },
      { route: 'deleteDb', body: { keys: ['score'] } },
    ]);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), BEFORE);
    await waitFor('the clean editor to show the restored DB', () => (editor.document.getText() === serializeDb(BEFORE) ? true : undefined));

    const undoEntry = await newestOf(ref, 2);
    assert.equal(undoEntry.origin, 'undo');
    assert.equal(undoEntry.undoOf, entry.id);
    const group = (await viewNodes()).find((g) => g.kind === 'subscription' && g.group.idSubscription === ref.idSubscription)!;
    const [undoNode, originalNode] = await viewNodes(group);
    assert.match(String(ctx.historyTree.getTreeItem(undoNode!).label), /^Undo: /);
    assert.match(String(ctx.historyTree.getTreeItem(originalNode!).description), /undone/);
    assert.equal(ctx.historyTree.getTreeItem(originalNode!).contextValue, 'historyWrite', 'an undone write offers no second undo');
  });

  test('Undo after someone else changed one of those keys asks first: Skip leaves it, Write Anyway overwrites it', async () => {
    const ref = fresh(BEFORE);
    await saveInEditor(ref, EDITED);
    const entry = await newestOf(ref);
    sandbox.patchDb(idGate, ref.idSubscription, { age: 40, other: 'someone' });
    const questions: ModalQuestion[] = [];

    sandbox.clearJournal();
    assert.equal(await undo(entry, undefined, questions), undefined, 'cancelled quietly');
    assert.deepEqual(writes(), [], 'cancelling the question writes nothing');
    assert.deepEqual(questions.map((q) => q.id), ['undoChangedKeys']);
    assert.match(questions[0]!.detail, /^"age": now 40, this write left 37$/m, 'the question shows the key, now vs what the write left');
    assert.match(questions[0]!.detail, /Skip It: undo only the other 2 keys\./);
    assert.deepEqual(questions[0]!.actions, ['Skip It', 'Write Anyway']);

    const skipped = await undo(entry, 'Skip It');
    assert.deepEqual(skipped, { restored: ['plan', 'score'], skipped: ['age'], alreadyBack: [] });
    assert.deepEqual(writes(), [
      { route: 'putDb', body: { data: [{ key: 'plan', value: 'pro' }] } },
      { route: 'deleteDb', body: { keys: ['score'] } },
    ]);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { name: 'Ada', age: 40, plan: 'pro', other: 'someone' }, 'their change is kept');

    sandbox.clearJournal();
    const overwritten = await undo(entry, 'Write Anyway');
    assert.deepEqual(overwritten, { restored: ['age'], skipped: [], alreadyBack: ['plan', 'score'] });
    assert.deepEqual(writes(), [{ route: 'putDb', body: { data: [{ key: 'age', value: 36 }] } }]);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { name: 'Ada', age: 36, plan: 'pro', other: 'someone' }, 'a key the write never touched stays');
  });

  test('a partial failure (the second call fails) is recorded as partial, and only what landed can be undone', async () => {
    const ref = fresh(BEFORE);
    sandbox.failNext('deleteDb', 1, { status: 400 });
    const { saved } = await saveInEditor(ref, EDITED);
    assert.equal(saved, false, 'the save reports the failure');
    const entry = await newestOf(ref);
    assert.equal(entry.outcome, 'partial');
    assert.deepEqual(entry.changes.map((c) => [c.key, c.state]), [['age', 'done'], ['plan', 'failed'], ['score', 'done']]);
    assert.match(entry.failure ?? '', /deleting 1 key failed/);
    const group = (await viewNodes()).find((g) => g.kind === 'subscription' && g.group.idSubscription === ref.idSubscription)!;
    const [write] = await viewNodes(group);
    assert.match(String(ctx.historyTree.getTreeItem(write!).label), /^Partly done: /);

    await closeAllEditors();
    sandbox.clearJournal();
    await undo(entry);
    assert.deepEqual(writes(), [
      { route: 'putDb', body: { data: [{ key: 'age', value: 36 }] } },
      { route: 'deleteDb', body: { keys: ['score'] } },
    ]);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), BEFORE);
  });

  test('a merged save is recorded as exactly the user\'s change', async () => {
    const ref = fresh(BEFORE);
    const editor = await openDbEditor(ref);
    sandbox.patchDb(idGate, ref.idSubscription, { addedElsewhere: 'theirs' });
    await replaceText(editor, serializeDb({ ...BEFORE, name: 'Mine' }));
    assert.equal(await editor.document.save(), true);
    const entry = await newestOf(ref);
    assert.deepEqual(entry.changes, [{ key: 'name', call: 'put', before: 'Ada', after: 'Mine', state: 'done' }]);
  });

  test('after a merged save, typing before the editor reloads: the next save keeps the key another person added', async () => {
    const ref = fresh({ name: 'Ada', age: 36 });
    const editor = await openDbEditor(ref);
    sandbox.patchDb(idGate, ref.idSubscription, { addedElsewhere: 'theirs' });
    await replaceText(editor, serializeDb({ name: 'Mine', age: 36 }));
    assert.equal(await editor.document.save(), true, 'merged: no prompt');
    // At once, before the merged DB reloads into the editor (or right after, if it was quicker): change one value in
    // place, as a person types, without touching the rest of the text.
    const text = editor.document.getText();
    const reloadedFirst = text.includes('addedElsewhere');
    const at = text.indexOf('"age": 36') + '"age": '.length;
    assert.ok(await editor.edit((b) => b.replace(new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + 2)), '37')));
    console.log(`    (the reload ${reloadedFirst ? 'landed before' : 'had not landed when'} the user typed)`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true);
    assert.deepEqual(writes(), [{ route: 'putDb', body: { data: [{ key: 'age', value: 37 }] } }], 'only the typed change, no DELETE');
    const both = { name: 'Mine', age: 37, addedElsewhere: 'theirs' };
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), both, 'the other person\'s key survives');
    await waitFor('the editor to show the merged DB', () => (editor.document.getText() === serializeDb(both) ? true : undefined));
    assert.ok(!editor.document.isDirty, 'clean');
  });

  test('the history file holds ids, keys, values and outcomes, never a secret or token', async () => {
    await ctx.history.flush();
    const file = join(ctx.context.globalStorageUri.fsPath, HISTORY_FILE);
    const text = await readFile(file, 'utf8');
    assert.ok(text.includes('"key":"score"') && text.includes(idGate), 'the file is the history (sanity)');
    assert.ok(!text.includes(TRUST_TEST_SECRET), 'no gate secret');
    assert.ok(!text.includes(LOGUP_TOKEN), 'no logupToken');
    assert.ok(!ACCESS_TOKEN.test(text), 'no access token');
    if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o600, 'readable by its owner only');
  });

  test('Clear empties the history and deletes the file; removing a gate removes its history', async () => {
    assert.ok(ctx.history.list().length > 0);
    await clearHistory();
    assert.deepEqual(ctx.history.list(), []);
    assert.deepEqual(await viewNodes(), [], 'the view shows its welcome text');
    const file = join(ctx.context.globalStorageUri.fsPath, HISTORY_FILE);
    await assert.rejects(stat(file), /ENOENT/);

    const ref = fresh({ a: 1 });
    await vscode.commands.executeCommand('logup.editValue', { ...ref, key: 'a' }, 2);
    await newestOf(ref);
    await removeGate(ctx, idGate);
    await waitFor('the gate\'s history to go', () => (ctx.history.list().some((e) => e.idGate === idGate) ? undefined : true));
    await ctx.history.flush();
    await assert.rejects(stat(file), /ENOENT/, 'nothing of it left on disk');
  });
});
