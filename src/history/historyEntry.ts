// One write as the history keeps it, and what is read from it: the keys it touched, how far it got, what undoing
// it would start from (its words are core/historyText.ts). No `vscode` import: unit-tested with node:test.
import { randomUUID } from 'node:crypto';
import { hasKey, valueAt, withEntry, type Db } from '../core/db';
import type { WrittenChange } from '../core/undo';
import type { CallOutcome, SaveOrigin, WriteRecord } from '../db/dbStore';
import type { HistoryChange } from '../core/historyText';

/** A recorded write. Ids, keys, values and outcomes only: never a secret, an access token or a logupToken. */
export interface HistoryEntry {
  readonly id: string;
  /** When the first write call was sent (ms since the epoch). */
  readonly at: number;
  readonly idGate: string;
  /** The gate's environment (e.g. production), when the gate has one. */
  readonly environment?: string;
  readonly idSubscription: string;
  readonly origin: SaveOrigin;
  readonly outcome: WriteRecord['outcome'];
  /** One per key the write meant to delete or set, sorted by key. */
  readonly changes: readonly HistoryChange[];
  /** For partial and failed writes: which call failed and why, in the api's (redacted) words. */
  readonly failure?: string;
  /** The id of the entry this write undid. */
  readonly undoOf?: string;
  /** The batch this write was one subscription of (absent in files written before batches were grouped). */
  readonly batchId?: string;
}

/** Failure texts are the api's sentences; a bound keeps a pathological one from bloating the file. */
const MAX_FAILURE_CHARS = 500;

/** The history entry of a write the store made; the gate's `environment` comes from outside the store. */
export function entryFromRecord(record: WriteRecord, extra: { environment?: string | undefined; id?: string } = {}): HistoryEntry {
  const { plan, before, after, outcome } = record;
  const putValue = new Map(plan.putEntries.map((e) => [e.key, e.value] as const));
  const keysOf = { put: plan.putEntries.map((e) => e.key), delete: [...plan.deleteKeys] };
  const landed = (call: 'put' | 'delete'): boolean =>
    keysOf[call].every((key) => (call === 'put' ? hasKey(after, key) && after[key] === putValue.get(key) : !hasKey(after, key)));
  // The store says how each call ended when it knows (a PUT and a DELETE sent together may end differently).
  // Otherwise the calls went in the plan's order and the first failure stopped the rest: the first one that did not
  // land is the one that failed, any after it was never sent.
  const order = (plan.deleteFirst ? (['delete', 'put'] as const) : (['put', 'delete'] as const)).filter((c) => keysOf[c].length > 0);
  const states = new Map<'put' | 'delete', CallOutcome>();
  let failedYet = false;
  for (const call of order) {
    const told = record.calls?.[call];
    if (told !== undefined) states.set(call, told);
    else if (outcome === 'done' || (!failedYet && landed(call))) states.set(call, 'done');
    else if (!failedYet) {
      failedYet = true;
      states.set(call, record.uncertain ? 'uncertain' : 'failed');
    } else states.set(call, 'notSent');
  }
  const changes = order
    .flatMap((call) => keysOf[call].map((key): HistoryChange => {
      const was = valueAt(before, key);
      const value = putValue.get(key);
      return { key, call, ...(was === undefined ? {} : { before: was }), ...(call === 'put' && value !== undefined ? { after: value } : {}), state: states.get(call) ?? 'done' };
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    id: extra.id ?? randomUUID(),
    at: record.at,
    idGate: record.ref.idGate,
    ...(extra.environment ? { environment: extra.environment } : {}),
    idSubscription: record.ref.idSubscription,
    origin: record.origin,
    outcome,
    changes,
    ...(record.failure !== undefined && outcome !== 'done' ? { failure: record.failure.slice(0, MAX_FAILURE_CHARS) } : {}),
    ...(record.undoOf ? { undoOf: record.undoOf } : {}),
    ...(record.batchId ? { batchId: record.batchId } : {}),
  };
}

/**
 * What the write changed, for core's undoCheck/undoPlan: each key before, and what the write left. A key whose
 * call may have been applied counts as left at the written value: undo then checks the server and asks if it holds
 * anything else. A key whose call failed or was never sent changed nothing and is not part of the undo.
 */
export function writtenChange(entry: HistoryEntry): WrittenChange {
  let before: Db = {};
  let after: Db = {};
  for (const change of entry.changes) {
    if (change.before !== undefined) before = withEntry(before, change.key, change.before);
    const left = change.state === 'done' || change.state === 'uncertain' ? change.after : change.before;
    if (left !== undefined) after = withEntry(after, change.key, left);
  }
  return { before, after };
}

/** The touched keys before the write and as the server held them after it, as far as known: the diff's two sides. */
export function entrySides(entry: HistoryEntry): { before: Db; after: Db } {
  let before: Db = {};
  let after: Db = {};
  for (const change of entry.changes) {
    if (change.before !== undefined) before = withEntry(before, change.key, change.before);
    const known = change.state === 'done' ? change.after : change.before;
    if (known !== undefined) after = withEntry(after, change.key, known);
  }
  return { before, after };
}

/** True when the write left (or may have left) something on the server that an undo could put back. */
export function isUndoable(entry: HistoryEntry): boolean {
  return entry.changes.some((c) => c.state === 'done' || c.state === 'uncertain');
}

/** The ids of entries a later undo brought back (fully or in part). */
export function undoneIds(entries: readonly HistoryEntry[]): Set<string> {
  return new Set(entries.filter((e) => e.undoOf !== undefined && e.outcome !== 'failed').map((e) => e.undoOf as string));
}
