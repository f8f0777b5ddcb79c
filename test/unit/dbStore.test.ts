// DbStore against the sandbox, with a client whose answers can be held back: answers must be applied in the order
// the requests were sent, never in the order they arrive, and versions never go down.
import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { LogUpCancelledError } from '../../src/api/errors';
import { LogUpClient } from '../../src/api/logUpClient';
import type { Db } from '../../src/core/db';
import { ConflictError, DbStore, InvalidDbError, SaveFailedError, type Observation } from '../../src/db/dbStore';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';

type Method = 'getDb' | 'putDb' | 'deleteDb';

/** A real client whose answers to the next call of a method can be held until released (the request goes out at once). */
class HeldClient {
  private readonly holds: Partial<Record<Method, { release: Promise<void>; arrived: () => void }[]>> = {};
  constructor(readonly client: LogUpClient) {}

  /** Holds the answer of the next call of `method`; resolves `arrived` when the server has answered it. */
  hold(method: Method): { arrived: Promise<void>; release: () => void } {
    let release!: () => void;
    let arrived!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const arrivedPromise = new Promise<void>((r) => (arrived = r));
    (this.holds[method] ??= []).push({ release: released, arrived });
    return { arrived: arrivedPromise, release };
  }

  asClient(): LogUpClient {
    const wrap = <T>(method: Method, signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> => {
      const hold = this.holds[method]?.shift();
      const answer = call();
      if (!hold) return answer;
      // Like undici: the caller's signal fires while the answer is on its way, and the call is cancelled at once.
      const cancelled = new Promise<never>((_, reject) =>
        signal?.addEventListener('abort', () => reject(new LogUpCancelledError(method, '/subscription/…/db')), { once: true }),
      );
      cancelled.catch(() => undefined);
      const released = Promise.race([hold.release, cancelled]);
      return answer.then(
        async (v) => (hold.arrived(), await released, v),
        async (e: unknown) => (hold.arrived(), await released, Promise.reject(e)),
      );
    };
    const c = this.client;
    return Object.assign(Object.create(c) as LogUpClient, {
      getDb: (...a: Parameters<LogUpClient['getDb']>) => wrap('getDb', a[2]?.signal, () => c.getDb(...a)),
      putDb: (...a: Parameters<LogUpClient['putDb']>) => wrap('putDb', a[2]?.signal, () => c.putDb(...a)),
      deleteDb: (...a: Parameters<LogUpClient['deleteDb']>) => wrap('deleteDb', a[2]?.signal, () => c.deleteDb(...a)),
    });
  }
}

const idGate = DEMO_GATE.idGate;
const quiet = { info: () => undefined, warn: () => undefined };

describe('DbStore: order, versions and the merge rule', () => {
  let sandbox: SandboxHandle;
  let held: HeldClient;
  let store: DbStore;
  let n = 0;
  let ref = { idGate, idSubscription: 'sub_x' };
  const versions: number[] = [];

  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await held?.client.close();
    await sandbox.close();
  });
  beforeEach(async () => {
    await held?.client.close();
    held = new HeldClient(new LogUpClient({ baseUrl: sandbox.url, idGate, secretKey: async () => DEMO_GATE.secretKey }));
    const client = held.asClient();
    store = new DbStore({ get: async () => client }, quiet);
    ref = { idGate, idSubscription: `sub_order${++n}` };
    versions.length = 0;
    store.onDidChange(() => versions.push(store.current(ref)?.mtime ?? 0));
  });

  function assertVersionsRise(): void {
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! > versions[i - 1]!, `version ${i} went up (${versions.join(', ')})`);
  }

  it('a tree delete made while an editor save is in flight runs after it: the store ends where the server is', async () => {
    sandbox.setDb(idGate, ref.idSubscription, { a: 1 });
    const base = (await store.read(ref)).db;
    const put = held.hold('putDb');
    const editorSave = store.save(ref, { base, edited: { a: 2, x: 1 }, origin: 'editor' });
    await put.arrived; // the server holds {a: 2, x: 1}; its answer is held back
    const shown: Db = { a: 2, x: 1 };
    const treeDelete = store.save(ref, { base: shown, edited: { a: 2 }, origin: 'editor' });
    put.release();
    await editorSave;
    await treeDelete;
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 2 });
    assert.deepEqual(store.current(ref)?.db, { a: 2 }, 'the store shows what the server holds');
    assertVersionsRise();
  });

  it('a GET sent before a save but answered after it is not recorded over the save', async () => {
    sandbox.setDb(idGate, ref.idSubscription, { a: 1 });
    const before = await store.read(ref);
    const get = held.hold('getDb');
    const staleRead = store.read(ref);
    await get.arrived; // answered {a: 1}, held back
    const saved = await store.save(ref, { base: before.db, edited: { a: 2 }, origin: 'editor' });
    get.release();
    const answer: Observation = await staleRead;
    assert.deepEqual(answer.db, { a: 2 }, 'the late read answers with the newer state');
    assert.deepEqual(store.current(ref)?.db, { a: 2 });
    assert.ok(store.current(ref)!.mtime >= saved.observation.mtime, 'the version did not go down');
    assertVersionsRise();
  });

  it('a read sent after our write landed shows a change made elsewhere meanwhile, so the next save cannot overwrite it', async () => {
    // Found by the model (test/model/): the PUT lands, someone else changes b, then a read is sent while the PUT's
    // answer is still on its way. Its answer is newer than the PUT's; taking the PUT's instead hid b = 2, and an
    // editor save checked with that read sent b = 3 over it without a conflict.
    sandbox.setDb(idGate, ref.idSubscription, { a: 1, b: 1 });
    const base = (await store.read(ref)).db;
    const put = held.hold('putDb');
    const treeSave = store.save(ref, { base, edited: { a: 1, b: 1, c: 1 }, origin: 'tree' });
    await put.arrived; // the server holds {a: 1, b: 1, c: 1}; the answer is on its way
    sandbox.patchDb(idGate, ref.idSubscription, { b: 2 });
    const get = held.hold('getDb');
    const preSaveRead = store.read(ref);
    await get.arrived; // answered {a: 1, b: 2, c: 1}
    get.release();
    put.release();
    await treeSave;
    const checked = await preSaveRead;
    assert.deepEqual(checked.db, { a: 1, b: 2, c: 1 }, 'the read shows what the server held when it was sent');
    await assert.rejects(
      store.save(ref, { base, edited: { a: 1, b: 3 }, server: checked, origin: 'editor' }),
      (e: unknown) => e instanceof ConflictError && e.keys.join() === 'b',
    );
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 1, b: 2, c: 1 }, 'b changed elsewhere is kept');
    assertVersionsRise();
  });

  it('a Cancel pressed after the DELETE reached the server never reports "nothing was changed"', async () => {
    // Found by the model (test/model/): the tree's progress was cancelled while the DELETE's answer was on its way.
    // The key was gone on the server, the message said "Nothing was changed on the server" and the tree still showed it.
    sandbox.setDb(idGate, ref.idSubscription, { c: 1, d: 1 });
    const base = (await store.read(ref)).db;
    const del = held.hold('deleteDb');
    const progress = new AbortController();
    const treeDelete = store.save(ref, { base, edited: { d: 1 }, origin: 'tree', signal: progress.signal });
    await del.arrived; // the server no longer holds c
    progress.abort();
    del.release();
    const outcome = await treeDelete.then((r) => r, (e: unknown) => e);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { d: 1 });
    const untrue = outcome instanceof SaveFailedError && !outcome.landed && !outcome.uncertain;
    assert.ok(!untrue, `the user was told "${(outcome as Error).message}" though c was deleted`);
    assert.deepEqual(store.current(ref)?.db, { d: 1 }, 'the store shows c deleted');
    assertVersionsRise();
  });

  it('a Cancel pressed before any write request left sends nothing', async () => {
    sandbox.setDb(idGate, ref.idSubscription, { c: 1 });
    const base = (await store.read(ref)).db;
    const get = held.hold('getDb');
    const progress = new AbortController();
    const treeDelete = store.save(ref, { base, edited: {}, origin: 'tree', signal: progress.signal });
    await get.arrived;
    progress.abort();
    get.release();
    await assert.rejects(treeDelete);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { c: 1 }, 'nothing was sent');
    assert.equal(sandbox.journal.filter((e) => e.idSubscription === ref.idSubscription && e.route === 'deleteDb').length, 0);
  });

  it('a change on the server to another key is merged: only the caller’s change is sent', async () => {
    sandbox.setDb(idGate, ref.idSubscription, { a: 1, b: 1 });
    const base = (await store.read(ref)).db;
    sandbox.setDb(idGate, ref.idSubscription, { a: 1, b: 2, c: 3 });
    sandbox.clearJournal();
    const result = await store.save(ref, { base, edited: { a: 5, b: 1 }, origin: 'editor' });
    assert.deepEqual(result.plan.putEntries, [{ key: 'a', value: 5 }]);
    assert.deepEqual(result.plan.deleteKeys, []);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 5, b: 2, c: 3 });
    assert.deepEqual(result.observation.db, { a: 5, b: 2, c: 3 });
  });

  it('the same key changed on both sides is a conflict, and nothing is written', async () => {
    sandbox.setDb(idGate, ref.idSubscription, { a: 1 });
    const base = (await store.read(ref)).db;
    sandbox.setDb(idGate, ref.idSubscription, { a: 2 });
    sandbox.clearJournal();
    await assert.rejects(store.save(ref, { base, edited: { a: 3 }, origin: 'editor' }), (e: unknown) => e instanceof ConflictError && e.keys.join() === 'a');
    assert.deepEqual(sandbox.journal.map((e) => e.route).filter((r) => r !== 'token'), ['getDb'], 'one check, no write');
  });

  it('a save that breaks a limit sends nothing at all', async () => {
    sandbox.setDb(idGate, ref.idSubscription, { a: 1 });
    const base = (await store.read(ref)).db;
    sandbox.clearJournal();
    await assert.rejects(store.save(ref, { base, edited: { a: 1, ['k'.repeat(33)]: 1 }, origin: 'editor' }), InvalidDbError);
    assert.equal(sandbox.journal.filter((e) => e.route !== 'token').length, 0);
  });
});
