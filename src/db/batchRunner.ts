// A batch change: the dry run (read each DB, plan it, write nothing) and the run (each subscription's change through
// DbStore.save, the one write path, with its fresh read and three-way merge). No `vscode` import: unit and model
// tests drive it against the sandbox (test/unit/batchRunner.test.ts, test/unit/batchModel.test.ts).
import * as l10n from '@vscode/l10n';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { isBusy, isCancellation, isNotFound, userMessage } from '../api/failures';
import { changesBase, changesResult, planForSubscription, reverseChanges, type BatchChange } from '../core/batchChange';
import type { Db } from '../core/db';
import { showKey } from '../core/limits';
import type { KeyChange } from '../core/merge';
import { undoChanges } from '../core/undo';
import type { BatchState } from '../core/batchReport';
import { isEmptyPlan } from '../core/savePlan';
import { forEachLimited } from '../core/limiter';
import type { SaveRequest, SaveResult } from './dbStore';
import type { Observation } from './observation';
import { isPending, type BatchItem, type BatchJournal } from './batchJournal';
import { ConflictError, InvalidDbError, SaveCancelledError, SaveFailedError } from './saveErrors';
import type { SubscriptionRef } from './subscriptionRef';

/** What a batch needs of DbStore: its read and its save. */
export interface BatchStore {
  read(ref: SubscriptionRef, signal?: AbortSignal): Promise<Observation>;
  save(ref: SubscriptionRef, request: SaveRequest): Promise<SaveResult>;
}

export interface BatchProgress {
  /** Subscriptions decided so far, of `total`. */
  readonly done: number;
  readonly total: number;
  readonly counts: ReadonlyMap<BatchState, number>;
}

export interface BatchOptions {
  /** At most this many subscriptions at a time (the `logup.batch.concurrency` setting). */
  readonly concurrency: number;
  /** Cancel: no new call starts; calls under way finish and are recorded. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: BatchProgress) => void;
  /** Saves the journal; called after each decision, never more than one write at a time. */
  readonly persist?: (journal: BatchJournal) => Promise<void>;
  /** How often one subscription is tried again after the server answered 429/503 past the client's own retries. */
  readonly busyRetries?: number;
  /** The wait between those tries (tests pass a fast one). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly log?: { info(message: string): void; warn(message: string): void };
}

const DEFAULT_BUSY_RETRIES = 5;
const BUSY_BASE_MS = 1_000;
const BUSY_MAX_MS = 15_000;

/** The wait before try `attempt + 1` after a 429/503: exponential with jitter, so the workers do not come back together. */
export function busyDelay(attempt: number): number {
  const ceiling = Math.min(BUSY_MAX_MS, BUSY_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => sleepFor(ms, undefined, signal ? { signal } : {});

/**
 * Reads each subscription's DB (at most `concurrency` at a time) and plans the change for it with a save's rules.
 * Nothing is written. A cancelled dry run leaves the subscriptions it did not read `cancelled`.
 */
export async function dryRunBatch(store: BatchStore, idGate: string, ids: readonly string[], change: BatchChange, options: BatchOptions): Promise<BatchJournal> {
  const journal: BatchJournal = {
    version: 1,
    id: randomUUID(),
    idGate,
    change,
    createdAt: Date.now(),
    items: ids.map((idSubscription) => ({ idSubscription, state: 'cancelled' })),
  };
  await readEach(store, journal, options, (item, db) => {
    const plan = planForSubscription(change, db);
    if (plan.kind === 'change') decide(item, 'change', undefined, plan.changes);
    else if (plan.kind === 'refused') decide(item, 'refused', plan.problems.join(' '));
    else if (plan.kind === 'conflict') decide(item, 'conflict', plan.reason);
    else decide(item, 'already');
  });
  return journal;
}

/**
 * Reads each subscription of the journal (at most `concurrency` at a time, 429/503 waited out) and hands its DB to
 * `decideFor`; one not found is `notFound`, one whose read failed `failed`, one not read before a Cancel is left.
 */
async function readEach(store: BatchStore, journal: BatchJournal, options: BatchOptions, decideFor: (item: BatchItem, db: Db) => void): Promise<void> {
  const progress = tracker(journal.items, options);
  await forEachLimited(journal.items, options.concurrency, async (item) => {
    const ref = { idGate: journal.idGate, idSubscription: item.idSubscription };
    try {
      const { db } = await retryBusy(() => store.read(ref, options.signal), options);
      decideFor(item, db);
    } catch (error) {
      if (isCancellation(error) && options.signal?.aborted) return;
      if (isNotFound(error)) decide(item, 'notFound');
      else decide(item, 'failed', l10n.t('Could not be read: {0}', userMessage(error)));
    }
    progress.step(item);
  }, () => options.signal?.aborted === true);
}

/**
 * Runs the journal's pending subscriptions (planned, or left by a cancel or a reload), at most `concurrency` at a
 * time, each through the store's save: a fresh read right before its write and the same three-way merge, with the
 * dry run's values as the base, so a key someone changed since the dry run is a conflict and is never overwritten,
 * and a subscription that already holds the batch's values sends nothing (a resumed batch never writes twice).
 */
export async function runBatch(store: BatchStore, journal: BatchJournal, options: BatchOptions): Promise<BatchJournal> {
  const pending = journal.items.filter(isPending);
  for (const item of pending) item.state = 'change';
  const progress = tracker(pending, options);
  const saver = persister(journal, options.persist);
  try {
    await forEachLimited(pending, options.concurrency, async (item) => {
      await runOne(store, journal, item, options, saver.schedule);
      progress.step(item);
      saver.schedule();
    }, () => options.signal?.aborted === true);
  } finally {
    // What never started is left for LogUp: Resume Batch.
    for (const item of pending) if (item.state === 'change') item.state = 'cancelled';
    await saver.flush();
  }
  return journal;
}

/**
 * The undo's check, before its review: reads each subscription the batch changed (at most `concurrency` at a time)
 * and applies the per-write undo rule (core/undo.ts undoChanges) to its keys: those still as the batch left them
 * are planned back, those someone changed since are kept aside in `changedSince` for the person's one choice
 * (settleUndo), a subscription already back as before is `already`. Nothing is written.
 */
export async function checkUndo(store: BatchStore, journal: BatchJournal, options: BatchOptions): Promise<BatchJournal> {
  await readEach(store, journal, options, (item, db) => {
    // The undo journal holds the batch's changes reversed; reversed again they are what the batch did.
    const undo = undoChanges(reverseChanges(item.changes ?? []), db);
    item.changes = undo.safe;
    if (undo.changedSince.length > 0) item.changedSince = undo.changedSince;
    else delete item.changedSince;
    if (undo.safe.length === 0 && undo.changedSince.length === 0) decide(item, 'already', l10n.t('Already as before the batch.'));
    else if (undo.changedSince.length > 0) item.detail = l10n.t('Changed since the batch: {0}. Skipping leaves it; Write Anyway puts back {1}.', undo.changedSince.map(describeNow).join('; '), undo.changedSince.map(describeBefore).join('; '));
  });
  return journal;
}

/** `"plan" = "free"` (or `"plan" deleted`): what Write Anyway puts back for a key changed since the batch. */
function describeBefore(change: KeyChange): string {
  return change.after === undefined ? l10n.t('{0} deleted', showKey(change.key)) : `${showKey(change.key)} = ${JSON.stringify(change.after)}`;
}

/** `"plan" now "team"`: a key changed since the batch and what the server holds for it now. */
function describeNow(change: KeyChange): string {
  return change.before === undefined ? l10n.t('{0} now deleted', showKey(change.key)) : l10n.t('{0} now {1}', showKey(change.key), JSON.stringify(change.before));
}

async function runOne(store: BatchStore, { id: batchId, idGate }: BatchJournal, item: BatchItem, options: BatchOptions, persist: () => void): Promise<void> {
  const ref = { idGate, idSubscription: item.idSubscription };
  const changes = item.changes ?? [];
  const resumed = item.started === true;
  // What the undo's choice said of this subscription (keys skipped or written anyway) stays beside the outcome.
  const note = item.detail;
  const noted = (detail?: string): string | undefined => [detail, note].filter((d) => d !== undefined).join(' ') || undefined;
  item.started = true;
  persist();
  try {
    const result = await retryBusy(() => store.save(ref, { base: changesBase(changes), edited: changesResult(changes), origin: 'batch', batchId }), options);
    if (!isEmptyPlan(result.plan)) decide(item, 'done', noted());
    else if (resumed) decide(item, 'done', noted(l10n.t('Nothing sent: it already held these values (written before the batch was interrupted).')));
    else decide(item, 'already', noted(l10n.t('Nothing sent: it already held these values.')));
  } catch (error) {
    if (error instanceof ConflictError) decide(item, 'conflict', noted(error.message));
    else if (error instanceof InvalidDbError) decide(item, 'refused', noted(error.message));
    else if (error instanceof SaveFailedError && error.landed) decide(item, 'partial', noted(error.message));
    else if (isNotFound(error)) decide(item, 'notFound', noted());
    else if (error instanceof SaveCancelledError || (isCancellation(error) && options.signal?.aborted)) decide(item, 'cancelled', noted());
    else decide(item, 'failed', noted(error instanceof SaveFailedError ? error.message : userMessage(error)));
    options.log?.info(`${ref.idSubscription}: batch ${item.state}`);
  }
}

/**
 * Calls `call` again while the server answers 429/503 (it refused without acting, so nothing was applied), after a
 * growing wait; the client has already honoured Retry-After for its own retries (src/api/retryPolicy.ts). A cancel
 * ends the wait: the call is not made again.
 */
async function retryBusy<T>(call: () => Promise<T>, options: BatchOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  const retries = options.busyRetries ?? DEFAULT_BUSY_RETRIES;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!refusedWithoutActing(error) || attempt >= retries || options.signal?.aborted) throw error;
      await sleep(busyDelay(attempt), options.signal);
    }
  }
}

/**
 * True when every call that failed was refused with 429/503, so none of them was applied: trying the save again (a
 * fresh read, the same merge) sends exactly what is still missing, even when another call of it had landed.
 */
function refusedWithoutActing(error: unknown): boolean {
  if (error instanceof SaveFailedError && error.uncertain) return false;
  const cause = error instanceof SaveFailedError ? error.cause : error;
  const causes = cause instanceof AggregateError ? (cause.errors as unknown[]) : [cause];
  return causes.length > 0 && causes.every(isBusy);
}

function decide(item: BatchItem, state: BatchState, detail?: string, changes?: BatchItem['changes']): void {
  item.state = state;
  if (detail === undefined) delete item.detail;
  else item.detail = detail;
  if (changes) item.changes = changes;
}

function tracker(items: readonly BatchItem[], options: BatchOptions): { step(item: BatchItem): void } {
  let done = 0;
  const counts = new Map<BatchState, number>();
  return {
    step: (item) => {
      done++;
      counts.set(item.state, (counts.get(item.state) ?? 0) + 1);
      options.onProgress?.({ done, total: items.length, counts });
    },
  };
}

/** Writes the journal after changes, one write at a time, coalescing the changes made meanwhile into the next. */
function persister(journal: BatchJournal, persist: BatchOptions['persist']): { schedule(): void; flush(): Promise<void> } {
  let dirty = false;
  let writing: Promise<void> | undefined;
  const loop = async (): Promise<void> => {
    while (dirty) {
      dirty = false;
      await persist?.(journal).catch(() => undefined);
    }
    writing = undefined;
  };
  return {
    schedule: () => {
      if (!persist) return;
      dirty = true;
      writing ??= loop();
    },
    flush: async () => {
      if (!persist) return;
      await writing;
      dirty = true;
      await loop();
    },
  };
}
