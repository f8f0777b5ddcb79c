import * as l10n from '@vscode/l10n';
import { DB_LIMITS, hasKey, valueAt, withEntry, type Db, type DbEntry, type DbValue } from './db';
import { keyProblem, showKey, valueProblem } from './limits';
import { describeChange, type KeyChange } from './merge';
import { isEmptyPlan, planProblems, planSave, type SavePlan } from './savePlan';

/**
 * One change for many subscriptions: set keys to values and delete keys (typed, or a change file
 * `{"set": {…}, "delete": […]}`), or rename a key keeping its value.
 */
export type BatchChange =
  | { readonly kind: 'edit'; readonly set: readonly DbEntry[]; readonly delete: readonly string[] }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string };

export type ChangeCheck = { readonly ok: true; readonly change: BatchChange } | { readonly ok: false; readonly message: string };

/**
 * What the change means for one subscription, planned with the rules of a save (savePlan.ts): `change` with the
 * keys it changes (old → new) and the plan's calls; `already` when nothing needs sending; `refused` with every
 * limit the save would break, in the words of a save; `conflict` for a rename onto a key the DB already has.
 */
export type SubscriptionPlan =
  | { readonly kind: 'change'; readonly changes: readonly KeyChange[]; readonly plan: SavePlan }
  | { readonly kind: 'already' }
  | { readonly kind: 'refused'; readonly problems: readonly string[] }
  | { readonly kind: 'conflict'; readonly keys: readonly string[]; readonly reason: string };

/** Checks a change before anything is read: every key and value against the limits, no key both set and deleted. */
export function checkChange(change: BatchChange): ChangeCheck {
  const problems: string[] = [];
  const keyOk = (key: string): void => {
    const problem = keyProblem(key);
    if (problem) problems.push(problem.message);
  };
  if (change.kind === 'rename') {
    keyOk(change.from);
    keyOk(change.to);
    if (change.from === change.to) problems.push(l10n.t('Renaming {0} to itself changes nothing; give it a new name.', showKey(change.from)));
  } else {
    if (change.set.length === 0 && change.delete.length === 0) problems.push(l10n.t('The change sets and deletes nothing. Name at least one key.'));
    const seen = new Set<string>();
    for (const { key, value } of change.set) {
      keyOk(key);
      const vp = valueProblem(value);
      if (vp !== undefined) problems.push(l10n.t('Key {0}: {1}', showKey(key), vp));
      seen.add(key);
    }
    if (seen.size > DB_LIMITS.maxKeys) problems.push(l10n.t('The change sets {0} keys; a DB holds at most {1}.', seen.size, DB_LIMITS.maxKeys));
    for (const key of change.delete) {
      keyOk(key);
      if (seen.has(key)) problems.push(l10n.t('Key {0} is both set and deleted; keep it in one of the two.', showKey(key)));
    }
  }
  return problems.length > 0 ? { ok: false, message: problems.join(' ') } : { ok: true, change };
}

/** Reads a change file: `{"set": {"plan": "pro"}, "delete": ["trial"]}`; values as in a DB document. */
export function parseChangeFile(text: string): ChangeCheck {
  const example = '{"set": {"plan": "pro"}, "delete": ["trial"]}';
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { ok: false, message: l10n.t('The change file is not valid JSON ({0}). Write it like {1}.', error instanceof Error ? error.message : String(error), example) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: l10n.t('The change file must be a JSON object like {0}.', example) };
  }
  const other = Object.keys(value).filter((k) => k !== 'set' && k !== 'delete');
  if (other.length > 0) return { ok: false, message: l10n.t('The change file may only have "set" and "delete"; remove {0}.', other.map((k) => JSON.stringify(k)).join(', ')) };
  const set = hasKey(value as Db, 'set') ? (value as { set: unknown }).set : {};
  const del = hasKey(value as Db, 'delete') ? (value as { delete: unknown }).delete : [];
  if (set === null || typeof set !== 'object' || Array.isArray(set)) return { ok: false, message: l10n.t('"set" must be an object of keys and values, e.g. {0}.', '{"plan": "pro"}') };
  if (!Array.isArray(del) || del.some((k) => typeof k !== 'string')) return { ok: false, message: l10n.t('"delete" must be an array of keys, e.g. {0}.', '["trial"]') };
  // Object.entries keeps `__proto__` from JSON.parse as an own key, so it stays an ordinary key here too.
  const entries = Object.entries(set as Record<string, unknown>).map(([key, v]) => ({ key, value: v as DbValue }));
  return checkChange({ kind: 'edit', set: entries, delete: [...new Set(del as string[])] });
}

/** The DB `db` becomes under the change (before any limit is checked). */
export function applyChange(change: BatchChange, db: Db): Db {
  let result = db;
  if (change.kind === 'rename') {
    if (!hasKey(db, change.from) || hasKey(db, change.to)) return db;
    result = withEntry(result, change.to, db[change.from]);
    return withEntry(result, change.from, undefined);
  }
  for (const key of change.delete) result = withEntry(result, key, undefined);
  for (const { key, value } of change.set) result = withEntry(result, key, value);
  return result;
}

/** Plans the change for one subscription's DB with the same rules as a save of the edited DB. */
export function planForSubscription(change: BatchChange, db: Db): SubscriptionPlan {
  if (change.kind === 'rename' && hasKey(db, change.from) && hasKey(db, change.to)) {
    return {
      kind: 'conflict',
      keys: [change.to],
      reason: l10n.t('It has {0} already (and {1}); nothing is renamed over an existing key.', showKey(change.to), showKey(change.from)),
    };
  }
  const edited = applyChange(change, db);
  const plan = planSave(db, edited);
  if (isEmptyPlan(plan)) return { kind: 'already' };
  const problems = planProblems(db, plan);
  if (problems.length > 0) return { kind: 'refused', problems };
  return { kind: 'change', changes: describeChange(db, edited), plan };
}

/** The DB a list of changes starts from, on the changed keys only: enough for the three-way merge of a save. */
export function changesBase(changes: readonly KeyChange[]): Db {
  let db: Db = {};
  for (const c of changes) if (c.before !== undefined) db = withEntry(db, c.key, c.before);
  return db;
}

/** What the changed keys become (a deleted key is absent). */
export function changesResult(changes: readonly KeyChange[]): Db {
  let db: Db = {};
  for (const c of changes) if (c.after !== undefined) db = withEntry(db, c.key, c.after);
  return db;
}

/** True when `db` already holds what `changes` make of their keys (so a write would send nothing). */
export function holdsChanges(db: Db, changes: readonly KeyChange[]): boolean {
  return changes.every((c) => (c.after === undefined ? !hasKey(db, c.key) : valueAt(db, c.key) === c.after));
}

/** The changes that take `changes` back: each key to its value before (a key added is deleted, one deleted is set). */
export function reverseChanges(changes: readonly KeyChange[]): KeyChange[] {
  return changes.map((c): KeyChange => {
    if (c.kind === 'added') return { key: c.key, kind: 'deleted', before: c.after as DbValue };
    if (c.kind === 'deleted') return { key: c.key, kind: 'added', after: c.before as DbValue };
    return { key: c.key, kind: 'changed', before: c.after as DbValue, after: c.before as DbValue };
  });
}

/** One line per part of the change, for the review and the summary: `set "plan" = "pro"`, `delete "trial"`. */
export function describeBatchChange(change: BatchChange): string[] {
  if (change.kind === 'rename') return [l10n.t('rename {0} to {1} (keeping its value)', showKey(change.from), showKey(change.to))];
  return [
    ...change.set.map(({ key, value }) => l10n.t('set {0} to {1}', showKey(key), JSON.stringify(value))),
    ...change.delete.map((key) => l10n.t('delete {0}', showKey(key))),
  ];
}
