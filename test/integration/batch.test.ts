// Apply Change to Subscriptions… in the editor: the tree's multi-selection, the dry-run summary, the one review,
// the run through the real save path to the sandbox, Cancel half-way and Resume Batch, and a file of ids.
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { BATCH_JOURNAL_FILE, BATCH_SCHEME } from '../../src/constants';
import type { BatchOutcome } from '../../src/commands/batch';
import type { Ctx } from '../../src/ctx';
import type { ModalQuestion } from '../../src/dialogs/modal';
import type { HistoryNode } from '../../src/history/historyView';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import type { TreeNode } from '../../src/views/treeNodes';
import { closeAllEditors, extensionCtx, removeAllGates, removeGate } from './helpers';
import { TRUST_TEST_SECRET } from './secrets';

const idGate = 'gate_batch';

suite('Batch change: Apply Change to Subscriptions…', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  let realModal: Ctx['modal']['ask'];
  let questions: ModalQuestion[];
  let writeReviews: number;
  let answer: string | undefined;
  let dir: string;

  suiteSetup(async () => {
    sandbox = await startSandbox();
    sandbox.addGate(idGate, TRUST_TEST_SECRET);
    ctx = await extensionCtx();
    await removeAllGates(ctx);
    assert.ok(await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: TRUST_TEST_SECRET, baseUrl: sandbox.url }));
    await vscode.commands.executeCommand('logup.setGateEnvironment', { idGate, environment: 'production' });
    realModal = ctx.modal.ask;
    dir = await mkdtemp(join(tmpdir(), 'logup-batch-it-'));
  });

  suiteTeardown(async () => {
    ctx.modal.ask = realModal;
    await vscode.workspace.getConfiguration('logup').update('batch.concurrency', undefined, vscode.ConfigurationTarget.Global);
    await closeAllEditors();
    if (ctx?.gates.get(idGate)) await removeGate(ctx, idGate);
    await sandbox?.close();
    await rm(dir, { recursive: true, force: true });
  });

  setup(() => {
    questions = [];
    writeReviews = 0;
    answer = 'Apply';
    ctx.modal.ask = async (q) => {
      // The per-write review must not be asked: the batch was reviewed once.
      if (q.id === 'review') {
        writeReviews++;
        return undefined;
      }
      questions.push(q);
      return answer;
    };
  });

  teardown(async () => {
    sandbox.clearFaults();
    await closeAllEditors();
  });

  const writes = (id: string): number => sandbox.journal.filter((e) => e.idSubscription === id && (e.route === 'putDb' || e.route === 'deleteDb') && e.status >= 200 && e.status < 300).length;

  test('multi-select three subscriptions, set plan: one dry-run summary, one review, all three hold it', async () => {
    const ids = ['sub_multi1', 'sub_multi2', 'sub_multi3'];
    ids.forEach((id, i) => sandbox.setDb(idGate, id, { plan: 'free', n: i }));
    for (const id of ids) await vscode.commands.executeCommand('logup.openSubscriptionById', { idGate, idSubscription: id });
    ctx.tree.flush();
    const nodes = ids.map((id) => ctx.tree.subscriptionNode({ idGate, idSubscription: id }) as TreeNode);
    assert.ok(nodes.every((n) => n !== undefined), 'the three are in the tree');
    sandbox.clearJournal();

    // The person picks "Set a Key…", types plan, then pro (the tree passes the clicked node and the selection).
    const picks = stub(vscode.window, 'showQuickPick', async (items: readonly vscode.QuickPickItem[]) => items[0]);
    const inputs = ['plan', 'pro'];
    const boxes = stub(vscode.window, 'showInputBox', async (options?: vscode.InputBoxOptions) => {
      const text = inputs.shift();
      assert.equal(options?.validateInput?.(text ?? ''), undefined);
      return text;
    });
    let outcome: BatchOutcome;
    try {
      outcome = (await vscode.commands.executeCommand<BatchOutcome>('logup.applyChange', nodes[1], nodes))!;
    } finally {
      picks.restore();
      boxes.restore();
    }
    assert.equal(outcome.kind, 'ran');
    assert.equal(questions.length, 1, 'one review for the batch');
    assert.equal(questions[0]!.message, 'Apply to PRODUCTION: change 3 of 3 subscriptions on gate_batch?');
    assert.match(questions[0]!.detail, /"plan": 3 subscriptions/);
    assert.equal(writeReviews, 0, 'no review per subscription');
    for (const [i, id] of ids.entries()) {
      assert.deepEqual(sandbox.getDb(idGate, id), { plan: 'pro', n: i });
      assert.equal(writes(id), 1);
    }
    // The dry run's summary and the result are read-only documents.
    const summaries = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === BATCH_SCHEME).map((d) => d.getText());
    assert.ok(summaries.some((t) => t.includes('Total: 3 subscriptions: 3 will change.') && t.includes('sub_multi1: "plan": "free" → "pro"')), summaries.join('\n---\n'));
    assert.ok(summaries.some((t) => t.includes('Total: 3 subscriptions: 3 changed.')));

    // The History view: one batch row with a child per subscription, and Undo This Batch on it (it is the last one).
    const batches = (await ctx.historyTree.getChildren()).filter((n) => n.kind === 'batch' && n.batch.id === outcome.journal.id);
    assert.equal(batches.length, 1, 'one batch node');
    const batch = batches[0]!;
    const item = ctx.historyTree.getTreeItem(batch);
    assert.equal(item.label, 'Batch change: 3 subscriptions');
    assert.equal(item.contextValue, 'historyBatch.undoable');
    const children = await ctx.historyTree.getChildren(batch);
    assert.deepEqual(children.map((c) => ctx.historyTree.getTreeItem(c).label), ids);
    assert.ok(!(await ctx.historyTree.getChildren()).some((n) => n.kind === 'subscription' && ids.includes(n.group.idSubscription)), 'no write listed twice');
  });

  test('nothing is written when the review is cancelled', async () => {
    sandbox.setDb(idGate, 'sub_keep', { plan: 'free' });
    answer = undefined;
    sandbox.clearJournal();
    const outcome = await vscode.commands.executeCommand<BatchOutcome>('logup.applyChange', { idGate, idSubscriptions: ['sub_keep'], change: { kind: 'edit', set: [{ key: 'plan', value: 'pro' }], delete: [] } });
    assert.equal(outcome?.kind, 'cancelled');
    assert.equal(questions.length, 1);
    assert.deepEqual(sandbox.getDb(idGate, 'sub_keep'), { plan: 'free' });
    assert.equal(writes('sub_keep'), 0);
  });

  test('a CSV file of ids, Cancel half-way, then Resume Batch finishes the rest with nothing written twice', async () => {
    await vscode.workspace.getConfiguration('logup').update('batch.concurrency', 1, vscode.ConfigurationTarget.Global);
    const ids = Array.from({ length: 6 }, (_, i) => `sub_file${i}`);
    ids.forEach((id) => sandbox.setDb(idGate, id, { tier: 'gold', trial: true }));
    const file = join(dir, 'ids.csv');
    await writeFile(file, `email,idSubscription\n${ids.map((id, i) => `u${i}@x.io,${id}`).join('\n')}\nagain@x.io,${ids[0]}\n`);
    sandbox.clearJournal();
    const controller = new AbortController();
    const held = sandbox.hold('putDb');
    const running = vscode.commands.executeCommand<BatchOutcome>('logup.applyChange', {
      idGate, file: vscode.Uri.file(file), change: { kind: 'rename', from: 'tier', to: 'level' }, signal: controller.signal,
    });
    await held.arrived; // the first subscription's write is on the server, its answer held
    controller.abort();
    held.release();
    const outcome = (await running)!;
    assert.equal(outcome.kind, 'ran');
    assert.ok(outcome.kind === 'ran' && outcome.cancelled);
    const states = outcome.journal.items.map((i) => i.state);
    assert.equal(states.length, 6, 'the duplicate id is counted once');
    const done = states.filter((s) => s === 'done').length;
    assert.ok(done >= 1 && done <= 2, `the write under way finished: ${states.join(',')}`);
    assert.equal(states.filter((s) => s === 'cancelled').length, 6 - done, 'nothing new started after Cancel');
    const journalFile = join(ctx.context.globalStorageUri.fsPath, BATCH_JOURNAL_FILE);
    const saved = JSON.parse(await readFile(journalFile, 'utf8')) as { items: { state: string }[] };
    assert.deepEqual(saved.items.map((i) => i.state), states, 'the journal in storage says where each one stands');

    questions = [];
    const resumed = await vscode.commands.executeCommand<BatchOutcome>('logup.resumeBatch');
    assert.equal(resumed?.kind, 'ran');
    assert.equal(questions.length, 1, 'the rest is reviewed once');
    for (const id of ids) {
      assert.deepEqual(sandbox.getDb(idGate, id), { level: 'gold', trial: true });
      assert.equal(writes(id), 2, `${id}: one PUT and one DELETE, once`);
    }
    const finished = JSON.parse(await readFile(journalFile, 'utf8')) as { items: { state: string }[] };
    assert.deepEqual(finished.items.map((i) => i.state), ids.map(() => 'done'), 'nothing left to resume');

    // Undo This Batch: someone changed one subscription's key since; asked once, Skip It leaves it as they made it
    // and undoes the rest (there: tier comes back beside their level), the others go back whole.
    sandbox.patchDb(idGate, ids[2]!, { level: 'platinum' });
    questions = [];
    const answers = new Map([['undoBatchChangedKeys', 'Skip It'], ['batchReview', 'Apply']]);
    ctx.modal.ask = async (q) => {
      questions.push(q);
      return answers.get(q.id);
    };
    const undone = await vscode.commands.executeCommand<BatchOutcome>('logup.undoBatch');
    assert.equal(undone?.kind, 'ran');
    assert.deepEqual(questions.map((q) => q.id), ['undoBatchChangedKeys', 'batchReview'], 'asked once for the batch, then reviewed once');
    assert.equal(questions[0]!.message, `1 key the batch wrote changed since, on ${ids[2]}.`);
    assert.match(questions[0]!.detail, new RegExp(`${ids[2]}: "level": "platinum" → \\(deleted\\)`));
    assert.match(questions[1]!.detail, /Undoes the batch change:/);
    assert.deepEqual(undone?.journal.items.map((i) => i.state), ['done', 'done', 'done', 'done', 'done', 'done']);
    for (const [i, id] of ids.entries()) {
      assert.deepEqual(sandbox.getDb(idGate, id), i === 2 ? { level: 'platinum', tier: 'gold', trial: true } : { tier: 'gold', trial: true });
    }
    const again = await vscode.commands.executeCommand<BatchOutcome>('logup.undoBatch');
    assert.equal(again, undefined, 'an undo is not undone again');
  });

  test('the History view shows every subscription of a batch; Undo This Batch asks once about keys changed since', async () => {
    const ids = ['sub_hist0', 'sub_hist1', 'sub_hist2', 'sub_hist3'];
    ids.forEach((id) => sandbox.setDb(idGate, id, { plan: 'free' }));
    sandbox.setDb(idGate, ids[3]!, { plan: 'pro' });
    // A colleague changes sub_hist2 while the review is open: the run skips it as a conflict.
    ctx.modal.ask = async (q) => {
      questions.push(q);
      if (q.id === 'batchReview') sandbox.patchDb(idGate, ids[2]!, { plan: 'team' });
      return q.id === 'batchReview' ? 'Apply' : undefined;
    };
    const outcome = (await vscode.commands.executeCommand<BatchOutcome>('logup.applyChange', { idGate, idSubscriptions: ids, change: { kind: 'edit', set: [{ key: 'plan', value: 'pro' }], delete: [] } }))!;
    assert.deepEqual(outcome.journal.items.map((i) => i.state), ['done', 'done', 'conflict', 'already']);

    const batchNode = async (id: string): Promise<HistoryNode> => {
      const found = (await ctx.historyTree.getChildren()).find((n) => n.kind === 'batch' && n.batch.id === id);
      return found ?? assert.fail(`no batch row ${id}`);
    };
    const childLabels = async (node: HistoryNode): Promise<string[]> => (await ctx.historyTree.getChildren(node)).map((c) => {
      const item = ctx.historyTree.getTreeItem(c);
      return `${String(item.label)}: ${String(item.description).replace(/^\d\d:\d\d:\d\d · /, '')}`;
    });
    await ctx.history.flush();
    const batch = await batchNode(outcome.journal.id);
    assert.match(String(ctx.historyTree.getTreeItem(batch).description), /2 changed, 1 already so, 1 conflict$/);
    const children = await childLabels(batch);
    assert.equal(children.length, 4, children.join('\n'));
    assert.match(children[2]!, /^sub_hist2: conflict · .*"plan"/, 'the conflict is listed with why, though nothing was written');
    assert.match(children[3]!, /^sub_hist3: already so/);

    // Someone changes sub_hist1's plan after the batch. Cancel at the question sends nothing; Skip It undoes the rest.
    sandbox.patchDb(idGate, ids[1]!, { plan: 'enterprise' });
    questions = [];
    sandbox.clearJournal();
    assert.equal((await vscode.commands.executeCommand<BatchOutcome>('logup.undoThisBatch', batch))?.kind, 'cancelled');
    assert.deepEqual(questions.map((q) => q.id), ['undoBatchChangedKeys']);
    assert.deepEqual(questions[0]!.actions, ['Skip It', 'Write Anyway', 'Show Summary']);
    assert.equal(sandbox.journal.filter((e) => e.route === 'putDb' || e.route === 'deleteDb').length, 0, 'Cancel wrote nothing');

    questions = [];
    ctx.modal.ask = async (q) => {
      questions.push(q);
      return q.id === 'undoBatchChangedKeys' ? 'Skip It' : q.id === 'batchReview' ? 'Apply' : undefined;
    };
    const undone = (await vscode.commands.executeCommand<BatchOutcome>('logup.undoThisBatch', await batchNode(outcome.journal.id)))!;
    assert.deepEqual(questions.map((q) => q.id), ['undoBatchChangedKeys', 'batchReview']);
    assert.deepEqual(undone.journal.items.map((i) => [i.idSubscription, i.state]), [[ids[0], 'done'], [ids[1], 'skipped']]);
    assert.deepEqual(ids.map((id) => sandbox.getDb(idGate, id)?.plan), ['free', 'enterprise', 'team', 'pro'], 'only what the batch changed and nobody touched since went back');
    // The undo's summary tab was rewritten by the choice (not a second tab beside a stale one), then the result.
    const undoDocs = vscode.workspace.textDocuments.filter((d) => d.uri.scheme === BATCH_SCHEME && d.uri.path.startsWith(`/${undone.journal.id}/`)).map((d) => d.getText());
    assert.equal(undoDocs.length, 2, undoDocs.join('\n---\n'));
    assert.match(undoDocs[0]!, /Undo of the last batch \(keys changed since are left as they are\)[\s\S]*## skipped \(changed since\) \(1\)\nsub_hist1: Left as it is: "plan" changed since the batch\./);
    assert.match(undoDocs[1]!, /Result/);

    await ctx.history.flush();
    const undoRow = await batchNode(undone.journal.id);
    assert.equal(ctx.historyTree.getTreeItem(undoRow).label, 'Undo of a batch change: 2 subscriptions');
    assert.match((await childLabels(undoRow))[1]!, /^sub_hist1: skipped \(changed since\) · Left as it is: "plan" changed since the batch\.$/);
    const original = await batchNode(outcome.journal.id);
    assert.match(String(ctx.historyTree.getTreeItem(original).description), / · undone on 1 of 2$/, 'sub_hist1 was skipped, so only one of its two writes is undone');
    assert.deepEqual((await childLabels(original)).filter((l) => l.endsWith(' · undone')).map((l) => l.split(':')[0]), ['sub_hist0']);
  });

  test('a new batch while one is unfinished asks: Cancel keeps it, Resume It finishes it, Discard starts the new one', async () => {
    await vscode.workspace.getConfiguration('logup').update('batch.concurrency', 1, vscode.ConfigurationTarget.Global);
    const ids = ['sub_left1', 'sub_left2', 'sub_left3'];
    ids.forEach((id) => sandbox.setDb(idGate, id, { plan: 'free' }));
    const controller = new AbortController();
    const held = sandbox.hold('putDb');
    const running = vscode.commands.executeCommand<BatchOutcome>('logup.applyChange', {
      idGate, idSubscriptions: ids, change: { kind: 'edit', set: [{ key: 'plan', value: 'pro' }], delete: [] }, signal: controller.signal,
    });
    await held.arrived;
    controller.abort();
    held.release();
    assert.ok(((await running)!.journal.items.some((i) => i.state === 'cancelled')), 'the first batch is left unfinished');
    const next = { idGate, idSubscriptions: ['sub_other'], change: { kind: 'edit', set: [{ key: 'plan', value: 'team' }], delete: [] } };
    sandbox.setDb(idGate, 'sub_other', { plan: 'free' });

    // Cancel: nothing read, nothing written, the unfinished batch still there to resume.
    questions = [];
    answer = undefined;
    sandbox.clearJournal();
    const cancelled = await vscode.commands.executeCommand<BatchOutcome>('logup.applyChange', next);
    assert.equal(cancelled?.kind, 'cancelled');
    assert.equal(questions.length, 1);
    assert.match(questions[0]!.message, /^A batch change on gate_batch is not finished: [12] of 3 subscriptions are not done\.$/);
    assert.deepEqual(questions[0]!.actions, ['Resume It', 'Discard It and Start the New One']);
    assert.equal(sandbox.journal.filter((e) => e.idSubscription === 'sub_other').length, 0, 'the new batch read and wrote nothing');

    // Discard It: the new batch runs; the old one's journal is gone, its first write stays.
    questions = [];
    const answers = ['Discard It and Start the New One', 'Apply'];
    ctx.modal.ask = async (q) => {
      questions.push(q);
      return answers.shift();
    };
    const discarded = await vscode.commands.executeCommand<BatchOutcome>('logup.applyChange', next);
    assert.equal(discarded?.kind, 'ran');
    assert.deepEqual(sandbox.getDb(idGate, 'sub_other'), { plan: 'team' });
    assert.equal(sandbox.getDb(idGate, ids[0]!)?.plan, 'pro', 'the old batch\'s write stays');
    assert.equal(sandbox.getDb(idGate, ids[2]!)?.plan, 'free', 'the old batch was not resumed');
    assert.equal(await vscode.commands.executeCommand('logup.resumeBatch'), undefined, 'nothing left to resume');

    // Resume It: leave a batch unfinished again, then a new batch resumes that one instead.
    answers.push('Apply');
    const again = sandbox.hold('putDb');
    const controller2 = new AbortController();
    const second = vscode.commands.executeCommand<BatchOutcome>('logup.applyChange', {
      idGate, idSubscriptions: ids, change: { kind: 'edit', set: [{ key: 'plan', value: 'max' }], delete: [] }, signal: controller2.signal,
    });
    await again.arrived;
    controller2.abort();
    again.release();
    assert.ok((await second)!.journal.items.some((i) => i.state === 'cancelled'), 'unfinished again');
    questions = [];
    answers.splice(0, answers.length, 'Resume It', 'Apply');
    const resumed = await vscode.commands.executeCommand<BatchOutcome>('logup.applyChange', { ...next, change: { kind: 'edit', set: [{ key: 'plan', value: 'nope' }], delete: [] } });
    assert.equal(resumed?.kind, 'ran');
    assert.equal(questions.length, 2, 'the question, then the review of the rest');
    assert.deepEqual(ids.map((id) => sandbox.getDb(idGate, id)?.plan), ['max', 'max', 'max']);
    assert.deepEqual(sandbox.getDb(idGate, 'sub_other'), { plan: 'team' }, 'the new batch did not run');
  });

  test('a file with a bad id is refused before anything is read', async () => {
    const file = join(dir, 'bad.txt');
    await writeFile(file, 'sub_ok\n../../etc\n');
    sandbox.clearJournal();
    ctx.lastError = undefined;
    await vscode.commands.executeCommand('logup.applyChange', { idGate, file: vscode.Uri.file(file), change: { kind: 'edit', set: [], delete: ['x'] } });
    assert.match(ctx.lastError ?? '', /line 2: "\.\.\/\.\.\/etc"/);
    assert.equal(sandbox.journal.filter((e) => e.route === 'getDb').length, 0);
  });
});

/** Replaces a function of `target` until `restore()`. */
function stub<T extends object, K extends keyof T>(target: T, key: K, replacement: unknown): { restore(): void } {
  const original = target[key];
  (target as Record<K, unknown>)[key] = replacement;
  return { restore: () => void ((target as Record<K, unknown>)[key] = original) };
}
