// One write as the history keeps it, and what is read from it: the keys it touched, how far it got, what undoing
// it would start from. No `vscode` import: unit-tested with node:test.
import { randomUUID } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import { hasKey, valueAt, withEntry, type Db, type DbValue } from '../core/db';
import type { WrittenChange } from '../core/undo';
import type { SaveOrigin, WriteRecord } from '../db/dbStore';

/** How far one key of a write got: its call succeeded, failed (not applied), may have been applied, or was never sent. */
export type ChangeState = 'done' | 'failed' | 'uncertain' | 'notSent';

/** One key a write deleted or set. */
export interface HistoryChange {
  readonly key: string;
  readonly call: 'put' | 'delete';
  /** The value before the write; absent: the key did not exist. */
  readonly before?: DbValue;
  /** The value the write set; absent for a deletion. */
  readonly after?: DbValue;
  readonly state: ChangeState;
}

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
  const states = new Map<'put' | 'delete', ChangeState>();
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

// ---- words ---------------------------------------------------------------------------------------------------

/** A value as JSON, cut short for a one-line label. */
export function showValue(value: DbValue | undefined, max = 40): string {
  if (value === undefined) return l10n.t('(none)');
  const text = JSON.stringify(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** "36 → 37", "added 7", "deleted (was "pro")". */
export function changeText(change: HistoryChange): string {
  if (change.call === 'delete') return l10n.t('deleted (was {0})', showValue(change.before));
  if (change.before === undefined) return l10n.t('added {0}', showValue(change.after));
  return `${showValue(change.before)} → ${showValue(change.after)}`;
}

/** What happened to a key whose call did not succeed; empty for a done one. */
export function stateText(state: ChangeState): string {
  switch (state) {
    case 'done':
      return '';
    case 'failed':
      return l10n.t('failed, not applied');
    case 'uncertain':
      return l10n.t('failed, may have been applied');
    case 'notSent':
      return l10n.t('not sent');
  }
}

/** A short line for the entry: "Set age, score; deleted plan", prefixed for undos and writes that did not finish. */
export function entrySummary(entry: HistoryEntry): string {
  const list = (keys: string[]): string => (keys.length <= 3 ? keys.join(', ') : l10n.t('{0} and {1} more', keys.slice(0, 2).join(', '), keys.length - 2));
  const set = list(entry.changes.filter((c) => c.call === 'put').map((c) => c.key));
  const deleted = list(entry.changes.filter((c) => c.call === 'delete').map((c) => c.key));
  const prefixed = entry.outcome === 'failed' || entry.outcome === 'partial' || entry.origin === 'undo';
  // After "Failed: " the summary starts in lower case, on its own with a capital: a variant of each for translators.
  const what = set !== '' && deleted !== ''
    ? (prefixed ? l10n.t('set {0}; deleted {1}', set, deleted) : l10n.t('Set {0}; deleted {1}', set, deleted))
    : set !== ''
      ? (prefixed ? l10n.t('set {0}', set) : l10n.t('Set {0}', set))
      : deleted !== ''
        ? (prefixed ? l10n.t('deleted {0}', deleted) : l10n.t('Deleted {0}', deleted))
        : (prefixed ? l10n.t('no change') : l10n.t('No change'));
  if (entry.outcome === 'failed') return l10n.t('Failed: {0}', what);
  if (entry.outcome === 'partial') return l10n.t('Partly done: {0}', what);
  return entry.origin === 'undo' ? l10n.t('Undo: {0}', what) : what;
}

/** The call that failed, e.g. "the PUT of 2 keys", or undefined for a write that was done. */
export function failedCall(entry: HistoryEntry): string | undefined {
  const failed = entry.changes.filter((c) => c.state === 'failed' || c.state === 'uncertain');
  const call = failed[0]?.call;
  if (call === undefined) return undefined;
  const method = call === 'put' ? 'PUT' : 'DELETE';
  return failed.length === 1 ? l10n.t('the {0} of 1 key', method) : l10n.t('the {0} of {1} keys', method, failed.length);
}

/** "done", "partly done: the DELETE of 1 key failed", "failed: the PUT of 2 keys failed (may have been applied)". */
export function outcomeText(entry: HistoryEntry): string {
  if (entry.outcome === 'done') return l10n.t('done');
  const call = failedCall(entry);
  const uncertain = entry.changes.some((c) => c.state === 'uncertain');
  if (entry.outcome === 'partial') {
    if (call === undefined) return l10n.t('partly done');
    return uncertain ? l10n.t('partly done: {0} failed (may have been applied)', call) : l10n.t('partly done: {0} failed', call);
  }
  if (call === undefined) return l10n.t('failed');
  return uncertain ? l10n.t('failed: {0} failed (may have been applied)', call) : l10n.t('failed: {0} failed', call);
}
