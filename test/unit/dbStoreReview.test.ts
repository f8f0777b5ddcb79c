// DbStore's review against the sandbox: the review takes human time, so what is sent (and what the history records
// as `before`) comes from a read made after the person chose Save. The server is changed while the reviewer's
// promise is pending, as a colleague would while the modal is open (issue: the review widened check → write).
import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { LogUpClient } from '../../src/api/logUpClient';
import type { Db } from '../../src/core/db';
import type { DbStore, Reviewer, SaveRequest, SaveReview, WriteRecord } from '../../src/db/dbStore';
import { ConflictError, SaveCancelledError } from '../../src/db/saveErrors';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { storeOn } from './support';

const idGate = DEMO_GATE.idGate;

/** A reviewer a test answers: each review waits until the test calls `answer`, as the modal waits for a person. */
class PendingReviewer implements Reviewer {
  readonly shown: SaveReview[] = [];
  private waiting: ((save: boolean) => void)[] = [];
  private arrivedListeners: (() => void)[] = [];

  applies(): boolean {
    return true;
  }

  review(review: SaveReview): Promise<boolean> {
    this.shown.push(review);
    for (const listener of this.arrivedListeners.splice(0)) listener();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Resolves once `count` reviews have been shown. */
  async shownCount(count: number): Promise<void> {
    while (this.shown.length < count) await new Promise<void>((resolve) => this.arrivedListeners.push(resolve));
  }

  answer(save: boolean): void {
    const next = this.waiting.shift();
    assert.ok(next, 'a review is waiting for an answer');
    next(save);
  }
}

describe('DbStore: the review is followed by a fresh read', () => {
  let sandbox: SandboxHandle;
  let client: LogUpClient;
  let store: DbStore;
  let reviewer: PendingReviewer;
  const records: WriteRecord[] = [];
  let n = 0;
  let ref = { idGate, idSubscription: 'sub_review' };

  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await client?.close();
    await sandbox.close();
  });
  beforeEach(async () => {
    await client?.close();
    client = new LogUpClient({ baseUrl: sandbox.url, idGate, secretKey: async () => DEMO_GATE.secretKey });
    reviewer = new PendingReviewer();
    records.length = 0;
    store = storeOn(client, { reviewer, records });
    ref = { idGate, idSubscription: `sub_review${++n}` };
  });

  /** Loads `db` as the editor would, then starts saving `edited` (the save waits in the review; wrapped, so awaiting this does not await it). */
  async function saveWhileReviewing(db: Db, edited: Db, extra: Partial<SaveRequest> = {}): Promise<{ save: Promise<unknown> }> {
    sandbox.setDb(idGate, ref.idSubscription, db);
    const base = (await store.read(ref)).db;
    const save = store.save(ref, { base, edited, origin: 'editor', ...extra });
    save.catch(() => undefined);
    await reviewer.shownCount(1);
    return { save };
  }

  const colleague = (db: Db): void => sandbox.setDb(idGate, ref.idSubscription, db);
  const writes = (): string[] => sandbox.journal.filter((e) => e.route !== 'getDb' && e.route !== 'token').map((e) => e.route);

  it('a key only the colleague changed while the modal was open stays theirs, and the history records it as before', async () => {
    const { save } = await saveWhileReviewing({ a: 1, b: 1 }, { a: 2, b: 1 });
    colleague({ a: 1, b: 5 });
    reviewer.answer(true);
    await save;
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 2, b: 5 });
    assert.equal(reviewer.shown.length, 1, 'the plan did not change: no second review');
    assert.deepEqual(records.map((r) => r.before), [{ a: 1, b: 5 }], 'before = the server after the choice, so an Undo puts back b: 5');
  });

  it('a key the person changed that the colleague changed while the modal was open is a conflict: nothing is written', async () => {
    const { save } = await saveWhileReviewing({ a: 1, b: 1 }, { a: 2, b: 1 });
    colleague({ a: 7, b: 1 });
    sandbox.clearJournal();
    reviewer.answer(true);
    const error = await save.then(() => assert.fail('the save should be refused'), (e: unknown) => e);
    assert.ok(error instanceof ConflictError, String(error));
    assert.deepEqual(error.keys, ['a']);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 7, b: 1 }, "the colleague's a: 7 is kept");
    assert.deepEqual(writes(), [], 'no write request');
    assert.deepEqual(records, [], 'nothing to record');
  });

  it('a key the person deleted that the colleague changed meanwhile is a conflict too', async () => {
    const { save } = await saveWhileReviewing({ a: 1, gone: 'x' }, { a: 1 });
    colleague({ a: 1, gone: 'kept' });
    reviewer.answer(true);
    await assert.rejects(save, ConflictError);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 1, gone: 'kept' });
  });

  it('a plan that changed while the modal was open is shown again with what changed; the second Save sends the new plan', async () => {
    const { save } = await saveWhileReviewing({ a: 1, b: 1, c: 1 }, { a: 2, b: 2, c: 1 });
    colleague({ a: 2, b: 1, c: 9 }); // a now already holds the person's value: the plan shrinks to b
    reviewer.answer(true);
    await reviewer.shownCount(2);
    const again = reviewer.shown[1]!;
    assert.deepEqual(again.plan.putEntries, [{ key: 'b', value: 2 }]);
    assert.deepEqual(again.previous?.plan.putEntries, [{ key: 'a', value: 2 }, { key: 'b', value: 2 }], 'the review knows what was shown before');
    assert.deepEqual(again.server, { a: 2, b: 1, c: 9 });
    sandbox.clearJournal();
    reviewer.answer(true);
    await save;
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 2, b: 2, c: 9 });
    assert.deepEqual(writes(), ['putDb']);
    assert.deepEqual(records.map((r) => [r.before, r.plan.putEntries]), [[{ a: 2, b: 1, c: 9 }, [{ key: 'b', value: 2 }]]]);
  });

  it('Cancel in a review shown again sends nothing', async () => {
    const { save } = await saveWhileReviewing({ a: 1, b: 1 }, { a: 2, b: 2 });
    colleague({ a: 2, b: 1 });
    reviewer.answer(true);
    await reviewer.shownCount(2);
    reviewer.answer(false);
    await assert.rejects(save, SaveCancelledError);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 2, b: 1 });
    assert.deepEqual(records, []);
  });

  it('an undo save carries the entry it undoes to the record', async () => {
    const { save } = await saveWhileReviewing({ a: 1 }, { a: 0 }, { origin: 'undo', undoOf: 'entry-7' });
    reviewer.answer(true);
    await save;
    assert.deepEqual(records.map((r) => [r.origin, r.undoOf]), [['undo', 'entry-7']]);
  });

  it('without a review (staging, development) a save reads once: no extra request', async () => {
    const unreviewed = storeOn(client, { records });
    sandbox.setDb(idGate, ref.idSubscription, { a: 1 });
    const base = (await unreviewed.read(ref)).db;
    sandbox.clearJournal();
    await unreviewed.save(ref, { base, edited: { a: 2 }, origin: 'editor' });
    assert.deepEqual(sandbox.journal.map((e) => e.route), ['getDb', 'putDb']);
  });

  describe('reviewed ahead of the save (Ctrl+S)', () => {
    async function approved(db: Db, edited: Db): Promise<Db> {
      sandbox.setDb(idGate, ref.idSubscription, db);
      const base = (await store.read(ref)).db;
      const verdict = store.reviewAhead(ref, { base, edited, origin: 'editor' });
      await reviewer.shownCount(1);
      reviewer.answer(true);
      assert.equal(await verdict, 'approved');
      return base;
    }

    it('the save that follows with the same plan on the same server sends without asking again', async () => {
      const base = await approved({ a: 1 }, { a: 2 });
      sandbox.clearJournal();
      await store.save(ref, { base, edited: { a: 2 }, origin: 'editor' });
      assert.equal(reviewer.shown.length, 1, 'asked once');
      assert.deepEqual(sandbox.journal.map((e) => e.route), ['getDb', 'putDb'], 'its own check, then the write');
    });

    it('a server changed between the approval and the save is a new review, never a silent write', async () => {
      const base = await approved({ a: 1, b: 1 }, { a: 2, b: 1 });
      colleague({ a: 1, b: 3 });
      const save = store.save(ref, { base, edited: { a: 2, b: 1 }, origin: 'editor' });
      await reviewer.shownCount(2);
      assert.deepEqual(reviewer.shown[1]?.server, { a: 1, b: 3 });
      assert.ok(reviewer.shown[1]?.previous, 'shown as a review again, with what was approved');
      reviewer.answer(true);
      await save;
      assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 2, b: 3 });
    });

    it('another text between the approval and the save is a new review', async () => {
      const base = await approved({ a: 1 }, { a: 2 });
      const save = store.save(ref, { base, edited: { a: 3 }, origin: 'editor' });
      await reviewer.shownCount(2);
      assert.deepEqual(reviewer.shown[1]?.plan.putEntries, [{ key: 'a', value: 3 }]);
      reviewer.answer(true);
      await save;
    });

    it('an approval is used once: the next save asks again', async () => {
      const base = await approved({ a: 1 }, { a: 2 });
      await store.save(ref, { base, edited: { a: 2 }, origin: 'editor' });
      const next = store.save(ref, { base: { a: 2 }, edited: { a: 3 }, origin: 'editor' });
      await reviewer.shownCount(2);
      reviewer.answer(true);
      await next;
    });

    it('Cancel ahead of the save sends nothing and keeps no approval', async () => {
      sandbox.setDb(idGate, ref.idSubscription, { a: 1 });
      const base = (await store.read(ref)).db;
      sandbox.clearJournal();
      const verdict = store.reviewAhead(ref, { base, edited: { a: 2 }, origin: 'editor' });
      await reviewer.shownCount(1);
      reviewer.answer(false);
      assert.equal(await verdict, 'cancelled');
      assert.deepEqual(sandbox.journal.map((e) => e.route), ['getDb'], 'one read, no write');
      const save = store.save(ref, { base, edited: { a: 2 }, origin: 'editor' });
      await reviewer.shownCount(2);
      reviewer.answer(false);
      await assert.rejects(save, SaveCancelledError);
    });

    it('nothing to review ahead when the save would be refused or send nothing: the save reports it as always', async () => {
      sandbox.setDb(idGate, ref.idSubscription, { a: 5 });
      assert.equal(await store.reviewAhead(ref, { base: { a: 1 }, edited: { a: 2 }, origin: 'editor' }), 'notReviewed', 'a conflict');
      assert.equal(await store.reviewAhead(ref, { base: { a: 5 }, edited: { a: 5 }, origin: 'editor' }), 'notReviewed', 'no change');
      assert.equal(reviewer.shown.length, 0);
    });
  });
});
