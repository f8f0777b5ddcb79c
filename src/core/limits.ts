import * as l10n from '@vscode/l10n';
import { DB_LIMITS, hasKey, type Db, type DbValue } from './db';
import { escapeInvisible } from './visible';

/** Counts Unicode code points (what the 32-character key limit counts), without building an array. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point; a lone surrogate still counts as one.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** UTF-8 byte length of a string value (what the 1024-byte value limit counts). */
export function utf8ByteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** `"1 key"` / `"3 keys"`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A key quoted for a message; long keys are cut so a message stays readable. */
export function showKey(key: string): string {
  const shown = codePointLength(key) > 40 ? `${Array.from(key.slice(0, 80)).slice(0, 40).join('')}…` : key;
  return JSON.stringify(shown);
}

/**
 * A value as JSON on one line, for a label, a review or a question: at most `max` characters (code points, so an
 * emoji is never cut in half), and with the invisible characters JSON leaves raw escaped, so a right-to-left override
 * or a zero-width space cannot make what is shown read differently from what is stored.
 */
export function showValue(value: DbValue, max = 40): string {
  const chars = [...escapeInvisible(JSON.stringify(value))];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const nativeIsWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** True when `s` is well-formed Unicode: no lone surrogate, so it encodes to UTF-8 without a replacement character. */
export function isWellFormed(s: string): boolean {
  return nativeIsWellFormed !== undefined ? nativeIsWellFormed.call(s) : !LONE_SURROGATE.test(s);
}

/** Why a string is not well-formed, naming its first lone surrogate as the escape a person would see in JSON. */
function notWellFormedMessage(key: string | undefined, s: string): string {
  const lone = LONE_SURROGATE.exec(s)?.[0] ?? '';
  const escape = `\\u${lone.charCodeAt(0).toString(16).padStart(4, '0')}`;
  const example = '\\ud83d\\ude00';
  return key === undefined
    ? l10n.t('This value is not well-formed Unicode: it contains a lone surrogate ({0}), half of a UTF-16 pair without its other half, which is no character (stored as UTF-8 it turns into �). Remove it, or write the whole character as a pair, e.g. {1} for 😀.', escape, example)
    : l10n.t('Key {0} is not well-formed Unicode: it contains a lone surrogate ({1}), half of a UTF-16 pair without its other half, which is no character (stored as UTF-8 it turns into �). Remove it, or write the whole character as a pair, e.g. {2} for 😀.', showKey(key), escape, example);
}

/** The first limit a key breaks, if any: the same rules for a document and for a planned request. */
export function keyProblem(key: string): { code: 'emptyKey' | 'keyNotWellFormed' | 'keyTooLong'; message: string } | undefined {
  if (key.length === 0) {
    return {
      code: 'emptyKey',
      message: l10n.t("A key can't be empty; LogUp needs a name of 1 to {0} characters. Give it a name or remove it.", DB_LIMITS.maxKeyLength),
    };
  }
  if (!isWellFormed(key)) return { code: 'keyNotWellFormed', message: notWellFormedMessage(key, key) };
  const n = codePointLength(key);
  if (n > DB_LIMITS.maxKeyLength) {
    return {
      code: 'keyTooLong',
      message: n - DB_LIMITS.maxKeyLength === 1
        ? l10n.t('Key {0} is {1} characters long; LogUp allows at most {2}. Shorten it by 1 character.', showKey(key), n, DB_LIMITS.maxKeyLength)
        : l10n.t('Key {0} is {1} characters long; LogUp allows at most {2}. Shorten it by {3} characters.', showKey(key), n, DB_LIMITS.maxKeyLength, n - DB_LIMITS.maxKeyLength),
    };
  }
  return undefined;
}

/** Message for a string value over the byte limit; names the byte count so the user knows how much to cut. */
export function valueTooLongMessage(value: string): string | undefined {
  const bytes = utf8ByteLength(value);
  if (bytes <= DB_LIMITS.maxValueBytes) return undefined;
  // eslint-disable-next-line no-control-regex
  const multibyte = /[^\u0000-\u007f]/.test(value);
  const over = bytes - DB_LIMITS.maxValueBytes;
  const size = multibyte
    ? l10n.t('This value is {0} bytes in UTF-8 (each character outside ASCII takes 2 to 4 bytes); LogUp allows at most {1} bytes.', bytes, DB_LIMITS.maxValueBytes)
    : l10n.t('This value is {0} bytes in UTF-8; LogUp allows at most {1} bytes.', bytes, DB_LIMITS.maxValueBytes);
  return `${size} ${over === 1 ? l10n.t('Shorten it by 1 byte.') : l10n.t('Shorten it by {0} bytes.', over)}`;
}

/** The first limit a string value breaks, if any: not well-formed Unicode, or over the byte limit. */
export function stringValueProblem(value: string): { code: 'valueNotWellFormed' | 'valueTooLong'; message: string } | undefined {
  if (!isWellFormed(value)) return { code: 'valueNotWellFormed', message: notWellFormedMessage(undefined, value) };
  const message = valueTooLongMessage(value);
  return message === undefined ? undefined : { code: 'valueTooLong', message };
}

/** The first limit a value of any runtime type breaks, if any (for values that did not come from a document). */
export function valueProblem(value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'string') return stringValueProblem(value)?.message;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return undefined;
    return Number.isInteger(value)
      ? l10n.t('{0} is outside the safe integer range (±{1}); store it as a string instead.', String(value), String(Number.MAX_SAFE_INTEGER))
      : l10n.t('{0} is not an integer; LogUp stores only strings, booleans and integers.', String(value));
  }
  if (value === null) return l10n.t("A value can't be null; LogUp stores only strings, booleans and integers.");
  if (Array.isArray(value)) return l10n.t("A value can't be an array; LogUp stores only strings, booleans and integers.");
  if (typeof value === 'object') return l10n.t("A value can't be an object; LogUp stores only strings, booleans and integers.");
  return l10n.t("A value can't be {0}; LogUp stores only strings, booleans and integers.", typeof value);
}

// The save rules: a save must keep the limits only in what it sends. A DB that another client already put out of
// the limits (22 keys, a `1.5`) can still be saved when the save leaves those parts alone, and deleting is how it
// gets fixed. The document check and the plan check both decide with these two functions.

/**
 * True when a save that leaves `key` with `value` sends it: the key is new or its value (or type) differs from
 * `base`, the DB the server holds. Only what is sent must meet the per-key limits.
 */
export function isSent(base: Db, key: string, value: unknown): boolean {
  return !hasKey(base, key) || base[key] !== value;
}

/**
 * The 20-key rule of a save: after its PUT the server may hold at most 20 keys; a save without a PUT (deletions
 * only, or nothing) is always allowed, however many keys the server holds.
 */
export function keyCountAllowed(keysAfterPut: number, puts: boolean): boolean {
  return !puts || keysAfterPut <= DB_LIMITS.maxKeys;
}
