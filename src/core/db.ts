/** A value the LogUp DB accepts: a string, a boolean or a safe integer. */
export type DbValue = string | number | boolean;

/** A subscription's DB: a flat key → value map. */
export type Db = Record<string, DbValue>;

/** One `{key, value}` item of a PUT body. */
export interface DbEntry {
  readonly key: string;
  readonly value: DbValue;
}

/** The API's limits, as decided in logup-api.md (applied client-side before any request). */
export const DB_LIMITS = {
  maxKeys: 20,
  /** Unicode code points. */
  maxKeyLength: 32,
  /** UTF-8 bytes of a string value. */
  maxValueBytes: 1024,
} as const;
