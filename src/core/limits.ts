import { DB_LIMITS } from './db';

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

/** The first limit a key breaks, if any: the same rules for a document and for a planned request. */
export function keyProblem(key: string): { code: 'emptyKey' | 'keyTooLong'; message: string } | undefined {
  if (key.length === 0) {
    return {
      code: 'emptyKey',
      message: `A key can't be empty; LogUp needs a name of 1 to ${DB_LIMITS.maxKeyLength} characters. Give it a name or remove it.`,
    };
  }
  const n = codePointLength(key);
  if (n > DB_LIMITS.maxKeyLength) {
    return {
      code: 'keyTooLong',
      message: `Key ${showKey(key)} is ${n} characters long; LogUp allows at most ${DB_LIMITS.maxKeyLength}. ` +
        `Shorten it by ${plural(n - DB_LIMITS.maxKeyLength, 'character')}.`,
    };
  }
  return undefined;
}

/** Message for a string value over the byte limit; names the byte count so the user knows how much to cut. */
export function valueTooLongMessage(value: string): string | undefined {
  const bytes = utf8ByteLength(value);
  if (bytes <= DB_LIMITS.maxValueBytes) return undefined;
  // eslint-disable-next-line no-control-regex
  const multibyte = /[^\u0000-\u007f]/.test(value) ? ' (each character outside ASCII takes 2 to 4 bytes)' : '';
  return `This value is ${bytes} bytes in UTF-8${multibyte}; LogUp allows at most ${DB_LIMITS.maxValueBytes} bytes. ` +
    `Shorten it by ${plural(bytes - DB_LIMITS.maxValueBytes, 'byte')}.`;
}

/** The first limit a value of any runtime type breaks, if any (for values that did not come from a document). */
export function valueProblem(value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'string') return valueTooLongMessage(value);
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return undefined;
    return Number.isInteger(value)
      ? `${value} is outside the safe integer range (±${Number.MAX_SAFE_INTEGER}); store it as a string instead.`
      : `${value} is not an integer; LogUp stores only strings, booleans and integers.`;
  }
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
  return `A value can't be ${kind}; LogUp stores only strings, booleans and integers.`;
}
