import type { ReadResult } from './body';
import { INVISIBLE, type Redactor } from './redact';

/**
 * A server's words on their way to a notification or a log: picked out of an error body (JSON in the usual shapes,
 * or an HTML page), redacted, stripped of control and bidi characters, and kept short. Every scan is linear in the
 * text: error bodies come from servers we do not trust.
 */

/** The longest server message shown, in characters. */
export const MAX_SERVER_MESSAGE_CHARS = 200;
/** Shown instead of a server message that still holds part of a secret after redaction. */
export const WITHHELD_MESSAGE = "the server's message was withheld because it repeated a secret";

// Only the start of a long text can be shown; redacting the rest would cost time and change nothing.
const MAX_SCANNED_CHARS = 16 * 1024;

/** A string from the server made safe to show or store: redacted, invisible characters gone, at most `max` characters. */
export function serverText(text: string, redactor: Redactor, max = MAX_SERVER_MESSAGE_CHARS): string | undefined {
  const visible = text.slice(0, MAX_SCANNED_CHARS).replace(INVISIBLE, ' ');
  const message = clean(redactor.redact(visible), max);
  if (message === '') return undefined;
  return redactor.leaks(message) ? WITHHELD_MESSAGE : message;
}

/** The server's own words from an error body, or undefined when it has none worth showing. */
export function serverMessage(read: ReadResult, redactor: Redactor): string | undefined {
  let text = read.text;
  // A truncated body may end in part of a secret that whole-secret redaction would no longer recognise.
  if (read.overflow) text = text.slice(0, Math.max(0, text.length - redactor.longest));
  if (text.trim() === '') return undefined;
  let message: string | undefined;
  try {
    message = messageFromJson(JSON.parse(text));
  } catch {
    message = messageFromText(text);
  }
  return message === undefined ? undefined : serverText(message, redactor);
}

/** Control characters and bidi overrides become spaces, runs of spaces one, and a long text ends in "…". */
export function clean(s: string, max: number): string {
  const flat = s.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  // Counted in code points; a slice of 2 × max + 2 units holds more than max of them unless it is the whole text.
  const chars = Array.from(flat.slice(0, max * 2 + 2));
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

// Where error bodies keep a message: the SDK's order (errorMessage, error, message), then RFC 9457 and OAuth2.
const MESSAGE_KEYS = ['errorMessage', 'error', 'message', 'detail', 'error_description'] as const;

function messageFromJson(json: unknown): string | undefined {
  if (typeof json === 'string') return json;
  if (!isObject(json)) return undefined;
  for (const key of MESSAGE_KEYS) {
    const v = json[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
    // {"error": {"code": "SUBSCRIPTION_NOT_FOUND", "detail": "no subscription sub_x"}} and the like.
    if (isObject(v)) {
      const described = describe(v);
      if (described !== undefined) return described;
    }
  }
  return undefined;
}

function describe(error: Record<string, unknown>): string | undefined {
  const text = (key: string): string | undefined => {
    const v = error[key];
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return typeof v === 'string' && v.trim() !== '' ? v : undefined;
  };
  const code = text('code');
  const words = text('message') ?? text('detail') ?? text('description');
  if (code !== undefined && words !== undefined) return `${code}: ${words}`;
  return words ?? code;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function messageFromText(text: string): string {
  if (!/<(!doctype|html|head|body|title|h1|p|div)\b/i.test(text)) return text;
  return decodeEntities(htmlSummary(text));
}

/**
 * An HTML page's title, else its first h1, else its text without scripts and styles; tags become spaces. A
 * hand-written single pass: a `<` that opens no tag is text, and scanning resumes at the next `<`, so a page of
 * 64 KB of `<` costs one read instead of the quadratic time a tag regex would take.
 */
function htmlSummary(html: string): string {
  const all: string[] = [];
  const captured: Record<'title' | 'h1', string[] | undefined> = { title: undefined, h1: undefined };
  let capturing: 'title' | 'h1' | undefined;
  let skipping: 'script' | 'style' | undefined;
  const emit = (piece: string): void => {
    if (skipping !== undefined || piece === '') return;
    all.push(piece);
    if (capturing !== undefined) captured[capturing]!.push(piece);
  };
  let textStart = 0;
  let i = html.indexOf('<');
  while (i !== -1 && i < html.length) {
    let j = i + 1;
    while (j < html.length && html[j] !== '>' && html[j] !== '<') j++;
    if (html[j] !== '>') {
      i = j < html.length ? j : -1;
      continue;
    }
    emit(html.slice(textStart, i));
    all.push(' ');
    const tag = /^(\/?)([a-z][a-z0-9]*)/i.exec(html.slice(i + 1, Math.min(j, i + 12)));
    const closing = tag?.[1] === '/';
    const name = tag?.[2]?.toLowerCase();
    if (name === 'script' || name === 'style') {
      if (!closing) skipping ??= name;
      else if (skipping === name) skipping = undefined;
    } else if ((name === 'title' || name === 'h1') && skipping === undefined) {
      if (!closing && capturing === undefined && captured[name] === undefined) {
        capturing = name;
        captured[name] = [];
      } else if (closing && capturing === name) {
        capturing = undefined;
      }
    }
    textStart = j + 1;
    i = html.indexOf('<', textStart);
  }
  emit(html.slice(textStart));
  const pick = (parts: string[] | undefined): string | undefined => {
    const joined = parts?.join(' ').trim();
    return joined ? joined : undefined;
  };
  return pick(captured.title) ?? pick(captured.h1) ?? all.join('');
}

function decodeEntities(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return s.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{1,10});/gi, (m, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return named[name.toLowerCase()] ?? m;
  });
}
