import * as l10n from '@vscode/l10n';
import type { DbValue } from './db';
import { showKey } from './limits';
import type { KeyChange } from './merge';

/**
 * Where one subscription of a batch stands. The dry run ends each in `change`, `already`, `refused`, `conflict`,
 * `notFound` or `failed` (its read failed); the run in `done`, `already`, `refused`, `conflict`, `notFound`,
 * `failed`, `partial` (a call landed, a later one failed) or `cancelled` (not started: the person cancelled first).
 * An undo's check leaves `skipped` where every key changed since the batch and the person chose to skip them.
 */
export type BatchState = 'change' | 'done' | 'already' | 'partial' | 'conflict' | 'skipped' | 'refused' | 'notFound' | 'failed' | 'cancelled';

/** One subscription's line of the summary and of the report. */
export interface BatchRow {
  readonly idSubscription: string;
  readonly state: BatchState;
  /** The keys it changes (or changed), old → new. */
  readonly changes?: readonly KeyChange[];
  /** Why it was refused, failed or is a conflict: the exact limit or error, as one sentence. */
  readonly detail?: string;
}

/** The order of the summary's sections and totals. */
export const STATE_ORDER: readonly BatchState[] = ['change', 'done', 'already', 'partial', 'conflict', 'skipped', 'refused', 'notFound', 'failed', 'cancelled'];

/** The words for a state (a function: translated when shown, not when the module loads). */
export function stateLabel(state: BatchState): string {
  switch (state) {
    case 'change': return l10n.t('will change');
    case 'done': return l10n.t('changed');
    case 'already': return l10n.t('already so');
    case 'partial': return l10n.t('partly changed');
    case 'conflict': return l10n.t('conflict');
    case 'skipped': return l10n.t('skipped (changed since)');
    case 'refused': return l10n.t('refused');
    case 'notFound': return l10n.t('not found');
    case 'failed': return l10n.t('failed');
    case 'cancelled': return l10n.t('not started (cancelled)');
  }
}

/** True for the states in which something was written to the subscription: all of the change, or part of it. */
export function wroteTo(state: BatchState): boolean {
  return state === 'done' || state === 'partial';
}

/** How many subscriptions are in each state. */
export function countStates(rows: readonly BatchRow[]): Map<BatchState, number> {
  const counts = new Map<BatchState, number>();
  for (const { state } of rows) counts.set(state, (counts.get(state) ?? 0) + 1);
  return counts;
}

/** `3 will change, 1 already so`: every state that occurs, in STATE_ORDER. */
export function totalsLine(rows: readonly BatchRow[]): string {
  return countsLine(countStates(rows));
}

/** The same line from counts by state (a state counted 0 is left out). */
export function countsLine(counts: ReadonlyMap<BatchState, number>): string {
  return STATE_ORDER.filter((s) => (counts.get(s) ?? 0) > 0).map((s) => `${counts.get(s) ?? 0} ${stateLabel(s)}`).join(', ');
}

function showValue(value: DbValue | undefined): string {
  return value === undefined ? l10n.t('(none)') : JSON.stringify(value);
}

/** `"plan": "free" → "pro"`, `"trial": true → (deleted)`, `"score": (new) → 3`. */
export function describeKeyChange(change: KeyChange): string {
  const before = change.before === undefined ? l10n.t('(new)') : showValue(change.before);
  const after = change.after === undefined ? l10n.t('(deleted)') : showValue(change.after);
  return `${showKey(change.key)}: ${before} → ${after}`;
}

/**
 * The summary document of a dry run or a run: the heading lines (the gate, the change), the totals, then one section
 * per state with each subscription and what it changes or why not. Plain text, so it reads the same anywhere.
 */
export function summaryText(heading: readonly string[], rows: readonly BatchRow[]): string {
  const lines = [...heading, '', l10n.t('Total: {0} subscriptions: {1}.', rows.length, totalsLine(rows))];
  for (const state of STATE_ORDER) {
    const inState = rows.filter((r) => r.state === state);
    if (inState.length === 0) continue;
    lines.push('', `## ${stateLabel(state)} (${inState.length})`);
    for (const row of inState) {
      const what = row.changes && row.changes.length > 0 ? row.changes.map(describeKeyChange).join('; ') : '';
      const parts = [what, row.detail ?? ''].filter((p) => p !== '');
      lines.push(parts.length > 0 ? `${row.idSubscription}: ${parts.join(' — ')}` : row.idSubscription);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The report as CSV: one row per key changed (or one row for a subscription with none), the same shape as the summary. */
export function reportCsv(rows: readonly BatchRow[]): string {
  const out = [['idSubscription', 'state', 'key', 'before', 'after', 'detail'].join(',')];
  for (const row of rows) {
    const changes = row.changes && row.changes.length > 0 ? row.changes : [undefined];
    for (const change of changes) {
      out.push([
        row.idSubscription,
        row.state,
        change?.key ?? '',
        change?.before === undefined ? '' : JSON.stringify(change.before),
        change?.after === undefined ? '' : JSON.stringify(change.after),
        row.detail ?? '',
      ].map(csvCell).join(','));
    }
  }
  return `${out.join('\r\n')}\r\n`;
}

/** Quotes a cell when needed; a cell a spreadsheet would run as a formula gets a leading `'`. */
export function csvCell(text: string): string {
  const safe = /^[=+@\t\r]|^-(?!\d)/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
