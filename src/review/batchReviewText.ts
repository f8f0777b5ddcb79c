import * as l10n from '@vscode/l10n';
import { describeBatchChange, type BatchChange } from '../core/batchChange';
import { countStates, STATE_ORDER, stateLabel, type BatchRow } from '../core/batchReport';
import type { Environment } from '../gates/environment';
import type { ConfirmWrites } from '../settings';
import type { Gate } from '../gates/environment';
import { reviewApplies, type ReviewText } from './reviewText';

// Pure (no vscode), so the wording of the batch review is tested without an editor (test/unit/batchReview.test.ts).

/** A batch is reviewed on production always, whatever the setting; elsewhere as `logup.confirmWrites` says. */
export function batchReviewApplies(setting: ConfirmWrites, environment: Environment): boolean {
  return environment === 'production' || reviewApplies(setting, environment);
}

/**
 * The one review of a batch: the gate and its environment, how many subscriptions change (of how many), each part
 * of the change with the number of subscriptions it changes, and the others by state.
 */
export function describeBatchReview(gate: Gate, change: BatchChange, rows: readonly BatchRow[], undo = false): ReviewText {
  const changing = rows.filter((r) => r.state === 'change');
  const message = gate.environment === 'production'
    ? l10n.t('Apply to PRODUCTION: change {0} of {1} subscriptions on {2}?', changing.length, rows.length, gate.label)
    : l10n.t('Change {0} of {1} subscriptions on {2} ({3})?', changing.length, rows.length, gate.label, gate.environment);
  const perKey = new Map<string, number>();
  for (const row of changing) for (const c of row.changes ?? []) perKey.set(c.key, (perKey.get(c.key) ?? 0) + 1);
  const lines = [
    gate.label === gate.idGate
      ? l10n.t('Gate: {0}, {1}', gate.label, gate.environment)
      : l10n.t('Gate: {0} ({1}), {2}', gate.label, gate.idGate, gate.environment),
    l10n.t('From: Apply Change to Subscriptions'),
    '',
    undo ? l10n.t('Undoes the batch change:') : l10n.t('Change:'),
    ...describeBatchChange(change).map((line) => `  ${line}`),
    '',
    l10n.t('Keys written:'),
    ...[...perKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, n]) => `  ${JSON.stringify(key)}: ${n === 1 ? l10n.t('1 subscription') : l10n.t('{0} subscriptions', n)}`),
  ];
  const counts = countStates(rows);
  const others = STATE_ORDER.filter((s) => s !== 'change' && counts.has(s));
  if (others.length > 0) {
    lines.push('', l10n.t('Not written by this run:'));
    for (const s of others) lines.push(`  ${stateLabel(s)}: ${counts.get(s) ?? 0}`);
  }
  lines.push('', l10n.t('Each subscription is read again right before its write; a key changed since this dry run is skipped as a conflict.'), l10n.t('Nothing is sent until you choose Apply.'));
  return { message, detail: lines.join('\n') };
}
