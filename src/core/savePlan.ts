import * as l10n from '@vscode/l10n';
import { DB_LIMITS, hasKey, type Db, type DbEntry, type DbValue } from './db';
import { isSent, keyCountAllowed, keyProblem, plural, showKey, valueProblem } from './limits';

/** The write calls that turn the DB the server holds (base) into the edited one. */
export interface SavePlan {
  /** Keys for one DELETE call, sorted; empty means no DELETE. */
  readonly deleteKeys: readonly string[];
  /** Entries for one PUT call, sorted by key; empty means no PUT. */
  readonly putEntries: readonly DbEntry[];
  /** Send the DELETE before the PUT; only when putting first would transiently hold more than 20 keys. */
  readonly deleteFirst: boolean;
}

/**
 * How far one call of a write got: done; failed (not applied); uncertain (may have been applied: a timeout, a dropped
 * connection, a 5xx); notSent (the DELETE had to come first and failed, so the PUT was not sent).
 */
export type CallOutcome = 'done' | 'failed' | 'uncertain' | 'notSent';

/** Plans the fewest write calls from `base` to `edited`; unchanged keys are sent nowhere. */
export function planSave(base: Db, edited: Db): SavePlan {
  const deleteKeys = Object.keys(base).filter((k) => !hasKey(edited, k)).sort();
  const putEntries: DbEntry[] = Object.keys(edited)
    .filter((k) => isSent(base, k, edited[k]))
    .sort()
    .map((key) => ({ key, value: edited[key] as DbValue }));
  const added = putEntries.filter((e) => !hasKey(base, e.key)).length;
  // PUT first is safer (a DELETE that fails afterwards loses nothing), unless the server would briefly hold too many keys.
  const deleteFirst = deleteKeys.length > 0 && putEntries.length > 0 && !keyCountAllowed(Object.keys(base).length + added, true);
  return { deleteKeys, putEntries, deleteFirst };
}

/** The same calls with the same keys and values (type-sensitive), in the same order. */
export function samePlan(a: SavePlan, b: SavePlan): boolean {
  return a.deleteFirst === b.deleteFirst
    && a.deleteKeys.length === b.deleteKeys.length && a.deleteKeys.every((k, i) => b.deleteKeys[i] === k)
    && a.putEntries.length === b.putEntries.length && a.putEntries.every((e, i) => b.putEntries[i]?.key === e.key && b.putEntries[i]?.value === e.value);
}

/** True when the plan sends no write call at all. */
export function isEmptyPlan(plan: SavePlan): boolean {
  return plan.deleteKeys.length === 0 && plan.putEntries.length === 0;
}

/** The DB the server holds after both calls of the plan succeed, in the plan's order. */
export function applyPlan(base: Db, plan: SavePlan): Db {
  const result: Db = copyDb(base);
  const del = (): void => {
    for (const key of plan.deleteKeys) delete result[key];
  };
  const put = (): void => {
    for (const { key, value } of plan.putEntries) setOwn(result, key, value);
  };
  if (plan.deleteFirst) {
    del();
    put();
  } else {
    put();
    del();
  }
  return result;
}

/** Same keys with the same values; type-sensitive, so `1` and `"1"` differ. */
export function dbEquals(a: Db, b: Db): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => hasKey(b, k) && a[k] === b[k]);
}

/** A short phrase for a log line, e.g. "delete 2 keys and add or change 3 keys" (English: the log is for support). */
export function describePlan(plan: SavePlan): string {
  const parts: string[] = [];
  if (plan.deleteKeys.length > 0) parts.push(`delete ${plural(plan.deleteKeys.length, 'key')}`);
  if (plan.putEntries.length > 0) parts.push(`add or change ${plural(plan.putEntries.length, 'key')}`);
  if (parts.length === 0) return 'no change';
  return parts.join(' and ');
}

/**
 * Every limit one of the plan's requests would break, in order; empty when the plan is safe to send. Only what the
 * plan sends is checked (the PUT's keys and values, and the key count right after the PUT, in the plan's order),
 * never the keys it leaves alone, so a plan that only deletes is always allowed (the same rules as a document
 * checked with a base). A plan that lists a key twice or both puts and deletes it is refused as malformed.
 */
export function planProblems(base: Db, plan: SavePlan): string[] {
  const problems: string[] = [];
  const putKeys = new Set<string>();
  for (const { key, value } of plan.putEntries) {
    if (putKeys.has(key)) problems.push(l10n.t('PUT lists key {0} twice.', showKey(key)));
    putKeys.add(key);
    const kp = keyProblem(key);
    if (kp !== undefined) problems.push(l10n.t('PUT: {0}', kp.message));
    const vp = valueProblem(value);
    if (vp !== undefined) problems.push(l10n.t('PUT of key {0}: {1}', showKey(key), vp));
  }
  const deleteKeys = new Set<string>();
  for (const key of plan.deleteKeys) {
    if (deleteKeys.has(key)) problems.push(l10n.t('DELETE lists key {0} twice.', showKey(key)));
    deleteKeys.add(key);
    if (putKeys.has(key)) problems.push(l10n.t('Key {0} is both put and deleted; the result depends on the order.', showKey(key)));
  }

  // Replays the calls in order: what counts is the key count the server holds right after the PUT.
  const held = new Set(Object.keys(base));
  if (plan.deleteFirst) deleteKeys.forEach((k) => held.delete(k));
  putKeys.forEach((k) => held.add(k));
  if (!keyCountAllowed(held.size, putKeys.size > 0)) {
    // The fewest keys this PUT could leave: with every deletion of the plan sent before it.
    const least = [...held].filter((k) => putKeys.has(k) || !deleteKeys.has(k)).length;
    const extra = least - DB_LIMITS.maxKeys;
    const over = l10n.t('After the PUT the server would hold {0} keys; LogUp allows at most {1}.', held.size, DB_LIMITS.maxKeys);
    const how = extra <= 0
      ? l10n.t('To add or change keys, send the DELETE first.')
      : extra === 1
        ? l10n.t('To add or change keys, delete 1 more key in the same save.')
        : l10n.t('To add or change keys, delete {0} more keys in the same save.', extra);
    problems.push(`${over} ${how}`);
  }
  return problems;
}

/** Copies a DB keeping every key an own data property (plain assignment would treat `__proto__` as the prototype). */
function copyDb(db: Db): Db {
  return Object.fromEntries(Object.entries(db)) as Db;
}

function setOwn(db: Db, key: string, value: DbValue): void {
  Object.defineProperty(db, key, { value, enumerable: true, writable: true, configurable: true });
}
