// The history as a list: its bounds, its file format (read defensively: the file is on the user's disk and may come
// from another version), and its grouping for the view. No `vscode` import: unit-tested with node:test.
import type { DbValue } from '../core/db';
import type { CallOutcome } from '../db/dbStore';
import type { HistoryChange } from '../core/historyText';
import type { BatchState } from '../core/batchReport';
import { parseBatchRecords, recordJson, unlistedCount, type BatchRecord, type BatchRecordRow } from './batchRecords';
import type { HistoryEntry } from './historyEntry';

/** How much history is kept (the `logup.history.*` settings). */
export interface HistoryLimits {
  /** The newest this many writes; 0 keeps none. */
  readonly maxEntries: number;
  /** None older than this many days. */
  readonly maxDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Newest first, at most `maxEntries`, none older than `maxDays` before `now`. */
export function boundHistory(entries: readonly HistoryEntry[], limits: HistoryLimits, now: number): HistoryEntry[] {
  const oldest = now - limits.maxDays * DAY_MS;
  return entries
    .filter((e) => e.at >= oldest)
    .sort((a, b) => b.at - a.at)
    .slice(0, Math.max(0, limits.maxEntries));
}

/** The writes of one subscription, newest first. */
export interface HistoryGroup {
  readonly idGate: string;
  readonly idSubscription: string;
  /** The environment of its newest write. */
  readonly environment?: string;
  readonly entries: readonly HistoryEntry[];
}

/** Groups by subscription: the group with the newest write first, each group's writes newest first. */
export function groupBySubscription(entries: readonly HistoryEntry[]): HistoryGroup[] {
  const groups = new Map<string, HistoryEntry[]>();
  for (const entry of [...entries].sort((a, b) => b.at - a.at)) {
    const key = JSON.stringify([entry.idGate, entry.idSubscription]);
    const list = groups.get(key) ?? [];
    list.push(entry);
    groups.set(key, list);
  }
  return [...groups.values()].map((list) => {
    const newest = list[0] as HistoryEntry;
    return { idGate: newest.idGate, idSubscription: newest.idSubscription, ...(newest.environment ? { environment: newest.environment } : {}), entries: list };
  });
}

/** One batch change (Apply Change to Subscriptions…, or the undo of one): its writes and the subscriptions it did not write to. */
export interface HistoryBatch {
  readonly id: string;
  readonly idGate: string;
  readonly environment?: string;
  /** When it ran (its record), else its first write. */
  readonly at: number;
  /** How many of its subscriptions ended in each state: its record's, else its writes' outcomes. */
  readonly totals: ReadonlyMap<BatchState, number>;
  /** Its writes, by subscription id. */
  readonly entries: readonly HistoryEntry[];
  /** The subscriptions of its record with no write here (a conflict, skipped, already so…), by id. */
  readonly unwritten: readonly BatchRecordRow[];
  /** How many more subscriptions without a write it counted than its record lists (batchRecords.ts MAX_ROWS). */
  readonly unlisted: number;
  /** The batch it undid. */
  readonly undoOf?: string;
  /** The subscriptions whose part of it a later Undo This Batch wrote back (fully or in part). */
  readonly undone: ReadonlySet<string>;
}

/** The History view's top rows: a batch's writes under one batch row, every other write under its subscription. */
export type HistoryRow = { readonly kind: 'batch'; readonly batch: HistoryBatch } | { readonly kind: 'subscription'; readonly group: HistoryGroup };

/** Batches and subscriptions, the one with the newest write first; `records` tell what each batch did to every subscription. */
export function historyRows(entries: readonly HistoryEntry[], records: readonly BatchRecord[] = []): HistoryRow[] {
  const batches = new Map<string, HistoryEntry[]>(records.map((r) => [r.id, []]));
  const single: HistoryEntry[] = [];
  for (const entry of entries) {
    if (entry.batchId === undefined) single.push(entry);
    else batches.set(entry.batchId, [...(batches.get(entry.batchId) ?? []), entry]);
  }
  const byId = new Map(records.map((r) => [r.id, r]));
  // What an undo batch wrote back: its writes that landed, by the batch it undid.
  const undone = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.undoOf === undefined) continue;
    const subs = undone.get(r.undoOf) ?? new Set<string>();
    for (const e of batches.get(r.id) ?? []) if (e.outcome !== 'failed') subs.add(e.idSubscription);
    undone.set(r.undoOf, subs);
  }
  const rows: { newest: number; row: HistoryRow }[] = [
    ...groupBySubscription(single).map((group) => ({ newest: (group.entries[0] as HistoryEntry).at, row: { kind: 'subscription', group } as const })),
    ...[...batches].map(([id, list]) => {
      const batch = batchOf(id, list, byId.get(id), undone.get(id) ?? new Set());
      return { newest: Math.max(batch.at, ...list.map((e) => e.at)), row: { kind: 'batch', batch } as const };
    }),
  ];
  return rows.sort((a, b) => b.newest - a.newest).map((r) => r.row);
}

function batchOf(id: string, list: readonly HistoryEntry[], record: BatchRecord | undefined, undone: ReadonlySet<string>): HistoryBatch {
  const sorted = [...list].sort((a, b) => (a.idSubscription < b.idSubscription ? -1 : a.idSubscription > b.idSubscription ? 1 : a.at - b.at));
  const first = sorted.reduce<HistoryEntry | undefined>((a, b) => (a === undefined || b.at < a.at ? b : a), undefined);
  const written = new Set(sorted.map((e) => e.idSubscription));
  let totals = record?.totals;
  if (!totals) {
    // Without its record (an older file): each subscription by the outcome of its last write.
    const last = new Map(sorted.map((e) => [e.idSubscription, e.outcome]));
    const counts = new Map<BatchState, number>();
    for (const outcome of last.values()) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    totals = counts;
  }
  const environment = record?.environment ?? first?.environment;
  const undoOf = record?.undoOf;
  return {
    id,
    idGate: record?.idGate ?? (first as HistoryEntry).idGate,
    ...(environment ? { environment } : {}),
    at: record?.at ?? (first as HistoryEntry).at,
    totals,
    entries: sorted,
    unwritten: (record?.rows ?? []).filter((r) => !written.has(r.idSubscription)),
    unlisted: record ? unlistedCount(record) : 0,
    ...(undoOf !== undefined ? { undoOf } : {}),
    undone,
  };
}

/** How many subscriptions a batch counted, in every state. */
export function batchSize(batch: HistoryBatch): number {
  return [...batch.totals.values()].reduce((a, b) => a + b, 0);
}

/** The writes of one subscription only, newest first. */
export function entriesOf(entries: readonly HistoryEntry[], idGate: string, idSubscription: string): HistoryEntry[] {
  return entries.filter((e) => e.idGate === idGate && e.idSubscription === idSubscription).sort((a, b) => b.at - a.at);
}

// ---- the file ------------------------------------------------------------------------------------------------

/** Bumped when the format changes incompatibly; a file of another version is read as empty, never misread. */
export const HISTORY_FORMAT_VERSION = 1;

/**
 * The file's text: one JSON object, `{ version, entries, batches }`. `batches` (the batch records) is left out when
 * there are none; a version that does not know it reads the entries alone.
 */
export function serializeHistory(entries: readonly HistoryEntry[], batches: readonly BatchRecord[] = []): string {
  return `${JSON.stringify({ version: HISTORY_FORMAT_VERSION, entries, ...(batches.length > 0 ? { batches: batches.map(recordJson) } : {}) })}\n`;
}

/** The entries and batch records of a history file; those that do not have the expected shape are dropped and counted. */
export function parseHistory(text: string): { entries: HistoryEntry[]; batches: BatchRecord[]; dropped: number } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { entries: [], batches: [], dropped: 1 };
  }
  if (!isRecord(data) || data.version !== HISTORY_FORMAT_VERSION || !Array.isArray(data.entries)) return { entries: [], batches: [], dropped: 1 };
  const entries: HistoryEntry[] = [];
  let dropped = 0;
  for (const raw of data.entries) {
    const entry = toEntry(raw);
    if (entry) entries.push(entry);
    else dropped++;
  }
  const batches = parseBatchRecords(data.batches);
  return { entries, batches: batches.records, dropped: dropped + batches.dropped };
}

const ORIGINS = new Set(['editor', 'tree', 'undo', 'import', 'batch', 'agent']);
const OUTCOMES = new Set(['done', 'partial', 'failed']);
const STATES = new Set<CallOutcome>(['done', 'failed', 'uncertain', 'notSent']);

/**
 * Rebuilds an entry field by field, so whatever else a file holds is not carried along (and so never written back).
 * Changes are a list of `{key, …}`, never an object keyed by DB key, so keys like `__proto__` stay data.
 */
function toEntry(raw: unknown): HistoryEntry | undefined {
  if (!isRecord(raw)) return undefined;
  const { id, at, idGate, environment, idSubscription, origin, outcome, changes, failure, undoOf, batchId } = raw;
  if (typeof id !== 'string' || typeof at !== 'number' || !Number.isFinite(at) || typeof idGate !== 'string' || typeof idSubscription !== 'string') return undefined;
  if (typeof origin !== 'string' || !ORIGINS.has(origin) || typeof outcome !== 'string' || !OUTCOMES.has(outcome) || !Array.isArray(changes)) return undefined;
  if (!optionalString(environment) || !optionalString(failure) || !optionalString(undoOf) || !optionalString(batchId)) return undefined;
  const parsed: HistoryChange[] = [];
  for (const c of changes) {
    const change = toChange(c);
    if (!change) return undefined;
    parsed.push(change);
  }
  return {
    id, at, idGate, idSubscription,
    origin: origin as HistoryEntry['origin'],
    outcome: outcome as HistoryEntry['outcome'],
    changes: parsed,
    ...(environment !== undefined ? { environment } : {}),
    ...(failure !== undefined ? { failure } : {}),
    ...(undoOf !== undefined ? { undoOf } : {}),
    ...(batchId !== undefined ? { batchId } : {}),
  };
}

function toChange(raw: unknown): HistoryChange | undefined {
  if (!isRecord(raw)) return undefined;
  const { key, call, before, after, state } = raw;
  if (typeof key !== 'string' || (call !== 'put' && call !== 'delete') || typeof state !== 'string' || !STATES.has(state as CallOutcome)) return undefined;
  if (!optionalValue(before) || !optionalValue(after) || (call === 'put') !== (after !== undefined)) return undefined;
  return { key, call, state: state as CallOutcome, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

function optionalValue(value: unknown): value is DbValue | undefined {
  return value === undefined || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
