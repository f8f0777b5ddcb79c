import { isCancellation, isNotFound, userMessage } from '../api/failures';
import type { Db } from '../core/db';
import * as l10n from '@vscode/l10n';
import { mergeSave } from '../core/merge';
import { dbEquals, describePlan, isEmptyPlan, planProblems, planSave, type SavePlan } from '../core/savePlan';
import { serializeDb } from '../core/dbDocument';
import type { LogUpClient } from '../api/logUpClient';
import type { Observation, Version } from './observation';
import { ConflictError, InvalidDbError, SaveCancelledError, SaveFailedError } from './saveErrors';
import { refKey, type SubscriptionRef } from './subscriptionRef';
import { connectionBack, connectionsFor, sendPlan, type CallOutcome, type WriteResult } from './writeCalls';

export type { CallOutcome } from './writeCalls';

export type { Observation, Version } from './observation';

/** Who asked for a write: recorded in the write history and shown in the review. */
export type SaveOrigin = 'editor' | 'tree' | 'undo' | 'import';


/** What a write will do, shown before any write request leaves (when the review applies). */
export interface SaveReview {
  readonly ref: SubscriptionRef;
  readonly origin: SaveOrigin;
  /** The server's DB now, as the check read it. */
  readonly server: Db;
  readonly plan: SavePlan;
  /** What the server will hold after the plan. */
  readonly result: Db;
}

/** Decides, for every write, whether it may be sent; resolves false to cancel. Installed once on the store. */
export type Reviewer = (review: SaveReview) => Promise<boolean>;

/** One write the store made, whatever its outcome: the write history's entry. */
export interface WriteRecord {
  readonly ref: SubscriptionRef;
  readonly origin: SaveOrigin;
  /** When the first write call was sent (ms since the epoch). */
  readonly at: number;
  /** The server's DB just before the write, as the check read it. */
  readonly before: Db;
  readonly plan: SavePlan;
  /** done: every call succeeded; partial: one succeeded and a later one failed; failed: none is known to have landed. */
  readonly outcome: 'done' | 'partial' | 'failed';
  /** The DB the server holds after the write, as far as the store knows. */
  readonly after: Db;
  /** For partial and failed writes: which call failed and why (redacted like every error). */
  readonly failure?: string;
  /** The failed call may still have been applied (a timeout, a dropped connection, a 5xx). */
  readonly uncertain?: boolean;
  /**
   * Each call the plan has, and how far it got (always set by DbStore). A PUT and a DELETE that the key cap lets go
   * in any order are sent together, so one may have landed although the other failed, whichever comes first.
   */
  readonly calls?: { readonly put?: CallOutcome; readonly delete?: CallOutcome };
}

export interface SaveRequest {
  /**
   * The precondition: the DB the caller's change was made on (what its editor last loaded or saved, what the tree
   * showed). The save sends only the change from `base` to `edited`; a key the server changed since `base` that the
   * caller changed too is a conflict. Keys only the server changed are left as the server has them.
   */
  readonly base: Db;
  readonly edited: Db;
  /** A GET made just now by the caller (the editor's pre-save check), to spare a second one. */
  readonly server?: Observation;
  readonly origin: SaveOrigin;
  /** Cancels the save until its first write request is sent; from then on the write runs to its outcome. */
  readonly signal?: AbortSignal;
}

export interface SaveResult {
  /** What was sent (empty: nothing needed sending). */
  readonly plan: SavePlan;
  /** The server's DB after the save, with its version: `edited` plus whatever others changed meanwhile. */
  readonly observation: Observation;
}

export interface DbChange {
  readonly ref: SubscriptionRef;
}

/** Where the store gets a gate's client (the ClientRegistry). */
export interface ClientSource {
  get(idGate: string): Promise<LogUpClient>;
}

/** What the store logs (the LogUp output channel). */
export interface StoreLog {
  info(message: string): void;
  warn(message: string): void;
}

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
  private readonly writeListeners = new Set<(record: WriteRecord) => void>();
  private reviewer: Reviewer | undefined;

  constructor(
    private readonly clients: ClientSource,
    private readonly log: StoreLog,
  ) {}

  /** Calls `listener` whenever the DB the store holds for a subscription changed, by anyone. */
  onDidChange(listener: (change: DbChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Calls `listener` after every write the store made (done, partial or failed): the write history. */
  onDidWrite(listener: (record: WriteRecord) => void): { dispose(): void } {
    this.writeListeners.add(listener);
    return { dispose: () => this.writeListeners.delete(listener) };
  }

  /** Installs the one review every write goes through before any write request is sent. */
  setReviewer(reviewer: Reviewer | undefined): void {
    this.reviewer = reviewer;
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
      entry = { observation: undefined, sizesSeen: new Set(), epoch: 0, writing: false, queue: Promise.resolve(), shared: undefined };
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
    const server = request.server && request.server === entry.observation ? request.server : await this.readBeforeWrite(ref, signal, own);
    const merged = mergeSave(base, server.db, edited);
    if (merged.kind === 'conflict') {
      this.log.info(`${ref.idSubscription}: not saved, changed on the server meanwhile (${merged.keys.length} key(s))`);
      throw new ConflictError(ref, merged.keys, server);
    }
    const { plan } = merged;
    const problems = planProblems(server.db, plan);
    if (problems.length > 0) throw new InvalidDbError(problems);
    if (isEmptyPlan(plan)) {
      this.log.info(`${ref.idSubscription}: no change to save`);
      return { plan, observation: server };
    }
    if (this.reviewer && !(await this.reviewer({ ref, origin: request.origin, server: server.db, plan, result: merged.result }))) {
      this.log.info(`${ref.idSubscription}: write cancelled in the review, nothing sent`);
      throw new SaveCancelledError(ref);
    }
    entry.writing = true;
    entry.epoch++;
    this.writesAnywhere++;
    const at = Date.now();
    const record = (fields: Pick<WriteRecord, 'outcome' | 'after' | 'calls'> & Partial<WriteRecord>): void => {
      const entry: WriteRecord = { ref, origin: request.origin, at, before: server.db, plan, ...fields };
      for (const listener of [...this.writeListeners]) listener(entry);
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
