// What a batch change did to each subscription, kept in the history file beside its writes, so that the History view
// shows every subscription of a batch: those it wrote to (their writes) and those it did not (a conflict, skipped,
// already so, refused, not found, not started), with why. No `vscode` import: unit-tested with node:test.
import { STATE_ORDER, type BatchState } from '../core/batchReport';

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
  readonly rows: readonly BatchRecordRow[];
}

/** At most this many batches are kept, newest first (a batch of 1,000 subscriptions takes about 60 KB). */
export const MAX_BATCH_RECORDS = 20;
/** A detail longer than this is cut: the summary document and the report have it whole. */
const MAX_DETAIL = 300;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The record of a run, its details cut to size. */
export function batchRecord(record: BatchRecord): BatchRecord {
  return {
    ...record,
    rows: record.rows.map((r) => ({
      idSubscription: r.idSubscription,
      state: r.state,
      ...(r.detail !== undefined ? { detail: r.detail.length > MAX_DETAIL ? `${r.detail.slice(0, MAX_DETAIL - 1)}…` : r.detail } : {}),
    })),
  };
}

/** Newest first, within the history's limits: none when it keeps no writes, none older than `maxDays`, at most MAX_BATCH_RECORDS. */
export function boundBatchRecords(records: readonly BatchRecord[], limits: { readonly maxEntries: number; readonly maxDays: number }, now: number): BatchRecord[] {
  if (limits.maxEntries <= 0) return [];
  const oldest = now - limits.maxDays * DAY_MS;
  return records.filter((r) => r.at >= oldest).sort((a, b) => b.at - a.at).slice(0, MAX_BATCH_RECORDS);
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
  const { id, at, idGate, environment, undoOf, rows } = raw;
  if (typeof id !== 'string' || typeof at !== 'number' || !Number.isFinite(at) || typeof idGate !== 'string' || !Array.isArray(rows)) return undefined;
  if ((environment !== undefined && typeof environment !== 'string') || (undoOf !== undefined && typeof undoOf !== 'string')) return undefined;
  const parsed: BatchRecordRow[] = [];
  for (const row of rows) {
    if (!isRecord(row)) return undefined;
    const { idSubscription, state, detail } = row;
    if (typeof idSubscription !== 'string' || !STATE_ORDER.includes(state as BatchState) || (detail !== undefined && typeof detail !== 'string')) return undefined;
    parsed.push({ idSubscription, state: state as BatchState, ...(detail !== undefined ? { detail } : {}) });
  }
  return { id, at, idGate, rows: parsed, ...(environment !== undefined ? { environment } : {}), ...(undoOf !== undefined ? { undoOf } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
