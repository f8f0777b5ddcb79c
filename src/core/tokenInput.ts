import * as l10n from '@vscode/l10n';
/** What the user pasted, understood: a logupToken (and isNewUser when the URL said so), or why it isn't one. */
export type TokenInput = { readonly ok: true; readonly logupToken: string; readonly isNewUser?: boolean }
  | { readonly ok: false; readonly message: string };

/** Shortest and longest text accepted as a token; real ones are 128 characters, the sandbox's may be shorter. */
export const TOKEN_LENGTH = { min: 8, max: 4096 } as const;

/** The advice every refusal ends with (a function: translated when shown, not when the module loads). */
const expected = (): string => l10n.t('Paste the logupToken, or the whole URL LogUp redirected to (it contains ?logupToken=…).');

/** Pairs people copy a token with, stripped from both ends. */
const WRAPPERS: readonly (readonly [string, string])[] = [['"', '"'], ["'", "'"], ['`', '`'], ['<', '>'], ['“', '”'], ['‘', '’']];

/**
 * Reads a bare token, or any URL (with or without scheme; query after `?` or `#`) carrying `logupToken=…`
 * and optionally `isNewUser=true|false`. Messages never repeat the token.
 */
export function parseTokenInput(input: string): TokenInput {
  const text = unwrap(input);
  if (text === '') return fail(`${l10n.t('Nothing to verify.')} ${expected()}`);

  // `:`, `/`, `?`, `#` and `&` never occur in a token, so any of them means a URL (or a bare query string).
  if (/[:/?#&]/.test(text) || /(^|[?&#;])logupToken=/i.test(text)) return fromUrl(text);

  const problem = tokenProblem(text);
  return problem === undefined ? { ok: true, logupToken: text } : fail(problem);
}

function fromUrl(text: string): TokenInput {
  const params = new Map<string, string>();
  // Parameters may sit in the query or in the fragment (single-page apps), so both are searched; the first wins.
  for (const part of text.split(/[?&#;]/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).toLowerCase();
    if (!params.has(name)) params.set(name, part.slice(eq + 1));
  }
  const raw = params.get('loguptoken');
  if (raw === undefined) {
    return fail(`${l10n.t('That looks like a URL, but it has no logupToken parameter.')} ${expected()}`);
  }
  let token: string;
  try {
    // decodeURIComponent rather than URLSearchParams: a literal `+` in a token must stay a `+`.
    token = decodeURIComponent(raw);
  } catch {
    return fail(l10n.t('The logupToken in that URL is not correctly URL-encoded (a stray "%"). Copy the URL again.'));
  }
  if (token === '') return fail(`${l10n.t('The logupToken parameter in that URL is empty.')} ${expected()}`);
  const problem = tokenProblem(token);
  if (problem !== undefined) return fail(problem);

  const flag = params.get('isnewuser')?.toLowerCase();
  if (flag === 'true' || flag === 'false') return { ok: true, logupToken: token, isNewUser: flag === 'true' };
  return { ok: true, logupToken: token };
}

function tokenProblem(token: string): string | undefined {
  if (/\s/.test(token)) {
    return l10n.t('A logupToken has no spaces or line breaks; copy it again in one piece, or paste the whole redirect URL.');
  }
  if (!/^[A-Za-z0-9._~+=-]+$/.test(token)) {
    return `${l10n.t('That does not look like a logupToken: it contains characters a token never has.')} ${expected()}`;
  }
  if (token.length < TOKEN_LENGTH.min) {
    return `${l10n.t('That is too short for a logupToken ({0} characters; a token has at least {1}).', token.length, TOKEN_LENGTH.min)} ${expected()}`;
  }
  if (token.length > TOKEN_LENGTH.max) {
    return `${l10n.t('That is too long for a logupToken ({0} characters; at most {1}).', token.length, TOKEN_LENGTH.max)} ${expected()}`;
  }
  return undefined;
}

function unwrap(input: string): string {
  let s = input.trim();
  for (let changed = true; changed && s.length >= 2;) {
    changed = false;
    for (const [open, close] of WRAPPERS) {
      if (s.startsWith(open) && s.endsWith(close)) {
        s = s.slice(open.length, s.length - close.length).trim();
        changed = true;
        break;
      }
    }
  }
  return s;
}

function fail(message: string): TokenInput {
  return { ok: false, message };
}
