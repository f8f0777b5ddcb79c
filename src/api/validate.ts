import type * as z from 'zod/mini';
import type { Db } from '../core/db';
import { isSafeId } from '../core/dbPath';
import { mayBeCredential, redactedKey } from '../core/visible';
import { LogUpResponseError } from './errors';
import type { Redactor } from './redact';
import { DbSchema, SCHEMA_MESSAGES, VerificationSchema, type Verification } from './schemas';
import { clean, serverText } from './serverMessage';

/**
 * Checks of a success body against the API's schemas. A failure names the field and what is wrong with it, never
 * the value received: a value may be anything, a secret included. A field's name may be a DB key the server sent,
 * which may be anything too: see fieldName for when it is shown (docs/api.md, decision 9).
 */

const VERIFICATION_PATH = '/verification';

/**
 * `value` parsed by `schema`, or a LogUpResponseError naming the first field that does not fit; `redactor` (the
 * call's secrets) decides, with fieldName's other rules, whether a DB key in the field's path is shown.
 */
export function validate<S extends z.ZodMiniType>(schema: S, value: unknown, method: string, path: string, redactor?: Redactor): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new LogUpResponseError(method, path, 'the body has the wrong shape');
  // Built from the issue's path and kind only: zod's own messages may quote received values.
  const where = issue.path.length === 0 ? 'the body' : `field ${fieldName(issue.path.map(String), redactor)}`;
  if (SCHEMA_MESSAGES.has(issue.message)) throw new LogUpResponseError(method, path, `${issue.message} (${where})`);
  let what: string;
  if (issue.code === 'invalid_type') {
    const missing = issue.path.length > 0 && valueAt(value, issue.path) === undefined;
    what = missing ? 'is missing' : `should be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
  } else if (issue.code === 'invalid_union') {
    what = 'has the wrong type';
  } else if (issue.code === 'invalid_value') {
    what = 'has an unexpected value';
  } else {
    what = 'is invalid';
  }
  throw new LogUpResponseError(method, path, `${where} ${what}`);
}

/** Refuses an empty body where the API promises one. */
export function requireBody(json: unknown, method: string, path: string): unknown {
  if (json === undefined) throw new LogUpResponseError(method, path, 'the body is empty');
  return json;
}

/**
 * A DB map from the server. zod's record skips a "__proto__" key (unchecked) and drops it from its output, yet it
 * is a legal DB key: every own key is checked here and kept as an own property. A key whose value has the wrong type
 * is named in the error only as fieldName allows, judged with the call's secrets: `redactor` is a function for the
 * calls that make it only when needed (reading the secret key again costs a SecretStorage call).
 */
export function parseDb(value: unknown, method: string, path: string, redactor: Redactor, prefix?: string): Db;
export function parseDb(value: unknown, method: string, path: string, redactor: () => Promise<Redactor>, prefix?: string): Db | Promise<never>;
export function parseDb(value: unknown, method: string, path: string, redactor: Redactor | (() => Promise<Redactor>), prefix = ''): Db | Promise<never> {
  // For an object zod would check nothing the loop below does not, and say the same words, yet it cost about 4 % of
  // a loopback call (BENCHMARKS.md, part 2); it still says what is wrong with anything else.
  if (value === null || typeof value !== 'object' || Array.isArray(value)) validate(DbSchema, value, method, path);
  const db = value as Record<string, unknown>;
  for (const key of Object.keys(db)) {
    const v = db[key];
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      const refuse = (r: Redactor): never => {
        const field = prefix === '' ? [key] : [prefix, key];
        throw new LogUpResponseError(method, path, `field ${fieldName(field, r)} has the wrong type`);
      };
      return typeof redactor === 'function' ? redactor().then(refuse) : refuse(redactor);
    }
  }
  // JSON.parse made every key, "__proto__" included, an own data property of a fresh object: no copy needed.
  return db as Db;
}

/**
 * A field's path for an error, `"db.plan"`, quoted and cleaned. A part that may be a secret is replaced by
 * `[redacted key, N characters]`: one mayBeCredential refuses, and one that holds 8 characters of the call's
 * secrets (the gate's secret key, the access token, the logupToken; also encoded, as Redactor finds them).
 */
export function fieldName(parts: readonly string[], redactor?: Redactor): string {
  const hidden = (part: string): boolean => mayBeCredential(part) || (redactor !== undefined && (redactor.leaks(part) || redactor.redact(part) !== part));
  return `"${clean(parts.map((part) => (hidden(part) ? redactedKey(part) : part)).join('.'), 80)}"`;
}

/**
 * A verification answer made safe to show and store. A verified answer whose idSubscription or idActor is not a
 * plain id (`../x`, `a/b?c#d`, 100 KB with a bidi override) is refused whole, naming the field; a not-verified one
 * just loses such an id. The errorMessage is redacted, cleaned and shortened like any server message.
 */
export function safeVerification(raw: unknown, redactor: Redactor): Verification {
  const verification = validate(VerificationSchema, raw, 'POST', VERIFICATION_PATH, redactor);
  const errorMessage = typeof verification.errorMessage === 'string' ? serverText(verification.errorMessage, redactor) : undefined;
  const withMessage = errorMessage === undefined ? {} : { errorMessage };
  if (!verification.verified) {
    const idActor = usableId(verification.idActor, redactor);
    const idSubscription = usableId(verification.idSubscription, redactor);
    return {
      verified: false,
      ...withMessage,
      ...(idActor === undefined ? {} : { idActor }),
      ...(idSubscription === undefined ? {} : { idSubscription }),
      ...(verification.db === null || verification.db === undefined ? {} : { db: verification.db }),
    };
  }
  for (const [field, what] of [['idSubscription', 'a valid subscription id'], ['idActor', 'a valid actor id']] as const) {
    if (usableId(verification[field], redactor) === undefined) {
      throw new LogUpResponseError('POST', VERIFICATION_PATH, `field "${field}" is not ${what}`);
    }
  }
  const db = parseDb((raw as { db: unknown }).db, 'POST', VERIFICATION_PATH, redactor, 'db');
  return {
    verified: true,
    ...withMessage,
    idActor: verification.idActor,
    idSubscription: verification.idSubscription,
    db,
  };
}

/** The id when it is a plain id (1–128 of A–Z, a–z, 0–9, "_", "-") holding no part of a secret, else undefined. */
function usableId(id: string | null | undefined, redactor: Redactor): string | undefined {
  if (typeof id !== 'string' || !isSafeId(id)) return undefined;
  return redactor.leaks(id) ? undefined : id;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  record: 'an object',
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
