// "LogUp: Find Subscription…" decides what matches here, without vscode, so the picker and the tests share one rule.
import * as l10n from '@vscode/l10n';
import type { Db, DbValue } from './db';

/** An opened subscription as Find sees it; `db` only when the store has loaded it (Find never reads the server). */
export interface SearchCandidate {
  readonly idGate: string;
  readonly gateLabel: string;
  readonly idSubscription: string;
  readonly idActor?: string | undefined;
  readonly db?: Db | undefined;
}

/** How an entry reads in Find, and what a `key=value` term is matched against: strings as they are, others as JSON. */
export function entryText(key: string, value: DbValue): string {
  return `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

/**
 * True when every whitespace-separated term of `query` occurs, ignoring case, in the subscription id, the actor id,
 * the gate's id or label, or one `key=value` entry of the loaded DB. `plan=pro` finds the subscriptions whose `plan`
 * is `pro` (or `professional`); `acr_` finds every subscription with a known actor. An empty query matches all.
 */
export function matchesQuery(candidate: SearchCandidate, query: string): boolean {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const fields = [candidate.idSubscription, candidate.idActor ?? '', candidate.idGate, candidate.gateLabel,
    ...Object.keys(candidate.db ?? {}).map((key) => entryText(key, (candidate.db as Db)[key] as DbValue))].map((f) => f.toLowerCase());
  return terms.every((term) => fields.some((field) => field.includes(term)));
}

/** The candidates that match, in their order. */
export function searchSubscriptions<T extends SearchCandidate>(candidates: readonly T[], query: string): T[] {
  return candidates.filter((c) => matchesQuery(c, query));
}

/** The loaded DB in one line for the picker, entries sorted by key, cut at `maxChars`. */
export function summarizeDb(db: Db, maxChars = 160): string {
  const keys = Object.keys(db).sort();
  if (keys.length === 0) return l10n.t('Empty DB');
  const text = keys.map((key) => entryText(key, db[key] as DbValue)).join('  ·  ');
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
