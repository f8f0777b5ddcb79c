import { isCancellation, isNotFound, userMessage } from '../api/failures';
import { sameAt, type Db } from '../core/db';
import * as l10n from '@vscode/l10n';
import type { Log } from '../core/log';
import { mergeSave } from '../core/merge';
import { dbEquals, describePlan, isEmptyPlan, planProblems, planSave, samePlan, type SavePlan } from '../core/savePlan';
import { serializeDb } from '../core/dbDocument';
import type { Observation, Version } from './observation';
import { ConflictError, InvalidDbError, SaveCancelledError, SaveFailedError } from './saveErrors';
import type { AheadVerdict, ClientSource, DbChange, Reviewer, SaveRequest, SaveResult, SaveReview, StoreWiring, WriteRecord, WriteRecorder } from './saveTypes';
import { refKey, type SubscriptionRef } from './subscriptionRef';
import { connectionBack, connectionsFor, sendPlan, type WriteResult } from './writeCalls';

export type { CallOutcome } from './writeCalls';
export type { Observation, Version } from './observation';
export * from './saveTypes';

/** Per subscription: what was seen, and the order of requests, so a late answer can never undo a newer one. */
interface Entry {
  observation: Observation | undefined;
  readonly sizesSeen: Set<number>;
  /** Bumped when a write starts and when it ends: an answer to a GET sent before is stale. */
  epoch: number;
  writing: boolean;
  /** Saves of one subscription run one after another. */
  queue: Promise<unknown>;
  /** A GET under way that started after the last write, which readers may join. */
  shared: { epoch: number; promise: Promise<Observation> } | undefined;
  /** A review the person chose Save in before the editor's save started (reviewAhead); used once. */
  approved: Approval | undefined;
}

/** A save checked against the server: the read, and the plan and result of the merge with it. */
interface Checked {
  readonly server: Observation;
  readonly plan: SavePlan;
  readonly result: Db;
}

/** What a person approved ahead of a save: that plan, on that version of the server's DB. */
interface Approval {
  readonly review: SaveReview;
  readonly server: Version;
}

/**
 * The single path every read and write of a subscription's DB goes through: the tree, the JSON editor and the
 * commands. It orders the work per subscription (saves run one at a time; the answer to a GET sent before a write is
 * never recorded over it; versions never go down) and decides conflicts with one rule, a three-way merge.
 * It imports no `vscode`, so unit tests drive it against the sandbox (test/unit/dbStore*.test.ts).
 */
export class DbStore {
  private readonly entries = new Map<string, Entry>();
  /** Bumped whenever a write starts or ends on any subscription. */
  private writesAnywhere = 0;
  private readonly listeners = new Set<(change: DbChange) => void>();
  private readonly clients: ClientSource;
  private readonly reviewer: Reviewer;
  private readonly history: WriteRecorder;
  private readonly log: Log;

  constructor(wiring: StoreWiring) {
    ({ clients: this.clients, reviewer: this.reviewer, history: this.history, log: this.log } = wiring);
  }

  /** Calls `listener` whenever the DB the store holds for a subscription changed, by anyone. */
  onDidChange(listener: (change: DbChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** What the store last saw, without asking the server. */
  current(ref: SubscriptionRef): Observation | undefined {
    return this.entries.get(refKey(ref))?.observation;
  }

  /** What the store last saw, or a read when it has seen nothing yet. */
  async load(ref: SubscriptionRef, signal?: AbortSignal): Promise<Observation> {
    return this.current(ref) ?? this.read(ref, signal);
  }

  /**
   * GETs the DB and records it. Callers without a signal join a GET already under way (VS Code's `stat` and
   * `readFile` of one open must cost one request), unless a write started since that GET was sent.
   */
  read(ref: SubscriptionRef, signal?: AbortSignal): Promise<Observation> {
    const entry = this.entry(ref);
    if (signal === undefined && entry.shared && entry.shared.epoch === entry.epoch && !entry.writing) return entry.shared.promise;
    const promise = this.get(ref, entry, signal);
    if (signal === undefined) {
      const shared = { epoch: entry.epoch, promise };
      entry.shared = shared;
      const clear = (): void => {
        if (entry.shared === shared) entry.shared = undefined;
      };
      promise.then(clear, clear);
    }
    return promise;
  }

  /**
   * The GET before a write (the editor's pre-save check, a save's own check): always a new request, never one
   * already under way; when it fails, nothing was sent and the message says so. `expected` is the plan the
   * caller's change makes, so the connections its writes will use are opened beside the GET (writeCalls.ts).
   */
  async readBeforeWrite(ref: SubscriptionRef, signal?: AbortSignal, expected?: SavePlan): Promise<Observation> {
    try {
      const connections = expected === undefined ? 1 : connectionsFor(expected);
      if (connections > 1) (await this.clients.get(ref.idGate)).preconnect(connections);
      const server = await this.get(ref, this.entry(ref), signal);
      // The write that follows goes on the connection this GET used.
      await connectionBack();
      return server;
    } catch (error) {
      if (isNotFound(error) || isCancellation(error)) throw error;
      const reason = userMessage(error);
      throw new SaveFailedError(l10n.t('Not saved: {0} Nothing was changed on the server.', /[.!?]$/.test(reason) ? reason : `${reason}.`), error);
    }
  }

  /** Taken before sending a request whose answer carries a DB (a verification), and handed to `record`. */
  ticket(): number {
    return this.writesAnywhere;
  }

  /** Records a DB that came with another answer, unless a write began or ended (on any subscription) since `ticket`. */
  record(ref: SubscriptionRef, db: Db, ticket: number): void {
    if (ticket !== this.writesAnywhere) return;
    this.observe(ref, this.entry(ref), db);
  }

  forget(ref: SubscriptionRef): void {
    this.entries.delete(refKey(ref));
  }

  forgetGate(idGate: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${idGate}/`)) this.entries.delete(key);
  }

  /** A version no observation of `ref` has had, for a document state VS Code must tell apart from every other. */
  stamp(ref: SubscriptionRef, db: Db): Version {
    const entry = this.entry(ref);
    return this.newVersion(entry, db);
  }

  /** Gives the current observation a new version, so clean editors that hold an older one reload it. */
  touch(ref: SubscriptionRef): void {
    const entry = this.entry(ref);
    if (!entry.observation) return;
    entry.observation = { db: entry.observation.db, ...this.newVersion(entry, entry.observation.db) };
    this.fire(ref);
  }

  /**
   * Sends the caller's change (`base` → `edited`) with at most one DELETE and one PUT, after a GET that checks for a
   * conflict. Refused with no request when what it would send breaks a limit (InvalidDbError), and with no write on
   * a conflict (ConflictError). Runs after any save of the same subscription already under way.
   */
  save(ref: SubscriptionRef, request: SaveRequest): Promise<SaveResult> {
    const entry = this.entry(ref);
    const run = entry.queue.then(() => this.runSave(ref, entry, request));
    entry.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The review of an editor save, shown before the editor's save starts (commands/saveDb.ts, Ctrl+S), so that Cancel
   * is not a failed save: the same read, merge and review as `save`, and nothing is sent. On Save the approval is
   * kept for the next save of `ref`: when that save finds the same plan on the same version of the server's DB, it
   * sends without asking again; anything else (another text, a change on the server) is a new review. Conflicts,
   * broken limits and empty plans are left to the save, which reports them as it always does.
   */
  async reviewAhead(ref: SubscriptionRef, request: SaveRequest): Promise<AheadVerdict> {
    const entry = this.entry(ref);
    entry.approved = undefined;
    if (!this.reviewer.applies(ref, request.origin)) return 'notReviewed';
    const early = planProblems(request.base, planSave(request.base, request.edited));
    if (early.length > 0) return 'notReviewed';
    const server = await this.readBeforeWrite(ref, request.signal);
    const merged = mergeSave(request.base, server.db, request.edited);
    if (merged.kind === 'conflict' || isEmptyPlan(merged.plan) || planProblems(server.db, merged.plan).length > 0) return 'notReviewed';
    const review = this.reviewOf(ref, request, { server, plan: merged.plan, result: merged.result }, undefined);
    if (!(await this.reviewer.review(review))) {
      this.log.info(`${ref.idSubscription}: write cancelled in the review before the save, nothing sent`);
      return 'cancelled';
    }
    entry.approved = { review, server: { mtime: server.mtime, size: server.size } };
    return 'approved';
  }

  /** Forgets an approval `reviewAhead` kept that no save used (the editor's save ended without writing). */
  dropApproval(ref: SubscriptionRef): void {
    const entry = this.entries.get(refKey(ref));
    if (entry) entry.approved = undefined;
  }

  dispose(): void {
    this.listeners.clear();
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  private fire(ref: SubscriptionRef): void {
    for (const listener of [...this.listeners]) listener({ ref });
  }

  private entry(ref: SubscriptionRef): Entry {
    const key = refKey(ref);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { observation: undefined, sizesSeen: new Set(), epoch: 0, writing: false, queue: Promise.resolve(), shared: undefined, approved: undefined };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private async get(ref: SubscriptionRef, entry: Entry, signal: AbortSignal | undefined): Promise<Observation> {
    const epoch = entry.epoch;
    const wasWriting = entry.writing;
    const client = await this.clients.get(ref.idGate);
    const db = await client.getDb(ref.idSubscription, undefined, signal ? { signal } : {});
    if (!wasWriting && !entry.writing && entry.epoch === epoch) return this.observe(ref, entry, db);
    // Sent before or while a write was made: the answer may show the DB from before that write, or from after it plus
    // changes made elsewhere since. Neither it nor the write's own answer can be trusted to be the newer, so once the
    // writes are done, ask again: a read must never hide a change made elsewhere before it was sent.
    await entry.queue;
    return this.get(ref, entry, signal);
  }

  /** Records a DB seen on the server; one that differs from the last one gets a new version. */
  private observe(ref: SubscriptionRef, entry: Entry, db: Db): Observation {
    if (this.entries.get(refKey(ref)) !== entry) return { db, ...this.newVersion(entry, db) }; // forgotten meanwhile
    const previous = entry.observation;
    if (previous && dbEquals(previous.db, db)) return previous;
    const observation: Observation = { db, ...this.newVersion(entry, db) };
    entry.observation = observation;
    this.fire(ref);
    return observation;
  }

  private newVersion(entry: Entry, db: Db): Version {
    let size = Buffer.byteLength(serializeDb(db), 'utf8');
    while (entry.sizesSeen.has(size)) size++;
    entry.sizesSeen.add(size);
    const mtime = Math.max(Date.now(), (entry.observation?.mtime ?? 0) + 1, lastMtime + 1);
    lastMtime = mtime;
    return { mtime, size };
  }

  private async runSave(ref: SubscriptionRef, entry: Entry, request: SaveRequest): Promise<SaveResult> {
    const { base, edited, signal } = request;
    // What the caller's own change would send is checked before any request; the key count again after the GET.
    const own = planSave(base, edited);
    const early = planProblems(base, own);
    if (early.length > 0) throw new InvalidDbError(early);
    const approval = entry.approved;
    entry.approved = undefined;
    const read = request.server && request.server === entry.observation ? request.server : await this.readBeforeWrite(ref, signal, own);
    let checked = this.check(ref, request, read);
    if (isEmptyPlan(checked.plan)) {
      this.log.info(`${ref.idSubscription}: no change to save`);
      return { plan: checked.plan, observation: checked.server };
    }
    if (approval && sameVersion(approval.server, checked.server) && samePlan(approval.review.plan, checked.plan)) {
      this.log.info(`${ref.idSubscription}: sending the write approved in the review just before the save`);
    } else if (this.reviewer.applies(ref, request.origin, checked.plan)) {
      checked = await this.reviewUntilSettled(ref, request, checked, approval?.review);
      if (isEmptyPlan(checked.plan)) {
        this.log.info(`${ref.idSubscription}: no change to save any more`);
        return { plan: checked.plan, observation: checked.server };
      }
    }
    const { server, plan } = checked;
    entry.writing = true;
    entry.epoch++;
    this.writesAnywhere++;
    const at = Date.now();
    const record = (fields: Pick<WriteRecord, 'outcome' | 'after' | 'calls'> & Partial<WriteRecord>): void => {
      // `before` is the read made after the person's last choice: what an Undo of this write puts back.
      this.history.record({ ref, origin: request.origin, at, before: server.db, plan, ...(request.undoOf ? { undoOf: request.undoOf } : {}), ...(request.batchId ? { batchId: request.batchId } : {}), ...fields });
    };
    try {
      // A cancel after the first write request left cannot take it back: the server may have applied it, and a
      // request cut off on its way may still land after the next save's check. So the write runs to its outcome,
      // which is reported; only a cancel that came before any write request stops it (then nothing is sent).
      const written = await this.write(ref, entry, server.db, plan, signal?.aborted ? signal : undefined);
      if (written.failure) {
        const { message, cause, landed, uncertain } = written.failure;
        record({ outcome: landed ? 'partial' : 'failed', after: this.current(ref)?.db ?? server.db, failure: message, uncertain, calls: written.calls });
        throw new SaveFailedError(message, cause, landed, uncertain);
      }
      this.log.info(`${ref.idSubscription}: saved (${describePlan(plan)})`);
      record({ outcome: 'done', after: written.db, calls: written.calls });
      return { plan, observation: this.observeOwn(ref, entry, written.db) };
    } finally {
      entry.writing = false;
      entry.epoch++;
      this.writesAnywhere++;
    }
  }

  /** The three-way merge of the request with a read of the server: a conflict or a broken limit is refused here. */
  private check(ref: SubscriptionRef, request: SaveRequest, server: Observation): Checked {
    const merged = mergeSave(request.base, server.db, request.edited);
    if (merged.kind === 'conflict') {
      this.log.info(`${ref.idSubscription}: not saved, changed on the server meanwhile (${merged.keys.length} key(s))`);
      throw new ConflictError(ref, merged.keys, server);
    }
    const problems = planProblems(server.db, merged.plan);
    if (problems.length > 0) throw new InvalidDbError(problems);
    return { server, plan: merged.plan, result: merged.result };
  }

  /**
   * Shows the review until the person's Save still holds: the modal takes human time, so after Save the server is
   * read again. A key the person changed that someone else changed meanwhile is a conflict (the merge's rule); any
   * other change to a key of the plan, or a different plan, is shown again with what changed. What is sent, and what
   * the history records as `before`, come from the last read.
   */
  private async reviewUntilSettled(ref: SubscriptionRef, request: SaveRequest, first: Checked, shownBefore: SaveReview | undefined): Promise<Checked> {
    let checked = first;
    let previous = shownBefore;
    for (;;) {
      const review = this.reviewOf(ref, request, checked, previous);
      if (!(await this.reviewer.review(review))) {
        this.log.info(`${ref.idSubscription}: write cancelled in the review, nothing sent`);
        throw new SaveCancelledError(ref);
      }
      const again = this.check(ref, request, await this.readBeforeWrite(ref, request.signal, checked.plan));
      if (isEmptyPlan(again.plan) || reviewStands(checked, again)) return again;
      this.log.info(`${ref.idSubscription}: the server changed during the review; shown again`);
      previous = review;
      checked = again;
    }
  }

  private reviewOf(ref: SubscriptionRef, request: SaveRequest, checked: Checked, previous: SaveReview | undefined): SaveReview {
    return { ref, origin: request.origin, server: checked.server.db, plan: checked.plan, result: checked.result, ...(previous ? { previous } : {}) };
  }

  /** Sends the plan's write calls (writeCalls.ts); after a failure, records what did land. */
  private async write(ref: SubscriptionRef, entry: Entry, start: Db, plan: SavePlan, signal: AbortSignal | undefined): Promise<WriteResult> {
    const client = await this.clients.get(ref.idGate);
    const written = await sendPlan(client, ref.idSubscription, start, plan, signal ? { signal } : {});
    if (written.failure) {
      for (const line of written.failure.lines) this.log.warn(`${ref.idSubscription}: ${line}`);
      if (written.failure.landed) this.observeOwn(ref, entry, written.db);
    }
    return written;
  }

  /** Records the DB our own write left; it is the newest state whatever GET answers arrive later. */
  private observeOwn(ref: SubscriptionRef, entry: Entry, db: Db): Observation {
    entry.shared = undefined;
    return this.observe(ref, entry, db);
  }
}

/** Versions never go down, not even across subscriptions re-opened after `forget`. */
let lastMtime = 0;

function sameVersion(a: Version, b: Version): boolean {
  return a.mtime === b.mtime && a.size === b.size;
}

/** A review still stands when the plan is the same and the server holds the same at every key the plan touches. */
function reviewStands(shown: Checked, now: Checked): boolean {
  const keys = [...shown.plan.deleteKeys, ...shown.plan.putEntries.map((e) => e.key)];
  return samePlan(shown.plan, now.plan) && keys.every((key) => sameAt(shown.server.db, now.server.db, key));
}
