// The words of the write history (the History view, the undo question): what each key became, how far its call got,
// how the write as a whole ended. Pure, so their wording is unit-tested (test/unit/historyEntry.test.ts).
import * as l10n from '@vscode/l10n';
import type { DbValue } from './db';
import { showValue } from './limits';
import type { CallOutcome } from './savePlan';

/** One key a write deleted or set. */
export interface HistoryChange {
  readonly key: string;
  readonly call: 'put' | 'delete';
  /** The value before the write; absent: the key did not exist. */
  readonly before?: DbValue;
  /** The value the write set; absent for a deletion. */
  readonly after?: DbValue;
  /** How far the call of this key got. */
  readonly state: CallOutcome;
}

/** What the words read of a recorded write (history/historyEntry.ts's HistoryEntry fits). */
export interface WrittenKeys {
  /** Who asked for the write (an undo is worded as one). */
  readonly origin: string;
  /** done: every call succeeded; partial: one succeeded and a later one failed; failed: none is known to have landed. */
  readonly outcome: 'done' | 'partial' | 'failed';
  readonly changes: readonly HistoryChange[];
}

/** A key's value before or after a write as the History view shows it (core's showValue), or "(none)" where it had none. */
export function shownValue(value: DbValue | undefined, max?: number): string {
  return value === undefined ? l10n.t('(none)') : showValue(value, max);
}

/** "36 → 37", "added 7", "deleted (was "pro")". */
export function changeText(change: HistoryChange): string {
  if (change.call === 'delete') return l10n.t('deleted (was {0})', shownValue(change.before));
  if (change.before === undefined) return l10n.t('added {0}', shownValue(change.after));
  return `${shownValue(change.before)} → ${shownValue(change.after)}`;
}

/** What happened to a key whose call did not succeed; empty for a done one. */
export function stateText(state: CallOutcome): string {
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
export function entrySummary(entry: WrittenKeys): string {
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
export function failedCall(entry: Pick<WrittenKeys, 'changes'>): string | undefined {
  const failed = entry.changes.filter((c) => c.state === 'failed' || c.state === 'uncertain');
  const call = failed[0]?.call;
  if (call === undefined) return undefined;
  const method = call === 'put' ? 'PUT' : 'DELETE';
  return failed.length === 1 ? l10n.t('the {0} of 1 key', method) : l10n.t('the {0} of {1} keys', method, failed.length);
}

/** "done", "partly done: the DELETE of 1 key failed", "failed: the PUT of 2 keys failed (may have been applied)". */
export function outcomeText(entry: Pick<WrittenKeys, 'outcome' | 'changes'>): string {
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
