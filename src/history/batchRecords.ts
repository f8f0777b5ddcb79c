// What a batch change did to each subscription, kept in the history file beside its writes, so that the History view
// shows every subscription of a batch: those it wrote to (their writes) and those it did not (a conflict, skipped,
// already so, refused, not found, not started), with why. No `vscode` import: unit-tested with node:test.
import { STATE_ORDER, wroteTo, type BatchRow, type BatchState } from '../core/batchReport';

/** One subscription of a batch and where it ended. */
export interface BatchRecordRow {
  readonly idSubscription: string;
  readonly state: BatchState;
  /** Why, in the words of the summary: the conflict, the limit, the keys left as they were. */
  readonly detail?: string;
}

/** One batch change (or the undo of one) as the history keeps it. */
export interface BatchRecord {
  readonly id: string;
  /** When its dry run started. */
  readonly at: number;
  readonly idGate: string;
  readonly environment?: string;
  /** The id of the batch this one undid. */
  readonly undoOf?: string;
  /** How many of its subscriptions ended in each state. */
  readonly totals: ReadonlyMap<BatchState, number>;
  /**
   * The subscriptions that may have no write in the history, with why (mayHaveNoWrite), at most MAX_ROWS. A changed
   * one's write is the history's entry, so a batch of 1,000 that changed them all plainly keeps none.
   */
  readonly rows: readonly BatchRecordRow[];
}

// Every history change rewrites the whole file, once per write of a batch: records stay small (BENCHMARKS.md part 10).
/** At most this many batches are kept, newest first. */
export const MAX_BATCH_RECORDS = 10;
/** A record lists at most this many subscriptions without a write (its counts have them all), the first ones with their reason, cut to MAX_DETAIL. */
export const MAX_ROWS = 200;
export const MAX_DETAILS = 50;
const MAX_DETAIL = 200;

const DAY_MS = 24 * 60 * 60 * 1000;

/** What the history keeps of a run: the counts, and the rows that may have no write, their details cut to size. */
export function batchRecord(run: Omit<BatchRecord, 'totals' | 'rows'> & { readonly rows: readonly BatchRow[] }): BatchRecord {
  const counts = new Map<BatchState, number>();
  for (const { state } of run.rows) counts.set(state, (counts.get(state) ?? 0) + 1);
  // In STATE_ORDER, as the file reads them back.
  const totals = new Map(STATE_ORDER.filter((s) => counts.has(s)).map((s) => [s, counts.get(s) ?? 0]));
  let details = 0;
  const cut = (detail: string | undefined): { detail?: string } => {
    if (detail === undefined || ++details > MAX_DETAILS) return {};
    return { detail: detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail };
  };
  return {
    ...run,
    totals,
    rows: run.rows.filter(mayHaveNoWrite).slice(0, MAX_ROWS).map((r) => ({ idSubscription: r.idSubscription, state: r.state, ...cut(r.detail) })),
  };
}

/**
 * A row the history's writes may not show: every state but changed and partly changed, and those too when they say
 * why (a resumed run that found the value written before the interruption, whose write the history never heard of).
 */
function mayHaveNoWrite(row: BatchRow): boolean {
  return !wroteTo(row.state) || row.detail !== undefined;
}

/** How many subscriptions without a write the record counts but does not list (beyond MAX_ROWS). */
export function unlistedCount(record: BatchRecord): number {
  const counted = [...record.totals].reduce((n, [state, count]) => n + (wroteTo(state) ? 0 : count), 0);
  return Math.max(0, counted - record.rows.filter((r) => !wroteTo(r.state)).length);
}

/** Newest first, within the history's limits: none when it keeps no writes, none older than `maxDays`, at most MAX_BATCH_RECORDS. */
export function boundBatchRecords(records: readonly BatchRecord[], limits: { readonly maxEntries: number; readonly maxDays: number }, now: number): BatchRecord[] {
  if (limits.maxEntries <= 0) return [];
  const oldest = now - limits.maxDays * DAY_MS;
  return records.filter((r) => r.at >= oldest).sort((a, b) => b.at - a.at).slice(0, MAX_BATCH_RECORDS);
}

/** A record as the file holds it: the totals as an object of counts. */
export function recordJson(record: BatchRecord): unknown {
  return { ...record, totals: Object.fromEntries(record.totals) };
}

/** The records of a history file's `batches`; one that does not have the expected shape is dropped (and counted). */
export function parseBatchRecords(raw: unknown): { records: BatchRecord[]; dropped: number } {
  if (raw === undefined) return { records: [], dropped: 0 };
  if (!Array.isArray(raw)) return { records: [], dropped: 1 };
  const records: BatchRecord[] = [];
  let dropped = 0;
  for (const item of raw) {
    const record = toRecord(item);
    if (record) records.push(record);
    else dropped++;
  }
  return { records, dropped };
}

/** Rebuilds a record field by field, so nothing else the file holds is carried along. */
function toRecord(raw: unknown): BatchRecord | undefined {
  if (!isRecord(raw)) return undefined;
  const { id, at, idGate, environment, undoOf, totals, rows } = raw;
  if (typeof id !== 'string' || typeof at !== 'number' || !Number.isFinite(at) || typeof idGate !== 'string' || !Array.isArray(rows) || !isRecord(totals)) return undefined;
  if ((environment !== undefined && typeof environment !== 'string') || (undoOf !== undefined && typeof undoOf !== 'string')) return undefined;
  const counts = new Map<BatchState, number>();
  for (const state of STATE_ORDER) {
    const n = Object.hasOwn(totals, state) ? totals[state] : 0;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return undefined;
    if (n > 0) counts.set(state, n);
  }
  const parsed: BatchRecordRow[] = [];
  for (const row of rows) {
    if (!isRecord(row)) return undefined;
    const { idSubscription, state, detail } = row;
    if (typeof idSubscription !== 'string' || !STATE_ORDER.includes(state as BatchState) || (detail !== undefined && typeof detail !== 'string')) return undefined;
    parsed.push({ idSubscription, state: state as BatchState, ...(detail !== undefined ? { detail } : {}) });
  }
  return { id, at, idGate, totals: counts, rows: parsed, ...(environment !== undefined ? { environment } : {}), ...(undoOf !== undefined ? { undoOf } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
