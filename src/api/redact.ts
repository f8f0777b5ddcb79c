/**
 * Finds the secrets of a call (the gate's secret key, access tokens, logupTokens) in text a server sent, in the
 * forms a server may echo them: as is or in another letter case, percent- or form-encoded, in Base64 (also of
 * `idGate:secret`, as HTTP Basic authentication carries it), or split by whitespace or HTML tags. Every scan here is
 * linear in the text (times the secret's length): the text comes from a server we do not trust.
 */

import { INVISIBLE } from '../core/visible';

export { INVISIBLE };

/** What replaces a secret in a message. */
export const REDACTED = '[redacted]';

// A message still holding this many consecutive characters of a secret is withheld whole.
const LEAK_RUN = 8;
// Ignoring letter case only longer runs count: short ones match ordinary words (a token "lut_invalid_demo" and the
// message "INVALID_LOGUP_TOKEN" share "invalid_").
const LEAK_RUN_ANY_CASE = 16;
// Base64 of a shorter secret is too short to tell from ordinary text.
const MIN_BASE64_SOURCE = 6;

/** One character of a secret: itself, its UTF-8 bytes (for %XX escapes), and whether a form-encoded `+` may stand for it. */
interface Unit {
  lit: string;
  bytes: readonly number[];
  space: boolean;
}
type Pattern = readonly Unit[];
/** A secret's form; Base64 ones may be followed by their "=" padding, which goes with them. */
interface Form {
  pattern: Pattern;
  padded: boolean;
}

/** Redacts the secrets it was given from any text, and tells whether a text still leaks part of one. */
export class Redactor {
  private readonly forms: Form[];
  private readonly gappedForms: Form[];
  private readonly skeletons: string[];
  /** The longest text a secret can take here (fully percent-encoded), for cutting truncated bodies safely. */
  readonly longest: number;

  constructor(secrets: readonly string[], idGate?: string) {
    const unique = [...new Set(secrets.filter((s) => typeof s === 'string' && s !== ''))];
    const texts: [string, boolean][] = [];
    for (const secret of unique) {
      texts.push([secret, false]);
      if (secret.length >= MIN_BASE64_SOURCE) texts.push(...base64Forms(secret));
      if (idGate) texts.push(...base64Forms(`${idGate}:${secret}`));
    }
    this.forms = texts.map(([t, padded]) => ({ pattern: pattern(t), padded }));
    this.gappedForms = texts
      .map(([t, padded]) => ({ pattern: pattern(skeleton(t).text), padded }))
      .filter((f) => f.pattern.length > 0);
    this.skeletons = unique.map((s) => skeleton(s).text);
    this.longest = Math.max(0, ...texts.map(([t]) => Buffer.byteLength(t) * 3 + 2));
  }

  /** `text` with every form of every secret replaced by [redacted], also where whitespace or tags split one. */
  redact(text: string): string {
    const plain: [number, number][] = [];
    for (const form of this.forms) findAll(text, form, true, (start, end) => plain.push([start, end]));
    const out = replaceRanges(text, plain);
    const sk = skeleton(out);
    const gapped: [number, number][] = [];
    for (const form of this.gappedForms) {
      findAll(sk.text, form, true, (start, end) => gapped.push([sk.at[start]!, sk.at[end - 1]! + 1]));
    }
    return replaceRanges(out, gapped);
  }

  /** True when `text` still holds 8+ consecutive characters of a secret (16+ in another letter case). */
  leaks(text: string): boolean {
    const sk = skeleton(text).text;
    for (const secret of this.skeletons) {
      for (const [run, anyCase] of [[LEAK_RUN, false], [LEAK_RUN_ANY_CASE, true]] as const) {
        for (let i = 0; i + run <= secret.length; i++) {
          if (findFirst(sk, pattern(secret.slice(i, i + run)), anyCase)) return true;
        }
      }
    }
    return false;
  }
}

function base64Forms(text: string): [string, boolean][] {
  const bytes = Buffer.from(text, 'utf8');
  // Unpadded (the padding is taken along when present); base64url differs only where "+" or "/" occur.
  const std = bytes.toString('base64').replace(/=+$/, '');
  const url = bytes.toString('base64url');
  return std === url ? [[std, true]] : [[std, true], [url, true]];
}

function pattern(text: string): Unit[] {
  return [...text].map((lit) => ({ lit, bytes: [...Buffer.from(lit, 'utf8')], space: /\s/.test(lit) }));
}

/**
 * The text without whitespace, invisible characters and tags (`<…>` holding no other `<`), and for each character
 * left its index in the original. One pass: a `<` that opens no tag is kept and scanning goes on after it.
 */
function skeleton(text: string): { text: string; at: number[] } {
  const chars: string[] = [];
  const at: number[] = [];
  const gap = new RegExp(`^(?:\\s|${INVISIBLE.source})$`);
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '<') {
      let j = i + 1;
      while (j < text.length && text[j] !== '>' && text[j] !== '<') j++;
      if (text[j] === '>') {
        i = j + 1;
        continue;
      }
    } else if (gap.test(c)) {
      i++;
      continue;
    }
    chars.push(c);
    at.push(i);
    i++;
  }
  return { text: chars.join(''), at };
}

/** Calls `found` for each non-overlapping match of `form` in `text`, left to right. */
function findAll(text: string, form: Form, anyCase: boolean, found: (start: number, end: number) => void): void {
  if (form.pattern.length === 0) return;
  for (let p = 0; p < text.length; ) {
    let end = matchAt(text, p, form.pattern, anyCase);
    if (end > p) {
      if (form.padded) for (let pad = 0; pad < 2 && text[end] === '='; pad++) end++;
      found(p, end);
      p = end;
    } else {
      p++;
    }
  }
}

function findFirst(text: string, form: Pattern, anyCase: boolean): boolean {
  for (let p = 0; p < text.length; p++) if (matchAt(text, p, form, anyCase) > p) return true;
  return false;
}

/** End of a match of `form` starting at `p`, or -1. Each character may also come as %XX escapes, a space as `+`. */
function matchAt(text: string, p: number, form: Pattern, anyCase: boolean): number {
  let j = p;
  for (const unit of form) {
    if (j >= text.length) return -1;
    if (sameAt(text, j, unit.lit, anyCase)) {
      j += unit.lit.length;
      continue;
    }
    const escaped = text[j] === '%' ? percentEnd(text, j, unit.bytes) : -1;
    if (escaped > 0) {
      j = escaped;
      continue;
    }
    if (unit.space && text[j] === '+') {
      j++;
      continue;
    }
    return -1;
  }
  return j;
}

function sameAt(text: string, j: number, lit: string, anyCase: boolean): boolean {
  for (let k = 0; k < lit.length; k++) {
    let a = text.charCodeAt(j + k);
    let b = lit.charCodeAt(k);
    if (anyCase) {
      // ASCII letters only: other case mappings can change a string's length and so every index after them.
      if (a >= 65 && a <= 90) a += 32;
      if (b >= 65 && b <= 90) b += 32;
    }
    if (a !== b) return false;
  }
  return true;
}

/** End of `%XX` escapes spelling exactly `bytes` at `j` (hex digits in either case), or -1. */
function percentEnd(text: string, j: number, bytes: readonly number[]): number {
  let k = j;
  for (const byte of bytes) {
    if (text[k] !== '%') return -1;
    const hex = text.slice(k + 1, k + 3);
    if (!/^[0-9a-f]{2}$/i.test(hex) || parseInt(hex, 16) !== byte) return -1;
    k += 3;
  }
  return k;
}

function replaceRanges(text: string, ranges: [number, number][]): string {
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [start, end] of ranges) {
    if (end <= pos) continue;
    if (start >= pos) out += text.slice(pos, start) + REDACTED;
    pos = end;
  }
  return out + text.slice(pos);
}
