// The sandbox's own reading of the API's DB limits. It deliberately does not reuse the client's validator
// (src/core): a shared bug would then pass both sides unnoticed.
import { DB_LIMITS, type DbEntry, type DbValue } from '../core/db';

/** A refusal names an upper-case code and says in words what is wrong. */
export type Checked<T> = { ok: true; value: T } | Refusal;
export interface Refusal {
  ok: false;
  code: string;
  detail: string;
}

const fail = (code: string, detail: string): Refusal => ({ ok: false, code, detail });

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer outside the safe range' : 'a non-integer number';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
};

/** Shortens a key for messages so one absurd key cannot flood an error body. */
const show = (key: string): string => {
  const points = [...key];
  return JSON.stringify(points.length > 40 ? `${points.slice(0, 40).join('')}…` : key);
};

// With the u flag a surrogate pair is one code point, so this matches only a surrogate that has no partner.
const LONE_SURROGATE = /\p{Cs}/u;

/** Why a string is not well-formed Unicode (a lone surrogate, which JSON may carry as "\ud800"), or undefined. */
function illFormed(text: string): string | undefined {
  const at = text.search(LONE_SURROGATE);
  if (at === -1) return undefined;
  const unit = text.charCodeAt(at).toString(16).toUpperCase();
  return `is not well-formed Unicode: it holds a lone surrogate (U+${unit}) at UTF-16 index ${at}`;
}

/** Checks one value against the decided types and size. */
export function checkValue(key: string, value: unknown): Refusal | undefined {
  if (typeof value === 'string') {
    const bad = illFormed(value);
    if (bad !== undefined) return fail('INVALID_VALUE', `the value of key ${show(key)} ${bad}`);
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > DB_LIMITS.maxValueBytes) {
      return fail(
        'VALUE_TOO_LONG',
        `the value of key ${show(key)} is ${bytes} bytes in UTF-8; the limit is ${DB_LIMITS.maxValueBytes} bytes`,
      );
    }
    return undefined;
  }
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return undefined;
  return fail(
    'INVALID_VALUE',
    `the value of key ${show(key)} is ${describe(value)}; only strings, booleans and safe integers are accepted`,
  );
}

/** Checks a key's shape. */
export function checkKey(key: string): Refusal | undefined {
  if (key.length === 0) return fail('INVALID_KEY', 'a key must not be empty');
  const bad = illFormed(key);
  if (bad !== undefined) return fail('INVALID_KEY', `key ${show(key)} ${bad}`);
  const length = [...key].length;
  if (length > DB_LIMITS.maxKeyLength) {
    return fail(
      'KEY_TOO_LONG',
      `key ${show(key)} is ${length} characters long; the limit is ${DB_LIMITS.maxKeyLength} characters`,
    );
  }
  return undefined;
}

/** Validates a PUT body against the current DB; nothing is written unless this says ok. */
export function checkPutBody(body: unknown, current: ReadonlyMap<string, DbValue>): Checked<DbEntry[]> {
  if (!isRecord(body) || !Array.isArray(body.data)) {
    return fail('INVALID_BODY', 'expected {"data": [{"key": ..., "value": ...}, ...]}');
  }
  const entries: DbEntry[] = [];
  const seen = new Set<string>();
  for (const [index, item] of body.data.entries()) {
    if (!isRecord(item) || typeof item.key !== 'string' || !('value' in item)) {
      return fail('INVALID_BODY', `data[${index}] must be an object with a string "key" and a "value"`);
    }
    const key = item.key;
    const keyError = checkKey(key);
    if (keyError !== undefined) return keyError;
    if (seen.has(key)) return fail('DUPLICATE_KEY', `key ${show(key)} appears more than once in data`);
    seen.add(key);
    const valueError = checkValue(key, item.value);
    if (valueError !== undefined) return valueError;
    entries.push({ key, value: item.value as DbValue });
  }
  let after = current.size;
  for (const key of seen) if (!current.has(key)) after++;
  if (after > DB_LIMITS.maxKeys) {
    return fail(
      'TOO_MANY_KEYS',
      `the DB would have ${after} keys after this update; the limit is ${DB_LIMITS.maxKeys} keys`,
    );
  }
  return { ok: true, value: entries };
}

/** Validates a DELETE body: `{keys: string[]}`, each key well-formed Unicode. */
export function checkDeleteBody(body: unknown): Checked<string[]> {
  if (!isRecord(body) || !Array.isArray(body.keys) || !body.keys.every((k) => typeof k === 'string')) {
    return fail('INVALID_BODY', 'expected {"keys": ["key", ...]}');
  }
  const keys = body.keys as string[];
  for (const key of keys) {
    const bad = illFormed(key);
    if (bad !== undefined) return fail('INVALID_KEY', `key ${show(key)} ${bad}`);
  }
  return { ok: true, value: keys };
}
