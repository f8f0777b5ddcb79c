// Text from outside (a link, a server, a file) made safe to put in a message or a log line. No `vscode` import.

/**
 * Characters no message should carry as they are: C0/C1 controls, the soft hyphen, zero-width and bidirectional
 * controls, line and paragraph separators, the BOM. Shown raw, one would make a review, a History row or a log line
 * read differently from what it is about.
 */
// eslint-disable-next-line no-control-regex
export const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** `text` with every INVISIBLE character written as its `\uXXXX` escape: valid inside a JSON string, visible anywhere. */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/**
 * `text` in double quotes, cut to `max` code points (then "…"), with every control, line-breaking, zero-width or
 * bidirectional character written as an escape (`\n`, `\u202E`): nothing in it can start a new log line, fake a
 * second sentence of a message, or turn the text around it.
 */
export function quoteUntrusted(text: string, max = 40): string {
  // Counted in code points; a slice of 2 × max + 2 units holds more than max of them unless it is the whole text.
  const chars = Array.from(text.slice(0, max * 2 + 2));
  const shown = chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
  // JSON.stringify escapes quotes, backslashes, C0 controls and lone surrogates; the rest of INVISIBLE follows.
  return escapeInvisible(JSON.stringify(shown));
}

/** The longest key LogUp accepts (docs/api.md); a longer one was not written through the API by a person. */
const MAX_SHOWN_KEY = 32;
/** Token characters in a row; a run this long that mixes letters and digits reads as a credential. */
const CREDENTIAL_RUN = /[A-Za-z0-9+/=_~.-]{16,}/g;

/**
 * True for a DB key an error, the log or the history must not quote (docs/api.md, decision 9): longer than any key
 * LogUp accepts, or 16 or more token characters in a row mixing letters and digits (how generated secrets look).
 */
export function mayBeCredential(key: string): boolean {
  if (Array.from(key).length > MAX_SHOWN_KEY) return true;
  for (const run of key.match(CREDENTIAL_RUN) ?? []) if (/[0-9]/.test(run) && /[A-Za-z]/.test(run)) return true;
  return false;
}

/** What stands in a message for a key that is not shown. */
export function redactedKey(key: string): string {
  return `[redacted key, ${Array.from(key).length} characters]`;
}

/** A DB key for an error or a log line: quoted and escaped (quoteUntrusted), or redactedKey when it may be a credential. */
export function keyInMessage(key: string): string {
  return mayBeCredential(key) ? redactedKey(key) : quoteUntrusted(key);
}
