// What the language model tools (src/tools/) accept, checked before anything is read or sent. No `vscode` import:
// unit-tested with node:test (test/unit/toolInput.test.ts). VS Code checks the input against the schema in
// package.json too, but a tool may be invoked by any extension with anything: every field is checked again here.
import * as l10n from '@vscode/l10n';
import type { DbEntry } from './db';
import { isSafeId } from './dbPath';
import { keyProblem, showKey, valueProblem } from './limits';
import { parseTokenInput } from './tokenInput';

/** Bounds of a tool's input (package.json's inputSchema says the same). */
export const TOOL_INPUT_LIMITS = {
  maxQueryChars: 200,
  /** Keys one proposal may set or delete: more than a DB can hold would be refused by the limits anyway. */
  maxProposedKeys: 40,
} as const;

/** A checked input, or the sentence that says what to change. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

export interface FindInput {
  readonly query: string;
}

export interface DbRefInput {
  readonly gate: string;
  readonly subscription: string;
}

export interface VerifyInput {
  readonly logupToken: string;
  readonly isNewUser?: boolean;
  readonly gate?: string;
}

export interface ProposeInput extends DbRefInput {
  readonly set: readonly DbEntry[];
  readonly delete: readonly string[];
}

/** logup_findSubscriptions: `{query?}`; an empty query lists every opened subscription. */
export function checkFindInput(raw: unknown): Checked<FindInput> {
  const fields = objectWith(raw ?? {}, ['query']);
  if (!fields.ok) return fields;
  const query = fields.value['query'] ?? '';
  if (typeof query !== 'string') return fail(l10n.t('"query" must be a string: a subscription or actor id, a gate, or key=value.'));
  if (query.length > TOOL_INPUT_LIMITS.maxQueryChars) {
    return fail(l10n.t('The query is {0} characters long; at most {1}. Search for one id or one key=value.', query.length, TOOL_INPUT_LIMITS.maxQueryChars));
  }
  return { ok: true, value: { query: query.trim() } };
}

/** logup_readDb: `{gate, subscription}`. */
export function checkDbRefInput(raw: unknown): Checked<DbRefInput> {
  const fields = objectWith(raw, ['gate', 'subscription']);
  return fields.ok ? refOf(fields.value) : fields;
}

/** logup_verifyToken: `{token, gate?}`; the token may be the whole redirect URL. Messages never repeat the token. */
export function checkVerifyInput(raw: unknown): Checked<VerifyInput> {
  const fields = objectWith(raw, ['token', 'gate']);
  if (!fields.ok) return fields;
  const { token, gate } = fields.value;
  if (typeof token !== 'string') return fail(l10n.t('"token" must be a string: the logupToken, or the whole redirect URL that carries it.'));
  const parsed = parseTokenInput(token);
  if (!parsed.ok) return fail(parsed.message);
  if (gate !== undefined && !(typeof gate === 'string' && isSafeId(gate))) return fail(gateAdvice());
  return {
    ok: true,
    value: { logupToken: parsed.logupToken, ...(parsed.isNewUser === undefined ? {} : { isNewUser: parsed.isNewUser }), ...(gate === undefined ? {} : { gate }) },
  };
}

/**
 * logup_proposeChange: `{gate, subscription, set?, delete?}`. Every key and value set must keep LogUp's per-key
 * limits; a key is set or deleted, not both; something must change. The key count is the save's to check: it
 * depends on what the server holds when the change is sent.
 */
export function checkProposeInput(raw: unknown): Checked<ProposeInput> {
  const fields = objectWith(raw, ['gate', 'subscription', 'set', 'delete']);
  if (!fields.ok) return fields;
  const ref = refOf(fields.value);
  if (!ref.ok) return ref;
  const { set = {}, delete: deleted = [] } = fields.value;
  if (typeof set !== 'object' || set === null || Array.isArray(set)) {
    return fail(l10n.t('"set" must be an object of key → value (a string, a boolean or an integer).'));
  }
  if (!Array.isArray(deleted) || deleted.some((k) => typeof k !== 'string')) return fail(l10n.t('"delete" must be a list of keys.'));
  // Object.entries lists an own `__proto__` (JSON.parse makes one) like any other key.
  const entries: DbEntry[] = [];
  for (const [key, value] of Object.entries(set as Record<string, unknown>)) {
    const problem = keyProblem(key)?.message ?? prefixed(key, valueProblem(value));
    if (problem !== undefined) return fail(problem);
    entries.push({ key, value: value as DbEntry['value'] });
  }
  const keys = deleted as string[];
  const setKeys = new Set(entries.map((e) => e.key));
  const seen = new Set<string>();
  for (const key of keys) {
    if (key === '') return fail(l10n.t('"delete" lists an empty key; list only keys the DB holds.'));
    if (seen.has(key)) return fail(l10n.t('"delete" lists key {0} twice.', showKey(key)));
    if (setKeys.has(key)) return fail(l10n.t('Key {0} is both set and deleted; propose one or the other.', showKey(key)));
    seen.add(key);
  }
  if (entries.length === 0 && keys.length === 0) return fail(l10n.t('Nothing to change: give "set" (key → value) or "delete" (keys), or both.'));
  if (entries.length + keys.length > TOOL_INPUT_LIMITS.maxProposedKeys) {
    return fail(l10n.t('A proposal sets or deletes at most {0} keys (a DB holds at most 20); this one has {1}.', TOOL_INPUT_LIMITS.maxProposedKeys, entries.length + keys.length));
  }
  return { ok: true, value: { ...ref.value, set: entries, delete: keys } };
}

// ---- helpers -------------------------------------------------------------------------------------------------

function refOf(fields: Record<string, unknown>): Checked<DbRefInput> {
  const { gate, subscription } = fields;
  if (!(typeof gate === 'string' && isSafeId(gate))) return fail(gateAdvice());
  if (!(typeof subscription === 'string' && isSafeId(subscription))) {
    return fail(l10n.t('Give "subscription": a subscription id, 1 to 128 letters, digits, "_" or "-" (logup_findSubscriptions finds them).'));
  }
  return { ok: true, value: { gate, subscription } };
}

function gateAdvice(): string {
  return l10n.t('Give "gate": the id of a gate added in the LogUp view (logup_findSubscriptions shows each subscription\'s gate).');
}

/** The fields of an input object; an unknown field is refused, so a misspelt "sets" does not go unnoticed. */
function objectWith(raw: unknown, known: readonly string[]): Checked<Record<string, unknown>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(l10n.t('The input must be an object with the fields {0}.', known.join(', ')));
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, value] of Object.entries(raw)) {
    if (!known.includes(name)) return fail(l10n.t('Unknown field {0}; the fields are {1}.', JSON.stringify(name.slice(0, 40)), known.join(', ')));
    fields[name] = value;
  }
  return { ok: true, value: fields };
}

function prefixed(key: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : l10n.t('Key {0}: {1}', showKey(key), problem);
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
