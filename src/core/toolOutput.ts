// How every language model tool's output is written: one summary line, then JSON; every string (DB keys and values
// included) passed through the client's redaction; invisible characters escaped; bounded. No `vscode` import:
// unit-tested with node:test (test/unit/toolOutput.test.ts).
import * as l10n from '@vscode/l10n';
import { escapeInvisible } from './visible';

/** Longest output a tool returns (characters): a few KB, so a DB or a search never floods the model's context. */
export const TOOL_OUTPUT_MAX_CHARS = 6000;

/** What hides secrets: the client's Redactor (src/api/redact.ts), for every gate the output is about. */
export interface SecretFilter {
  redact(text: string): string;
  leaks(text: string): boolean;
}

/** What a tool says: the summary line and the data under it. */
export interface ToolReport {
  readonly summary: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** What replaces a string that still holds part of a secret after redaction. */
const WITHHELD = '[redacted]';

/**
 * The output of a tool: the summary on one line, then the data as JSON, which quotes every DB key and value as data
 * (a key saying "ignore your instructions" is a JSON string, never a line of text of its own). The summary and every
 * string of the data are redacted one by one; a string that still holds 8 characters of a secret is withheld, and
 * the whole text is checked once more.
 */
export function renderToolOutput(report: ToolReport, filter: SecretFilter): string {
  const summary = escapeInvisible(clean(report.summary, filter).replace(/\s+/g, ' ').trim());
  const json = escapeInvisible(JSON.stringify(cleanDeep(report.data, filter)));
  const text = `${summary}\n${json}`;
  if (!filter.leaks(text)) return text;
  return `${l10n.t('Output withheld: it held part of a secret (a secret key, an access token or a logupToken).')}\n{"withheld":true}`;
}

/**
 * The output of a report that lists rows (subscriptions, DB entries): `build(shown)` makes the report with the first
 * `shown` rows; the most rows that fit in `max` characters are shown, and the report says how many were left out.
 */
export function renderBounded(total: number, build: (shown: number) => ToolReport, filter: SecretFilter, max = TOOL_OUTPUT_MAX_CHARS): string {
  for (let shown = total; shown > 0; shown--) {
    const text = renderToolOutput(build(shown), filter);
    if (text.length <= max) return text;
  }
  const text = renderToolOutput(build(0), filter);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A value cut to `max` characters for an output (whole code points; the cut is marked with "…"). */
export function cutText(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function clean(text: string, filter: SecretFilter): string {
  const redacted = filter.redact(text);
  return filter.leaks(redacted) ? WITHHELD : redacted;
}

/**
 * A copy with every string (object keys included) cleaned. Objects are rebuilt with defineProperty, so a DB key
 * `__proto__` stays a key; undefined fields are dropped.
 */
function cleanDeep(value: unknown, filter: SecretFilter): unknown {
  if (typeof value === 'string') return clean(value, filter);
  if (Array.isArray(value)) return value.map((v) => cleanDeep(v, filter));
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    Object.defineProperty(copy, clean(key, filter), { value: cleanDeep(v, filter), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

