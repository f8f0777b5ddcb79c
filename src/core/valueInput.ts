import * as l10n from '@vscode/l10n';
import { DB_LIMITS, type DbValue } from './db';
import { keyCountAllowed, keyProblem, showKey, valueProblem } from './limits';

/** The outcome of reading a value or key typed into an input box. */
export type InputCheck<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** JSON literals a person may mean as typed: booleans, numbers, quoted strings, null, arrays, objects. */
const JSON_LITERAL = /^(true|false|null|-?\d[\d.eE+-]*|".*"|\[.*\]|\{.*\})$/s;

/**
 * Reads a DB value typed by a person: a JSON string, integer or boolean as typed (`"42"` is a string, `42` a number),
 * anything else as plain text, so `hello` needs no quotes. Numbers follow the document's rule: no `.` or exponent.
 */
export function parseValueInput(text: string): InputCheck<DbValue> {
  const trimmed = text.trim();
  if (!JSON_LITERAL.test(trimmed)) return checked(text);
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return checked(text);
  }
  if (typeof value === 'number' && /[.eE]/.test(trimmed)) {
    return { ok: false, message: l10n.t('{0} is not written as an integer; LogUp stores whole numbers. Write it without "." or exponent, or quote it to store text.', trimmed) };
  }
  return checked(value);
}

function checked(value: unknown): InputCheck<DbValue> {
  const problem = valueProblem(value);
  return problem === undefined ? { ok: true, value: value as DbValue } : { ok: false, message: problem };
}

/** Checks a new key typed by a person against the key limits and the keys the DB already has (`existing`: its own keys). */
export function checkKeyInput(key: string, existing: readonly string[]): InputCheck<string> {
  const problem = keyProblem(key);
  if (problem) return { ok: false, message: problem.message };
  if (existing.includes(key)) return { ok: false, message: l10n.t('The key {0} exists already: edit its value instead.', showKey(key)) };
  // Adding a key is a PUT, so the save's key-count rule applies to the DB with the new key.
  if (!keyCountAllowed(existing.length + 1, true)) {
    const remove = existing.length + 1 - DB_LIMITS.maxKeys;
    return {
      ok: false,
      message: remove === 1
        ? l10n.t('This DB has {0} keys; LogUp allows at most {1}. Delete one first.', existing.length, DB_LIMITS.maxKeys)
        : l10n.t('This DB has {0} keys; LogUp allows at most {1}. Delete {2} keys first.', existing.length, DB_LIMITS.maxKeys, remove),
    };
  }
  return { ok: true, value: key };
}
