// DbStore against the sandbox, with a client whose answers can be held back: answers must be applied in the order
// the requests were sent, never in the order they arrive, and versions never go down. Then the write calls of a
// save: sent together where the key cap allows, and after any failure a message that says exactly what landed.
import * as l10n from '@vscode/l10n';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { LogUpCancelledError } from '../../src/api/errors';
import { LogUpClient } from '../../src/api/logUpClient';
import type { Db } from '../../src/core/db';
import type { DbStore, Observation, SaveResult, WriteRecord } from '../../src/db/dbStore';
import { ConflictError, InvalidDbError, SaveFailedError } from '../../src/db/saveErrors';
import type { SubscriptionRef } from '../../src/db/subscriptionRef';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { storeOn } from './support';

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
    store = storeOn(client);
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

/** Polls until `check` holds, or fails after `ms` (the sandbox journal fills as requests arrive). */
async function until(what: string, check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('DbStore: the write calls of a save', () => {
  let sandbox: SandboxHandle;
  let client: LogUpClient;
  let store: DbStore;
  let n = 0;
  let ref = { idGate, idSubscription: 'sub_w' };
  const records: WriteRecord[] = [];

  /** Change `age`, add `score`, delete `plan`: one PUT of 2 keys and one DELETE of 1, in either order. */
  const BASE: Db = { name: 'Ada', age: 36, plan: 'pro', vip: true };
  const EDITED: Db = { name: 'Ada', age: 37, vip: true, score: 7 };
  const AFTER_DELETE: Db = { name: 'Ada', age: 36, vip: true };
  const AFTER_PUT: Db = { name: 'Ada', age: 37, plan: 'pro', vip: true, score: 7 };
  /** 20 keys, 2 added and 2 deleted: the PUT first would briefly hold 22, so the DELETE must go first. */
  const FULL: Db = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i + 1).padStart(2, '0')}`, i + 1]));
  const FULL_EDITED: Db = (() => {
    const { k01: _a, k02: _b, ...rest } = FULL;
    return { ...rest, n1: 'one', n2: 'two' };
  })();

  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await client?.close();
    await sandbox.close();
  });
  beforeEach(async () => {
    await client?.close();
    sandbox.clearFaults();
    sandbox.setVariants({ deleteStatus: 204 });
    client = new LogUpClient({ baseUrl: sandbox.url, idGate, secretKey: async () => DEMO_GATE.secretKey });
    store = storeOn(client, { records });
    ref = { idGate, idSubscription: `sub_write${++n}` };
    records.length = 0;
  });

  /** Starts a save of `base` → `edited` on a subscription holding `db` (wrapped, so awaiting this does not await it). */
  async function saving(db: Db, edited: Db): Promise<{ save: Promise<SaveResult> }> {
    sandbox.setDb(idGate, ref.idSubscription, db);
    const base = (await store.read(ref)).db;
    sandbox.clearJournal();
    return { save: store.save(ref, { base, edited, origin: 'editor' }) };
  }

  async function failure(db: Db, edited: Db): Promise<SaveFailedError> {
    const { save } = await saving(db, edited);
    const error = await save.then(() => assert.fail('the save should fail'), (e: unknown) => e);
    assert.ok(error instanceof SaveFailedError, String(error));
    return error;
  }

  const writes = (): string[] => sandbox.journal.filter((e) => e.route === 'putDb' || e.route === 'deleteDb').map((e) => `${e.route} ${e.status}`);

  it('a PUT and a DELETE the key cap allows in any order are sent together: the DELETE does not wait for the PUT', async () => {
    const put = sandbox.hold('putDb', { phase: 'after' });
    const { save } = await saving(BASE, EDITED);
    await put.arrived; // applied, its answer held back
    await until('the DELETE to reach the server while the PUT is unanswered', () => sandbox.count('deleteDb') === 1);
    put.release();
    await save;
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), EDITED);
    assert.deepEqual(store.current(ref)?.db, EDITED);
    assert.deepEqual(records.map((r) => [r.outcome, r.calls]), [['done', { put: 'done', delete: 'done' }]]);
  });

  it('when the DELETE answers 200 with the DB, the store ends where the server is, whichever answer came last', async () => {
    sandbox.setVariants({ deleteStatus: 200 });
    for (const held of ['putDb', 'deleteDb'] as const) {
      const hold = sandbox.hold(held, { phase: 'after' });
      const { save } = await saving(BASE, EDITED);
      await hold.arrived;
      await until('the other call to be answered', () => sandbox.journal.some((e) => e.route !== held && e.route !== 'getDb' && e.status !== 0));
      hold.release();
      await save;
      assert.deepEqual(store.current(ref)?.db, EDITED, `${held} answered last`);
      ref = { idGate, idSubscription: `sub_write${++n}` };
    }
  });

  it('a key of the PUT changed elsewhere before the DELETE landed: the store shows the DELETE’s answer, never a mix', async () => {
    // Found by the model (test/model/): the PUT's answer less the deleted keys was a DB the server never held.
    sandbox.setVariants({ deleteStatus: 200 });
    const del = sandbox.hold('deleteDb', { phase: 'before' });
    const { save } = await saving({ b: 1 }, { a: 1 });
    await del.arrived;
    await until('the PUT to be answered', () => sandbox.journal.some((e) => e.route === 'putDb' && e.status === 200));
    sandbox.patchDb(idGate, ref.idSubscription, { a: null }); // someone deletes a meanwhile
    del.release();
    await save;
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), {});
    assert.deepEqual(store.current(ref)?.db, {}, 'the store holds what the server answered last');
  });

  it('at 20 keys the DELETE goes first and the PUT waits for its answer', async () => {
    const del = sandbox.hold('deleteDb', { phase: 'after' });
    const { save } = await saving(FULL, FULL_EDITED);
    await del.arrived;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sandbox.count('putDb'), 0, 'no PUT while the DELETE is unanswered');
    del.release();
    await save;
    assert.deepEqual(writes(), ['deleteDb 204', 'putDb 200']);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), FULL_EDITED);
  });

  it('at 20 keys a failed DELETE stops the PUT: nothing changed, and the record says the PUT was not sent', async () => {
    sandbox.failNext('deleteDb', 1, { status: 400 });
    const e = await failure(FULL, FULL_EDITED);
    assert.match(e.message, /^Saving failed: deleting 2 keys failed: DELETE \S+ failed: 400 .*\. Nothing was changed on the server\.$/);
    assert.deepEqual([e.landed, e.uncertain], [false, false]);
    assert.deepEqual(writes(), ['deleteDb 400']);
    assert.deepEqual(records.map((r) => [r.outcome, r.calls]), [['failed', { delete: 'failed', put: 'notSent' }]]);
  });

  it('a partly failed save is told in the display language, each sentence whole (pseudo-translated bundle)', async () => {
    // Every entry of the translators' bundle wrapped in ⟦ ⟧: an English word left outside them was not translatable.
    const source = JSON.parse(readFileSync(new URL('../../l10n/bundle.l10n.json', import.meta.url), 'utf8')) as Record<string, string | { message: string }>;
    l10n.config({ contents: Object.fromEntries(Object.entries(source).map(([key, v]) => [key, `⟦${typeof v === 'string' ? v : v.message}⟧`])) });
    try {
      sandbox.failNext('putDb', 1, { status: 500 });
      const e = await failure(BASE, EDITED);
      assert.match(e.message, /^⟦Saved ⟦the deletion of ⟦1 key⟧⟧, but ⟦adding or changing ⟦2 keys⟧⟧ failed: .*\.⟧ ⟦The server may or may not have applied it; save again to check and send what is left\.⟧$/);
    } finally {
      l10n.config({ contents: {} });
    }
  });

  it('the PUT fails (500) while the DELETE lands: the message names the deletion as saved and the PUT as unknown', async () => {
    sandbox.failNext('putDb', 1, { status: 500 });
    const e = await failure(BASE, EDITED);
    assert.match(e.message, /^Saved the deletion of 1 key, but adding or changing 2 keys failed: PUT \S+ failed: 500 .*\. The server may or may not have applied it; save again to check and send what is left\.$/);
    assert.deepEqual([e.landed, e.uncertain], [true, true]);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), AFTER_DELETE, 'the deletion only, as the message says');
    assert.deepEqual(store.current(ref)?.db, AFTER_DELETE, 'the store knows the deletion landed');
    assert.deepEqual(records.map((r) => [r.outcome, r.uncertain, r.calls, r.after]), [['partial', true, { put: 'uncertain', delete: 'done' }, AFTER_DELETE]]);
  });

  it('the PUT is refused (400) while the DELETE lands: "save again to send the rest", nothing uncertain', async () => {
    sandbox.failNext('putDb', 1, { status: 400 });
    const e = await failure(BASE, EDITED);
    assert.match(e.message, /^Saved the deletion of 1 key, but adding or changing 2 keys failed: PUT \S+ failed: 400 .*\. Save again to send the rest\.$/);
    assert.deepEqual([e.landed, e.uncertain], [true, false]);
    assert.deepEqual(records.map((r) => [r.outcome, r.calls]), [['partial', { put: 'failed', delete: 'done' }]]);
  });

  it('the DELETE fails while the PUT lands: the message names the PUT as saved', async () => {
    sandbox.failNext('deleteDb', 1, { status: 500 });
    const e = await failure(BASE, EDITED);
    assert.match(e.message, /^Saved 2 keys added or changed, but deleting 1 key failed: DELETE \S+ failed: 500 .*\. The server may or may not have applied it; save again to check and send what is left\.$/);
    assert.deepEqual([e.landed, e.uncertain], [true, true]);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), AFTER_PUT);
    assert.deepEqual(store.current(ref)?.db, AFTER_PUT);
    assert.deepEqual(records.map((r) => [r.outcome, r.calls]), [['partial', { put: 'done', delete: 'uncertain' }]]);
  });

  it('both fail, neither applied: both are named, and nothing changed', async () => {
    sandbox.failNext('putDb', 1, { status: 400 });
    sandbox.failNext('deleteDb', 1, { status: 400 });
    const e = await failure(BASE, EDITED);
    assert.match(e.message, /^Saving failed: adding or changing 2 keys failed: PUT \S+ failed: 400 [^,]*, and deleting 1 key failed: DELETE \S+ failed: 400 .*\. Nothing was changed on the server\.$/);
    assert.deepEqual([e.landed, e.uncertain], [false, false]);
    assert.ok(e.cause instanceof AggregateError && e.cause.errors.length === 2, 'both errors are kept');
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), BASE);
    assert.deepEqual(records.map((r) => [r.outcome, r.calls]), [['failed', { put: 'failed', delete: 'failed' }]]);
  });

  it('both fail, one may have been applied: the message says which one', async () => {
    sandbox.failNext('putDb', 1, { status: 400 });
    sandbox.failNext('deleteDb', 1, { status: 500 });
    const e = await failure(BASE, EDITED);
    assert.match(e.message, /^Saving failed: adding or changing 2 keys failed: .*400.*, and deleting 1 key failed: .*500.*\. Deleting 1 key may or may not have been applied; adding or changing 2 keys was not\. Save again to check and send what is left\.$/);
    assert.deepEqual([e.landed, e.uncertain], [false, true]);
    assert.deepEqual(records.map((r) => [r.outcome, r.uncertain, r.calls]), [['failed', true, { put: 'failed', delete: 'uncertain' }]]);
  });

  it('both fail in a way that may have been applied: "may or may not have applied them"', async () => {
    sandbox.failNext('putDb', 1, { status: 500 });
    sandbox.failNext('deleteDb', 1, { status: 500 });
    const e = await failure(BASE, EDITED);
    assert.match(e.message, /\. The server may or may not have applied them; save again to check and send what is left\.$/);
    assert.deepEqual([e.landed, e.uncertain], [false, true]);
  });
});

describe('DbStore: no wait the network does not impose', () => {
  let sandbox: SandboxHandle;
  let client: LogUpClient;
  let store: DbStore;
  let n = 0;
  const ref = (): SubscriptionRef => ({ idGate, idSubscription: `sub_wait${++n}` });
  /** TCP connections the sandbox accepted, seen on Node's diagnostics channel. */
  let connections = 0;
  const onSocket = (message: unknown): void => {
    if ((message as { socket: Socket }).socket.localPort === sandbox.port) connections++;
  };

  before(async () => {
    sandbox = await startSandbox({ tokenLifetimeSeconds: 1 });
    subscribe('net.server.socket', onSocket);
  });
  after(async () => {
    unsubscribe('net.server.socket', onSocket);
    // The sandbox first: it lets go of held requests, which the client's close would wait for.
    await sandbox.close();
    await client?.close();
  });
  beforeEach(async () => {
    await client?.close();
    client = new LogUpClient({ baseUrl: sandbox.url, idGate, secretKey: async () => DEMO_GATE.secretKey });
    store = storeOn(client);
  });

  const settles = async (promise: Promise<unknown>, ms: number): Promise<boolean> =>
    Promise.race([promise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

  it('a read in the second half of the token’s life goes with that token; the new one is fetched behind it', async () => {
    const a = ref();
    sandbox.setDb(idGate, a.idSubscription, { a: 1 });
    const t0 = Date.now();
    await store.read(a); // the first token, taken at about t0
    await new Promise((r) => setTimeout(r, t0 + 650 - Date.now()));
    const token = sandbox.hold('token', { phase: 'before' });
    sandbox.clearJournal();
    try {
      const read = store.read(a);
      assert.equal(await settles(read, 2000), true, 'the read did not wait for the token request');
      await until('the refresh to be sent all the same', () => sandbox.count('token') === 1);
      assert.deepEqual(sandbox.journal.map((e) => e.route).sort(), ['getDb', 'token']);
    } finally {
      token.release();
    }
    await until('the new token', () => sandbox.journal.some((e) => e.route === 'token' && e.status === 200));
  });

  it('a read after the token expired waits for the new token (an expired one cannot be used)', async () => {
    const a = ref();
    sandbox.setDb(idGate, a.idSubscription, { a: 1 });
    await store.read(a);
    await new Promise((r) => setTimeout(r, 1100));
    const token = sandbox.hold('token', { phase: 'before' });
    const read = store.read(a);
    try {
      await token.arrived;
      assert.equal(await settles(read, 200), false, 'no GET with an expired token');
    } finally {
      token.release();
    }
    await read;
  });

  it('a save’s write goes on the connection its check just used: one connection, no second handshake', async () => {
    const a = ref();
    sandbox.setDb(idGate, a.idSubscription, { a: 1 });
    const base = (await store.read(a)).db; // token and GET: one connection between them too
    assert.equal(connections > 0, true, 'the probe sees connections');
    await client.close(); // an empty pool, as after a pause longer than the keep-alive timeout
    client = new LogUpClient({ baseUrl: sandbox.url, idGate, secretKey: async () => DEMO_GATE.secretKey });
    store = storeOn(client);
    connections = 0;
    await store.save(a, { base, edited: { a: 2 }, origin: 'tree' }); // token, GET, PUT, one after the other
    assert.equal(connections, 1, 'each request reused the connection of the one before');
  });

  /** A new client: an empty pool (as after a pause longer than the keep-alive timeout) and no token yet. */
  const coldPool = async (): Promise<void> => {
    await client.close();
    client = new LogUpClient({ baseUrl: sandbox.url, idGate, secretKey: async () => DEMO_GATE.secretKey });
    store = storeOn(client);
  };

  for (const idle of [0, 1]) {
    it(`a save with a PUT and a DELETE, ${idle} idle connection(s): the second connection opens while the check GET is on its way`, async () => {
      const a = ref();
      sandbox.setDb(idGate, a.idSubscription, { a: 1, b: 2 });
      const base = (await store.read(a)).db;
      await coldPool();
      if (idle === 1) await client.checkCredentials(); // its connection stays in the pool, idle
      await new Promise((r) => setImmediate(r));
      connections = 0;
      sandbox.clearJournal();
      const get = sandbox.hold('getDb', { phase: 'before' });
      const saved = store.save(a, { base, edited: { a: 1, c: 3 }, origin: 'tree' });
      try {
        await get.arrived;
        // Over HTTPS the PUT and the DELETE would otherwise wait for a second TCP and TLS handshake after the GET.
        await until('a second connection beside the held GET', () => connections === 2 - idle);
      } finally {
        get.release();
      }
      await saved;
      assert.equal(connections, 2 - idle, 'the writes opened no connection of their own');
      const routes = ['deleteDb', 'getDb', 'putDb', ...(idle === 0 ? ['token'] : [])];
      assert.deepEqual(sandbox.journal.map((e) => e.route).sort(), routes, 'no request beside the save’s own');
      assert.deepEqual(sandbox.getDb(idGate, a.idSubscription), { a: 1, c: 3 });
      // Within the keep-alive both connections are idle: the next such save opens none.
      await new Promise((r) => setImmediate(r));
      connections = 0;
      await store.save(a, { base: { a: 1, c: 3 }, edited: { a: 1, d: 4 }, origin: 'tree' });
      assert.equal(connections, 0, 'two idle connections carried the next save');
    });
  }

  it('a save whose writes go one at a time (one call, or the DELETE first at the key cap) opens no second connection', async () => {
    const full = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    for (const [db, edited] of [[{ a: 1 }, { a: 2 }], [full, { ...Object.fromEntries(Object.entries(full).slice(1)), n: 1 }]] as const) {
      const a = ref();
      sandbox.setDb(idGate, a.idSubscription, db);
      const base = (await store.read(a)).db;
      await coldPool();
      connections = 0;
      await store.save(a, { base, edited, origin: 'tree' });
      assert.equal(connections, 1, `one connection for ${Object.keys(edited).length === 1 ? 'a PUT alone' : 'a DELETE then a PUT'}`);
    }
  });

  it('after a save that deletes keys, later requests still reuse the one connection', async () => {
    const a = ref();
    sandbox.setDb(idGate, a.idSubscription, { a: 1, b: 2 });
    await client.close();
    client = new LogUpClient({ baseUrl: sandbox.url, idGate, secretKey: async () => DEMO_GATE.secretKey });
    store = storeOn(client);
    connections = 0;
    const base = (await store.read(a)).db;
    // Each later action comes after the connection went back to the pool (a person is slower than one event-loop turn).
    await new Promise((r) => setImmediate(r));
    await store.save(a, { base, edited: { a: 1 }, origin: 'tree' }); // GET, DELETE
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setImmediate(r));
      await store.read(a);
    }
    assert.equal(connections, 1, 'the DELETE did not cost later requests a new connection');
  });
});
