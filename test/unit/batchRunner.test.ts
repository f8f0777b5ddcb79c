// The batch runner against the sandbox, through a real DbStore: the dry run writes nothing; the run writes each
// subscription once through the save path, skips as a conflict a key changed since the dry run, waits out 429s,
// stops starting work at Cancel and resumes from its journal without writing anything twice.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { LogUpClient } from '../../src/api/logUpClient';
import type { BatchChange } from '../../src/core/batchChange';
import type { Db } from '../../src/core/db';
import { BatchJournalFile, changedSinceCount, isResumable, parseJournal, serializeJournal, settleUndo, undoJournal, type BatchJournal } from '../../src/db/batchJournal';
import { checkUndo, dryRunBatch, runBatch, type BatchOptions } from '../../src/db/batchRunner';
import { DbStore, NO_REVIEW, type WriteRecord } from '../../src/db/dbStore';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { fastSleep, sandboxClient } from './support';

const idGate = DEMO_GATE.idGate;
const quiet = { info: () => undefined, warn: () => undefined };
const setPlan: BatchChange = { kind: 'edit', set: [{ key: 'plan', value: 'pro' }], delete: ['trial'] };
const options: BatchOptions = { concurrency: 3, sleep: fastSleep };

describe('batch runner', () => {
  let sandbox: SandboxHandle;
  let client: LogUpClient;
  let store: DbStore;
  let n = 0;
  let ids: string[];
  let recorded: WriteRecord[];

  before(async () => {
    sandbox = await startSandbox();
    client = sandboxClient(sandbox);
  });
  after(async () => {
    await client.close();
    await sandbox.close();
  });
  beforeEach(() => {
    store = new DbStore({ clients: { get: async () => client }, reviewer: NO_REVIEW, history: { record: (r) => void recorded.push(r) }, log: quiet });
    recorded = [];
    n++;
    ids = [0, 1, 2, 3, 4].map((i) => `sub_b${n}_${i}`);
    ids.forEach((id, i) => sandbox.setDb(idGate, id, { plan: 'free', trial: true, n: i }));
    sandbox.clearJournal();
  });

  const writes = (id: string): number => sandbox.journal.filter((e) => e.idSubscription === id && (e.route === 'putDb' || e.route === 'deleteDb') && e.status >= 200 && e.status < 300).length;
  const server = (id: string): Db | undefined => sandbox.getDb(idGate, id);

  it('the dry run reads each subscription, plans it, and writes nothing', async () => {
    sandbox.setDb(idGate, ids[1]!, { plan: 'pro' });
    sandbox.setDb(idGate, ids[2]!, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])));
    const journal = await dryRunBatch(store, idGate, [...ids, 'sub_missing'], setPlan, options);
    assert.deepEqual(journal.items.map((i) => i.state), ['change', 'already', 'refused', 'change', 'change', 'notFound']);
    assert.deepEqual(journal.items[0]!.changes, [
      { key: 'plan', kind: 'changed', before: 'free', after: 'pro' },
      { key: 'trial', kind: 'deleted', before: true },
    ]);
    assert.match(journal.items[2]!.detail ?? '', /would hold 21 keys; LogUp allows at most 20/);
    assert.equal(sandbox.count('putDb') + sandbox.count('deleteDb'), 0, 'nothing written');
    assert.equal(sandbox.count('getDb'), 6);
  });

  it('the run writes each planned subscription once; a key changed since the dry run is a conflict and keeps its value', async () => {
    const journal = await dryRunBatch(store, idGate, ids, setPlan, options);
    sandbox.patchDb(idGate, ids[0]!, { plan: 'team' }); // someone else, on a key of the plan
    sandbox.patchDb(idGate, ids[1]!, { n: 99, other: 'x' }); // someone else, on other keys
    sandbox.patchDb(idGate, ids[2]!, { plan: 'pro', trial: null }); // someone else made it so already
    const persisted: string[] = [];
    await runBatch(store, journal, { ...options, persist: async (j) => void persisted.push(serializeJournal(j)) });
    assert.deepEqual(journal.items.map((i) => i.state), ['conflict', 'done', 'already', 'done', 'done']);
    assert.deepEqual(server(ids[0]!), { plan: 'team', trial: true, n: 0 }, 'the conflict wrote nothing');
    assert.deepEqual(server(ids[1]!), { n: 99, other: 'x', plan: 'pro' }, 'their keys kept, ours applied');
    assert.deepEqual(ids.map(writes), [0, 2, 0, 2, 2], 'one PUT and one DELETE where needed, nothing twice');
    assert.match(journal.items[0]!.detail ?? '', /"plan" changed on the server/);
    assert.equal(isResumable(journal), false);
    assert.deepEqual(parseJournal(persisted.at(-1)!), journal, 'the last journal written is the final one');
    assert.deepEqual(recorded.map((r) => [r.ref.idSubscription, r.batchId]).sort(), [ids[1], ids[3], ids[4]].map((id) => [id, journal.id]), 'each write carries its batch id to the history');
  });

  it('429 answers past the client\'s retries are waited out, and nothing is written twice', async () => {
    const journal = await dryRunBatch(store, idGate, ids, setPlan, options);
    sandbox.failNext('putDb', 8, { status: 429, headers: { 'retry-after': '0' } });
    sandbox.failNext('getDb', 4, { status: 503 });
    await runBatch(store, journal, options);
    assert.deepEqual(journal.items.map((i) => i.state), ['done', 'done', 'done', 'done', 'done']);
    for (const id of ids) assert.deepEqual(server(id), { plan: 'pro', n: Number(id.at(-1)) });
    assert.deepEqual(ids.map(writes), [2, 2, 2, 2, 2]);
  });

  it('a 429 that outlasts every retry fails that subscription alone, saying so', async () => {
    const journal = await dryRunBatch(store, idGate, ids.slice(0, 1), { kind: 'edit', set: [{ key: 'plan', value: 'pro' }], delete: [] }, options);
    sandbox.failNext('putDb', 100, { status: 429 });
    await runBatch(store, journal, { ...options, busyRetries: 2 });
    sandbox.clearFaults();
    assert.equal(journal.items[0]!.state, 'failed');
    assert.match(journal.items[0]!.detail ?? '', /429/);
    assert.deepEqual(server(ids[0]!), { plan: 'free', trial: true, n: 0 });
    assert.equal(sandbox.count('putDb'), 3 * 3, 'three tries of the batch, each with the client\'s two retries');
    assert.equal(isResumable(journal), false);
  });

  it('Cancel starts nothing new, lets the saves under way finish, and Resume does the rest once', async () => {
    const journal = await dryRunBatch(store, idGate, ids, setPlan, options);
    const controller = new AbortController();
    const hold = sandbox.hold('putDb');
    const run = runBatch(store, journal, { ...options, concurrency: 2, signal: controller.signal });
    await hold.arrived; // the first PUT is applied on the server, its answer held
    controller.abort();
    hold.release();
    await run;
    const states = journal.items.map((i) => i.state);
    assert.equal(states.filter((s) => s === 'done').length, 2, `the two under way finished: ${states.join(',')}`);
    assert.equal(states.filter((s) => s === 'cancelled').length, 3);
    assert.ok(isResumable(journal));
    // A reload: a new store, the journal as read back from its file.
    const dir = await mkdtemp(join(tmpdir(), 'logup-batch-'));
    try {
      const file = new BatchJournalFile(join(dir, 'batch.json'));
      await file.write(journal);
      const reloaded = (await file.read()) as BatchJournal;
      await runBatch(new DbStore({ clients: { get: async () => client }, reviewer: NO_REVIEW, history: { record: () => undefined }, log: quiet }), reloaded, options);
      assert.deepEqual(reloaded.items.map((i) => i.state), ['done', 'done', 'done', 'done', 'done']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.deepEqual(ids.map(writes), [2, 2, 2, 2, 2], 'each subscription written once');
  });

  it('a subscription written just before a crash counts as done on resume, with nothing sent again', async () => {
    const journal = await dryRunBatch(store, idGate, ids.slice(0, 2), setPlan, options);
    const snapshots: string[] = [];
    // The journal is saved when each save starts; the crash comes after both writes, before their outcome was saved.
    await runBatch(store, journal, { ...options, persist: async (j) => void snapshots.push(serializeJournal(j)) });
    const crashed = snapshots.map((s) => parseJournal(s)!).filter((j) => j.items.every((i) => i.started && i.state === 'change')).at(-1);
    assert.ok(crashed, 'a journal was saved with both saves started and neither decided');
    assert.equal(crashed.items[0]!.started, true);
    await runBatch(new DbStore({ clients: { get: async () => client }, reviewer: NO_REVIEW, history: { record: () => undefined }, log: quiet }), crashed, options);
    assert.deepEqual(crashed.items.map((i) => i.state), ['done', 'done']);
    assert.match(crashed.items[0]!.detail ?? '', /already held these values/);
    assert.deepEqual(ids.slice(0, 2).map(writes), [2, 2]);
  });

  it('a rename keeps the value; one that already has the new key is a conflict, untouched', async () => {
    sandbox.setDb(idGate, ids[0]!, { tier: 'gold' });
    sandbox.setDb(idGate, ids[1]!, { tier: 'gold', level: 'x' });
    const journal = await dryRunBatch(store, idGate, ids.slice(0, 2), { kind: 'rename', from: 'tier', to: 'level' }, options);
    await runBatch(store, journal, options);
    assert.deepEqual(journal.items.map((i) => i.state), ['done', 'conflict']);
    assert.deepEqual(server(ids[0]!), { level: 'gold' });
    assert.deepEqual(server(ids[1]!), { tier: 'gold', level: 'x' });
  });

  it('Undo This Batch puts back what the batch changed; a key someone changed since is a conflict and keeps their value', async () => {
    const journal = await dryRunBatch(store, idGate, ids.slice(0, 3), setPlan, options);
    await runBatch(store, journal, options);
    sandbox.patchDb(idGate, ids[1]!, { plan: 'team' }); // someone changed a key of the batch since
    sandbox.patchDb(idGate, ids[2]!, { n: 42 }); // someone changed another key
    const undo = undoJournal(journal, 'undo-1', 0);
    assert.equal(parseJournal(serializeJournal(undo))?.undoOf, journal.id);
    await runBatch(store, undo, options);
    assert.deepEqual(undo.items.map((i) => i.state), ['done', 'conflict', 'done']);
    assert.deepEqual(server(ids[0]!), { plan: 'free', n: 0, trial: true });
    assert.deepEqual(server(ids[1]!), { plan: 'team', n: 1 }, 'their change stays, and nothing else of the undo is written there');
    assert.deepEqual(server(ids[2]!), { plan: 'free', n: 42, trial: true });
    assert.match(undo.items[1]!.detail ?? '', /"plan" changed on the server/);
  });

  describe('the undo\'s check and its one choice for the batch', () => {
    // After the batch (plan free → pro, trial deleted): sub 0 untouched since; sub 1 someone set plan team; sub 2
    // someone set plan team and trial false (every key changed); sub 3 someone put both back as before.
    async function undoAfterChanges(): Promise<BatchJournal> {
      const journal = await dryRunBatch(store, idGate, ids.slice(0, 4), setPlan, options);
      await runBatch(store, journal, options);
      sandbox.patchDb(idGate, ids[1]!, { plan: 'team' });
      sandbox.patchDb(idGate, ids[2]!, { plan: 'team', trial: false });
      sandbox.patchDb(idGate, ids[3]!, { plan: 'free', trial: true });
      sandbox.clearJournal();
      const undo = await checkUndo(store, undoJournal(journal, 'undo-2', 0), options);
      assert.equal(sandbox.journal.filter((e) => e.route !== 'getDb' && e.route !== 'token').length, 0, 'the check only reads');
      return undo;
    }

    it('lists the keys changed since, once for the batch, with what each holds now and what undoing writes', async () => {
      const undo = await undoAfterChanges();
      assert.deepEqual(undo.items.map((i) => i.state), ['change', 'change', 'change', 'already']);
      assert.deepEqual(changedSinceCount(undo), { keys: 3, subscriptions: 2 });
      assert.deepEqual(undo.items[1]!.changedSince, [{ key: 'plan', kind: 'changed', before: 'team', after: 'free' }]);
      assert.deepEqual(undo.items[1]!.changes, [{ key: 'trial', kind: 'added', after: true }], 'only the key still as the batch left it is planned');
      assert.match(undo.items[1]!.detail ?? '', /Changed since the batch: "plan" now "team"/);
      assert.deepEqual(undo.items[2]!.changes, []);
    });

    it('Skip Them: undoes the other keys, leaves theirs, and a subscription with nothing else is skipped with nothing sent', async () => {
      const undo = await undoAfterChanges();
      settleUndo(undo, 'skip');
      assert.equal(changedSinceCount(undo).keys, 0);
      await runBatch(store, undo, options);
      assert.deepEqual(undo.items.map((i) => i.state), ['done', 'done', 'skipped', 'already']);
      assert.deepEqual(server(ids[0]!), { plan: 'free', n: 0, trial: true });
      assert.deepEqual(server(ids[1]!), { plan: 'team', n: 1, trial: true }, 'their plan stays; trial is back');
      assert.deepEqual(server(ids[2]!), { plan: 'team', n: 2, trial: false });
      assert.equal(writes(ids[2]!) + writes(ids[3]!), 0, 'nothing sent to the skipped one nor to the one already back');
      assert.match(undo.items[1]!.detail ?? '', /Left as it is: "plan" changed since the batch/, 'the report says what was left');
      assert.match(undo.items[2]!.detail ?? '', /Left as it is: "plan", "trial" changed since the batch/);
    });

    it('Write Anyway: puts back the values from before the batch over the newer ones, and says so', async () => {
      const undo = await undoAfterChanges();
      settleUndo(undo, 'overwrite');
      await runBatch(store, undo, options);
      assert.deepEqual(undo.items.map((i) => i.state), ['done', 'done', 'done', 'already']);
      for (const i of [0, 1, 2]) assert.deepEqual(server(ids[i]!), { plan: 'free', n: i, trial: true });
      assert.match(undo.items[2]!.detail ?? '', /Written anyway over a change made since the batch: "plan", "trial"/);
    });

    it('a key that changes again between the check and the write is a conflict, never overwritten, whichever the choice', async () => {
      const undo = await undoAfterChanges();
      settleUndo(undo, 'overwrite');
      sandbox.patchDb(idGate, ids[1]!, { plan: 'enterprise' });
      await runBatch(store, undo, options);
      assert.equal(undo.items[1]!.state, 'conflict');
      assert.deepEqual(server(ids[1]!), { plan: 'enterprise', n: 1 });
    });
  });
});
