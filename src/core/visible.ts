// Text from outside (a link, a server, a file) made safe to put in a message or a log line. No `vscode` import.

/** Characters no message should carry: C0/C1 controls, zero-width and bidirectional controls, the BOM. */
// eslint-disable-next-line no-control-regex
export const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

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
  return JSON.stringify(shown).replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}
