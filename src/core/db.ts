/** A value the LogUp DB accepts: a string, a boolean or a safe integer. */
export type DbValue = string | number | boolean;

/** A subscription's DB: a flat key → value map. */
export type Db = Record<string, DbValue>;

/** One `{key, value}` item of a PUT body. */
export interface DbEntry {
  readonly key: string;
  readonly value: DbValue;
}

/** The API's limits, as decided in docs/api.md (applied client-side before any request). */
export const DB_LIMITS = {
  maxKeys: 20,
  /** Unicode code points. */
  maxKeyLength: 32,
  /** UTF-8 bytes of a string value. */
  maxValueBytes: 1024,
} as const;

// DB keys are user data: `constructor`, `toString` or `__proto__` are ordinary keys. Reading `db[key]` without an
// own-property check would find Object.prototype's members, and assigning `db['__proto__']` would set the prototype.

/** True when `key` is one of the DB's own keys (never an inherited Object member such as `constructor`). */
export function hasKey(db: Db, key: string): boolean {
  return Object.hasOwn(db, key);
}

/** The value of `key`, or undefined when the DB has no such own key. */
export function valueAt(db: Db, key: string): DbValue | undefined {
  return hasKey(db, key) ? db[key] : undefined;
}

/** True when `key` is absent from both DBs, or present in both with the same value and type (`1` ≠ `"1"`). */
export function sameAt(a: Db, b: Db, key: string): boolean {
  return hasKey(a, key) ? hasKey(b, key) && a[key] === b[key] : !hasKey(b, key);
}

/** A copy of `db` with `key` set to `value`, or deleted when `value` is undefined; `__proto__` stays a plain key. */
export function withEntry(db: Db, key: string, value: DbValue | undefined): Db {
  const copy = Object.fromEntries(Object.entries(db)) as Db;
  if (value === undefined) delete copy[key];
  else Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}
