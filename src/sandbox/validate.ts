// The sandbox's own reading of the DB limits in logup-api.md. It deliberately does not reuse the client's
// validator: a shared bug would then pass both sides unnoticed.
import { DB_LIMITS, type DbEntry, type DbValue } from '../core/db';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer outside the safe range' : 'a non-integer number';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
};

/** Shortens a key for messages so one absurd key cannot flood an error body. */
const show = (key: string): string => JSON.stringify([...key].length > 40 ? `${[...key].slice(0, 40).join('')}…` : key);

/** Checks one value against the decided types and size; returns an error message or undefined. */
export function checkValue(key: string, value: unknown): string | undefined {
  if (typeof value === 'string') {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > DB_LIMITS.maxValueBytes) {
      return `VALUE_TOO_LONG: the value of key ${show(key)} is ${bytes} bytes in UTF-8; the limit is ${DB_LIMITS.maxValueBytes} bytes`;
    }
    return undefined;
  }
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return undefined;
  return `INVALID_VALUE: the value of key ${show(key)} is ${describe(value)}; only strings, booleans and safe integers are accepted`;
}

/** Checks a key's shape; returns an error message or undefined. */
export function checkKey(key: string): string | undefined {
  if (key.length === 0) return 'INVALID_KEY: a key must not be empty';
  const length = [...key].length;
  if (length > DB_LIMITS.maxKeyLength) {
    return `KEY_TOO_LONG: key ${show(key)} is ${length} characters long; the limit is ${DB_LIMITS.maxKeyLength} characters`;
  }
  return undefined;
}

/** Validates a PUT body against the current DB; nothing is written unless this says ok. */
export function checkPutBody(body: unknown, current: ReadonlyMap<string, DbValue>): Checked<DbEntry[]> {
  if (!isRecord(body) || !Array.isArray(body.data)) {
    return fail('INVALID_BODY: expected {"data": [{"key": ..., "value": ...}, ...]}');
  }
  const entries: DbEntry[] = [];
  const seen = new Set<string>();
  for (const [index, item] of body.data.entries()) {
    if (!isRecord(item) || typeof item.key !== 'string' || !('value' in item)) {
      return fail(`INVALID_BODY: data[${index}] must be an object with a string "key" and a "value"`);
    }
    const key = item.key;
    const keyError = checkKey(key);
    if (keyError !== undefined) return fail(keyError);
    if (seen.has(key)) return fail(`DUPLICATE_KEY: key ${show(key)} appears more than once in data`);
    seen.add(key);
    const valueError = checkValue(key, item.value);
    if (valueError !== undefined) return fail(valueError);
    entries.push({ key, value: item.value as DbValue });
  }
  let after = current.size;
  for (const key of seen) if (!current.has(key)) after++;
  if (after > DB_LIMITS.maxKeys) {
    return fail(
      `TOO_MANY_KEYS: the DB would have ${after} keys after this update; the limit is ${DB_LIMITS.maxKeys} keys`,
    );
  }
  return { ok: true, value: entries };
}

/** Validates a DELETE body: `{keys: string[]}`. */
export function checkDeleteBody(body: unknown): Checked<string[]> {
  if (!isRecord(body) || !Array.isArray(body.keys) || !body.keys.every((k) => typeof k === 'string')) {
    return fail('INVALID_BODY: expected {"keys": ["key", ...]}');
  }
  return { ok: true, value: body.keys as string[] };
}

/** Validates a control-API DB map: value types only, so a test can plant an over-limit DB on purpose. */
export function checkDbMap(body: unknown): Checked<Record<string, DbValue>> {
  if (!isRecord(body)) return fail('expected a JSON object mapping keys to values');
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string' && typeof value !== 'boolean' && typeof value !== 'number') {
      return fail(`the value of key ${show(key)} must be a string, a number or a boolean`);
    }
  }
  return { ok: true, value: body as Record<string, DbValue> };
}

export { isRecord };
