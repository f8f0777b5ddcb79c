import { hasKey, sameAt, type Db, type DbValue } from './db';
import { planSave, type SavePlan } from './savePlan';

/** One key the user added, changed (value or type) or deleted; `before`/`after` are absent where the key was. */
export interface KeyChange {
  readonly key: string;
  readonly kind: 'added' | 'changed' | 'deleted';
  readonly before?: DbValue;
  readonly after?: DbValue;
}

/**
 * What a save of `ours` does with the server's DB now: either the plan that sends the user's change (and the DB
 * the server holds after it), or the keys both the user and someone else changed differently since `base`.
 */
export type MergeResult =
  | { readonly kind: 'merged'; readonly plan: SavePlan; readonly result: Db }
  | { readonly kind: 'conflict'; readonly keys: readonly string[] };

/** The change from `base` to `ours`, one entry per key added, changed or deleted, sorted by key (code units). */
export function describeChange(base: Db, ours: Db): KeyChange[] {
  const keys = new Set([...Object.keys(base), ...Object.keys(ours)]);
  return [...keys].filter((key) => !sameAt(base, ours, key)).sort().map((key): KeyChange => {
    if (!hasKey(base, key)) return { key, kind: 'added', after: ours[key] as DbValue };
    if (!hasKey(ours, key)) return { key, kind: 'deleted', before: base[key] as DbValue };
    return { key, kind: 'changed', before: base[key] as DbValue, after: ours[key] as DbValue };
  });
}

/**
 * Three-way merge of a save: `base` is the DB the editor last loaded or saved, `theirs` the server's DB now, `ours`
 * what the user saves. Only the user's change (base → ours) is sent, and only for keys the server has not changed
 * since base; a key the server already changed to exactly the user's value (or deletion) needs nothing. A key both
 * changed differently is a conflict. Keys only the server added or changed are never reverted or deleted.
 * The merged plan still has to pass planProblems(theirs, plan): the server's own additions count towards 20 keys.
 */
export function mergeSave(base: Db, theirs: Db, ours: Db): MergeResult {
  const conflicts: string[] = [];
  const result = new Map(Object.entries(theirs));
  for (const { key, kind, after } of describeChange(base, ours)) {
    if (sameAt(theirs, base, key)) {
      if (kind === 'deleted') result.delete(key);
      else result.set(key, after as DbValue);
    } else if (!sameAt(theirs, ours, key)) {
      conflicts.push(key);
    }
  }
  if (conflicts.length > 0) return { kind: 'conflict', keys: conflicts };
  // Object.fromEntries defines own properties, so a `__proto__` key stays a key.
  const merged = Object.fromEntries(result) as Db;
  // The plan from theirs to the merged DB is exactly the user's change still to send, ordered against theirs.
  return { kind: 'merged', plan: planSave(theirs, merged), result: merged };
}
