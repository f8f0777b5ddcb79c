import * as l10n from '@vscode/l10n';
import { sameAt, valueAt, type DbValue } from '../core/db';
import type { SavePlan } from '../core/savePlan';
import { hostOf } from '../api/baseUrl';
import { showKey, showValue as showDbValue } from '../core/limits';
import { escapeInvisible } from '../core/visible';
import type { SaveOrigin, SaveReview } from '../db/dbStore';
import type { Environment } from '../gates/environment';
import type { Gate } from '../gates/environment';
import type { ConfirmWrites } from '../settings';

// Pure (no vscode), so the wording of the review is tested without an editor (test/unit/reviewText.test.ts).


/** The review's modal: a one-line question and the exact plan below it. */
export interface ReviewText {
  readonly message: string;
  readonly detail: string;
}

/** Longest value shown in the modal; the diff shows every value whole. */
const MAX_SHOWN = 80;

/**
 * Whether a write to a gate of this environment is shown for review first, under the `logup.confirmWrites` setting.
 * An agent's proposal to production is always reviewed: `never` is the person's choice for their own saves, not
 * for writes a language model asked for.
 */
export function reviewApplies(setting: ConfirmWrites, environment: Environment, origin?: SaveOrigin): boolean {
  if (origin === 'agent' && environment === 'production') return true;
  if (setting === 'never') return false;
  return setting === 'always' || environment === 'production';
}

/** What asked for the write, in the review's words (a function: translated when shown, not when the module loads). */
function originText(origin: SaveOrigin): string {
  switch (origin) {
    case 'editor': return l10n.t('From: a save in the JSON editor');
    case 'tree': return l10n.t('From: an action in the LogUp view');
    case 'undo': return l10n.t('From: Undo');
    case 'import': return l10n.t('From: an import');
    case 'batch': return l10n.t('From: Apply Change to Subscriptions');
    case 'agent': return l10n.t("From: an agent's proposal (logup_proposeChange)");
  }
}

/**
 * The review of one write: the gate and its environment, the subscription, what asked for the write, then each key
 * deleted with its value on the server now, and each key set with its value now (or "new") and the value it gets.
 */
export function describeReview(review: SaveReview, gate: Gate): ReviewText {
  const { ref, plan, server } = review;
  const message = gate.environment === 'production'
    ? l10n.t('Write to PRODUCTION: {0} on {1}?', ref.idSubscription, gate.label)
    : l10n.t('Write to {0} on {1} ({2})?', ref.idSubscription, gate.label, gate.environment);
  const lines = [
    gate.label === gate.idGate
      ? l10n.t('Gate: {0}, {1}, {2}', gate.label, gate.environment, hostOf(gate.baseUrl))
      : l10n.t('Gate: {0} ({1}), {2}, {3}', gate.label, gate.idGate, gate.environment, hostOf(gate.baseUrl)),
    l10n.t('Subscription: {0}', ref.idSubscription),
    originText(review.origin),
    ...changedSince(review),
  ];
  if (plan.deleteKeys.length > 0) {
    lines.push('', plan.deleteKeys.length === 1 ? l10n.t('Delete 1 key:') : l10n.t('Delete {0} keys:', plan.deleteKeys.length));
    for (const key of plan.deleteKeys) lines.push(`  ${quoteKey(key)}: ${showValue(valueAt(server, key))}`);
  }
  if (plan.putEntries.length > 0) {
    lines.push('', plan.putEntries.length === 1 ? l10n.t('Set 1 key:') : l10n.t('Set {0} keys:', plan.putEntries.length));
    for (const { key, value } of plan.putEntries) {
      const now = valueAt(server, key);
      lines.push(`  ${quoteKey(key)}: ${now === undefined ? l10n.t({ message: 'new', comment: ['Stands for the old value of a key the write adds, as in "score": new → 42.'] }) : showValue(now)} → ${showValue(value)}`);
    }
  }
  lines.push('', l10n.t('Nothing is sent until you choose Save.'));
  return { message, detail: lines.join('\n') };
}

/**
 * When the review is shown again (a read after Save found the server changed), what changed since the person chose
 * Save: each key of either plan whose value on the server changed, and each key no longer or newly sent.
 */
function changedSince(review: SaveReview): string[] {
  const { previous } = review;
  if (!previous) return [];
  const before = planned(previous.plan);
  const now = planned(review.plan);
  const lines: string[] = [];
  for (const key of [...new Set([...before.keys(), ...now.keys()])].sort()) {
    if (!sameAt(previous.server, review.server, key)) {
      lines.push(`  ${l10n.t('{0}: on the server {1} → {2}', quoteKey(key), showValue(valueAt(previous.server, key)), showValue(valueAt(review.server, key)))}`);
    } else if (!now.has(key)) {
      lines.push(`  ${l10n.t('{0}: no longer sent', quoteKey(key))}`);
    } else if (before.get(key) !== now.get(key)) {
      lines.push(`  ${l10n.t('{0}: now sent as shown below', quoteKey(key))}`);
    }
  }
  return ['', l10n.t('Shown again: the server changed after you chose Save. Since then:'), ...lines];
}

/** Each key the plan sends, with what it sends ('delete' for a deletion). */
function planned(plan: SavePlan): Map<string, string> {
  const keys = new Map<string, string>();
  for (const key of plan.deleteKeys) keys.set(key, 'delete');
  for (const { key, value } of plan.putEntries) keys.set(key, `put ${JSON.stringify(value)}`);
  return keys;
}

function quoteKey(key: string): string {
  return escapeInvisible(showKey(key));
}

/** A value as the review shows it: JSON, invisible characters escaped, cut at MAX_SHOWN (core/limits.ts, one rule). */
function showValue(value: DbValue | undefined): string {
  return value === undefined ? l10n.t({ message: 'nothing', comment: ['Stands for the value of a key the server does not hold.'] }) : showDbValue(value, MAX_SHOWN);
}
