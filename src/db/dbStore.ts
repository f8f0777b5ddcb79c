import * as vscode from 'vscode';
import type { Db } from '../core/db';
import { plural } from '../core/limits';
import type { SavePlan } from '../core/savePlan';
import type { ClientRegistry } from './clientRegistry';
import type { Log } from '../log';

/** Names one subscription of one gate. */
export interface SubscriptionRef {
  readonly idGate: string;
  readonly idSubscription: string;
}

/** What we last saw of a subscription's DB on the server, and a version that changes when someone else changed it. */
export interface Observation {
  readonly db: Db;
  /** Goes up whenever the server's DB turns out different from what we last saw, other than by our own save. */
  readonly mtime: number;
  /**
   * The document's byte length, made unique per version: VS Code's dirty-write check only refuses a save when both
   * the mtime went up and the size changed, so two versions of equal length must still report different sizes.
   */
  readonly size: number;
  readonly fetchedAt: number;
}

export interface DbChange {
  readonly ref: SubscriptionRef;
  /** True when the server changed by someone else (or by a tree edit): open, clean editors should reload. */
  readonly reload: boolean;
}

/** The edit breaks a DB limit. Nothing was sent. */
export class InvalidDbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDbError';
  }
}

/** A save whose first call succeeded and a later one failed; the server holds what the message says. */
export class PartialSaveError extends Error {
  constructor(message: string, override readonly cause: unknown) {
    super(message);
    this.name = 'PartialSaveError';
  }
}

export interface SaveOptions {
  /** A server state fetched just now, to spare a GET. */
  readonly server?: Observation;
  /** Editor saves keep the version (VS Code adopts it); other writes bump it so open editors reload. */
  readonly origin: 'editor' | 'tree';
  readonly signal?: AbortSignal;
}

export interface SaveResult {
  readonly plan: SavePlan;
  readonly db: Db;
}

const refKey = (ref: SubscriptionRef): string => `${ref.idGate}/${ref.idSubscription}`;

/**
 * The single path every read and write of a subscription's DB goes through: the tree, the JSON editor and the
 * commands. It remembers what the server last held so saves can detect changes made elsewhere.
 */
export class DbStore implements vscode.Disposable {
  private readonly observations = new Map<string, Observation>();
  private readonly sizesSeen = new Map<string, Set<number>>();
  private readonly inflight = new Map<string, Promise<Observation>>();
  /** The DB a write of unknown outcome (timeout, dropped connection, 5xx) would have left: seeing it is no conflict. */
  private readonly maybeWritten = new Map<string, Db>();
  private readonly changed = new vscode.EventEmitter<DbChange>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly clients: ClientRegistry,
    private readonly log: Log,
  ) {}

  peek(ref: SubscriptionRef): Observation | undefined {
    return this.observations.get(refKey(ref));
  }

  /** The last observation, or a fresh GET when there is none. */
  async ensure(ref: SubscriptionRef, signal?: AbortSignal): Promise<Observation> {
    return this.peek(ref) ?? this.fetchShared(ref, signal);
  }

  /**
   * A GET that joins one already under way for the same subscription: VS Code opens a document with `stat` and
   * `readFile` at once, and that must cost one request. Conflict checks use `fetch`, which always asks anew.
   */
  fetchShared(ref: SubscriptionRef, signal?: AbortSignal): Promise<Observation> {
    const key = refKey(ref);
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetch(ref, signal).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** GETs the DB and records it; a DB that differs from the last one seen gets a newer version. */
  async fetch(ref: SubscriptionRef, signal?: AbortSignal): Promise<Observation> {
    const client = await this.clients.get(ref.idGate);
    const db = await client.getDb(ref.idSubscription, undefined, signal ? { signal } : {});
    const { observation, changed } = await this.observe(ref, db);
    if (changed) this.changed.fire({ ref, reload: true });
    return observation;
  }

  /** Records a DB we got from elsewhere (e.g. a verification answer). */
  async record(ref: SubscriptionRef, db: Db): Promise<void> {
    const hadOne = this.peek(ref) !== undefined;
    const { changed } = await this.observe(ref, db);
    if (changed || !hadOne) this.changed.fire({ ref, reload: changed });
  }

  forget(ref: SubscriptionRef): void {
    this.observations.delete(refKey(ref));
    this.sizesSeen.delete(refKey(ref));
    this.maybeWritten.delete(refKey(ref));
  }

  forgetGate(idGate: string): void {
    for (const key of [...this.observations.keys()]) {
      if (key.startsWith(`${idGate}/`)) {
        this.observations.delete(key);
        this.sizesSeen.delete(key);
        this.maybeWritten.delete(key);
      }
    }
  }

  /**
   * Makes the server's DB equal `edited` with at most one DELETE and one PUT, after checking the limits (nothing is
   * sent when one is broken). Callers decide what counts as a conflict before calling: the file system provider
   * through VS Code's version check, tree edits by comparing the touched key.
   */
  async save(ref: SubscriptionRef, edited: Db, options: SaveOptions): Promise<SaveResult> {
    const core = await import('../core/dbDocument');
    const planning = await import('../core/savePlan');
    const analysis = core.analyzeDbDocument(core.serializeDb(edited));
    if (!analysis.ok) {
      const first = analysis.problems[0]?.message ?? 'the DB breaks a limit';
      const more = analysis.problems.length > 1 ? ` (and ${plural(analysis.problems.length - 1, 'more problem')})` : '';
      throw new InvalidDbError(`${first}${more}`);
    }
    const server = options.server ?? (await this.fetch(ref, options.signal));

    const plan = planning.planSave(server.db, edited);
    if (planning.isEmptyPlan(plan)) {
      this.log.info(`${ref.idSubscription}: no change to save`);
      return { plan, db: server.db };
    }
    const client = await this.clients.get(ref.idGate);
    const callOptions = options.signal ? { signal: options.signal } : {};
    let db = server.db;
    const done: string[] = [];
    const steps = plan.deleteFirst ? (['delete', 'put'] as const) : (['put', 'delete'] as const);
    // This save supersedes an earlier write of unknown outcome.
    this.maybeWritten.delete(refKey(ref));
    for (const step of steps) {
      try {
        if (step === 'delete' && plan.deleteKeys.length > 0) {
          const answer = await client.deleteDb(ref.idSubscription, plan.deleteKeys, callOptions);
          // A 204 carries no DB: what is left is what we had minus the deleted keys.
          db = answer ?? planning.applyPlan(db, { deleteKeys: plan.deleteKeys, putEntries: [], deleteFirst: true });
          done.push(`the deletion of ${plural(plan.deleteKeys.length, 'key')}`);
        } else if (step === 'put' && plan.putEntries.length > 0) {
          db = await client.putDb(ref.idSubscription, plan.putEntries, callOptions);
          done.push(`${plural(plan.putEntries.length, 'key')} added or changed`);
        }
        this.remember(ref, db, server);
      } catch (error) {
        const failed = step === 'delete' ? `deleting ${plural(plan.deleteKeys.length, 'key')}` : `adding or changing ${plural(plan.putEntries.length, 'key')}`;
        const reason = error instanceof Error ? error.message : String(error);
        this.log.warn(`${ref.idSubscription}: ${failed} failed: ${reason}`);
        if (done.length > 0) this.changed.fire({ ref, reload: false });
        if (mayHaveArrived(error)) {
          // The server may still apply this call: its result must not later look like someone else's change.
          const stepOnly = step === 'delete'
            ? { deleteKeys: plan.deleteKeys, putEntries: [], deleteFirst: true }
            : { deleteKeys: [], putEntries: plan.putEntries, deleteFirst: false };
          this.maybeWritten.set(refKey(ref), planning.applyPlan(db, stepOnly));
          const saved = done.length === 0 ? 'Saving failed:' : `Saved ${done.join(' and ')}, but`;
          throw new PartialSaveError(`${saved} ${failed} failed: ${reason}. The server may or may not have applied it; save again to check and send what is left.`, error);
        }
        if (done.length === 0) throw new PartialSaveError(`Saving failed: ${failed} failed: ${reason}. Nothing was changed on the server.`, error);
        throw new PartialSaveError(`Saved ${done.join(' and ')}, but ${failed} failed: ${reason}. Save again to send the rest.`, error);
      }
    }
    this.log.info(`${ref.idSubscription}: saved (${planning.describePlan(plan)})`);
    // Our own write: an editor save keeps its version, unless the server answered with more than we sent.
    const reload = options.origin === 'tree' || !planning.dbEquals(db, edited);
    if (reload) await this.observe(ref, db, true);
    this.changed.fire({ ref, reload });
    return { plan, db };
  }

  dispose(): void {
    this.changed.dispose();
  }

  /** Records a DB seen on the server; one different from the last one seen (or `forceNewVersion`) is a new version. */
  private async observe(ref: SubscriptionRef, db: Db, forceNewVersion = false): Promise<{ observation: Observation; changed: boolean }> {
    const { dbEquals } = await import('../core/savePlan');
    const { serializeDb } = await import('../core/dbDocument');
    const key = refKey(ref);
    const previous = this.peek(ref);
    const maybe = this.maybeWritten.get(key);
    // Kept while the server still shows the old DB: the late write may land after this read.
    const ours = maybe !== undefined && dbEquals(maybe, db);
    if (ours) this.maybeWritten.delete(key);
    if (previous && !forceNewVersion && (ours || dbEquals(previous.db, db))) {
      const observation = { ...previous, db, fetchedAt: Date.now() };
      this.observations.set(key, observation);
      return { observation, changed: false };
    }
    const seen = this.sizesSeen.get(key) ?? new Set<number>();
    let size = Buffer.byteLength(serializeDb(db), 'utf8');
    while (seen.has(size)) size++;
    seen.add(size);
    this.sizesSeen.set(key, seen);
    const observation: Observation = { db, mtime: nextVersion(previous), size, fetchedAt: Date.now() };
    this.observations.set(key, observation);
    return { observation, changed: previous !== undefined };
  }

  /** Records what our own call left on the server without a new version (a retry must not look like a conflict). */
  private remember(ref: SubscriptionRef, db: Db, base: Observation): void {
    this.observations.set(refKey(ref), { ...base, db, fetchedAt: Date.now() });
  }
}

function nextVersion(previous: Observation | undefined): number {
  return Math.max(Date.now(), (previous?.mtime ?? 0) + 1);
}

// Failures that prove the request never reached the server (mirrors the client's own list).
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * True when a failed write may have been applied: it timed out, its connection broke after sending, the server
 * said yes (2xx) with a body we could not use, or it failed on the server's side (5xx other than 503, which the
 * client's own retry policy treats as "refused without acting").
 */
function mayHaveArrived(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'LogUpTimeoutError' || error.name === 'LogUpResponseError') return true;
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (error.name === 'LogUpHttpError') return typeof status === 'number' && status >= 500 && status !== 503;
  return error.name === 'LogUpNetworkError' && !(typeof code === 'string' && NOT_SENT_CODES.has(code));
}

