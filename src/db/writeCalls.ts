// The write calls of a save plan: how they are sent, what the server holds after the ones that landed, and the
// words that say precisely what did not land. No `vscode` import; DbStore orders the saves and records the result.
import * as l10n from '@vscode/l10n';
import { mayHaveBeenApplied } from '../api/failures';
import type { LogUpClient } from '../api/logUpClient';
import { hasKey, type Db } from '../core/db';
import { plural } from '../core/limits';
import { applyPlan, type CallOutcome, type SavePlan } from '../core/savePlan';

/** One write call of a plan. */
export type WriteCall = 'put' | 'delete';

export type { CallOutcome } from '../core/savePlan';

/** A write that did not fully land: what the user is told, and what the store records. */
export interface WriteFailure {
  /** A sentence that names what landed, what failed and why, and what saving again will do. */
  readonly message: string;
  /** The failed call's error; an AggregateError of both when both failed. */
  readonly cause: unknown;
  /** A call of the write did land. */
  readonly landed: boolean;
  /** A failed call may still have been applied. */
  readonly uncertain: boolean;
  /** One line per failed call, for the log. */
  readonly lines: readonly string[];
}

/** What sending a plan did. */
export interface WriteResult {
  /** The DB the server holds after the calls that landed (`start` when none did). */
  readonly db: Db;
  /** Each call the plan has, and how far it got. */
  readonly calls: Partial<Record<WriteCall, CallOutcome>>;
  readonly failure?: WriteFailure;
}

/** The calls, in the order a message names them when they ran together. */
const CALLS: readonly WriteCall[] = ['put', 'delete'];

type Failed = { readonly call: WriteCall; readonly ok: false; readonly error: unknown };
type Sent = { readonly call: WriteCall; readonly ok: true; readonly db: Db | undefined } | Failed;

/**
 * Sends the plan's calls on `start` (the server's DB as the check read it). When the key cap needs the DELETE first,
 * one after the other, and a failed DELETE stops the PUT. Otherwise both at once: they touch different keys and
 * either order stays within the cap, so the save waits one round trip for both instead of one for each.
 */
export async function sendPlan(
  client: Pick<LogUpClient, 'putDb' | 'deleteDb'>,
  idSubscription: string,
  start: Db,
  plan: SavePlan,
  options: { signal?: AbortSignal },
): Promise<WriteResult> {
  const send = async (call: WriteCall): Promise<Sent> => {
    try {
      const db = call === 'put'
        ? await client.putDb(idSubscription, plan.putEntries, options)
        : await client.deleteDb(idSubscription, plan.deleteKeys, options);
      return { call, ok: true, db };
    } catch (error) {
      return { call, ok: false, error };
    }
  };
  const planned = CALLS.filter((call) => callSize(plan, call) > 0);
  let sent: Sent[];
  if (plan.deleteFirst) {
    const first = await send('delete');
    if (first.ok) await connectionBack();
    sent = first.ok ? [first, await send('put')] : [first];
  } else {
    sent = await Promise.all(planned.map(send));
  }
  const calls: Partial<Record<WriteCall, CallOutcome>> = {};
  for (const call of planned) calls[call] = 'notSent';
  for (const s of sent) calls[s.call] = s.ok ? 'done' : mayHaveBeenApplied(s.error) ? 'uncertain' : 'failed';
  const db = landedDb(start, plan, sent);
  const failed = sent.filter((s): s is Failed => !s.ok);
  if (failed.length === 0) return { db, calls };
  const done = sent.filter((s) => s.ok).map((s) => s.call);
  return { db, calls, failure: describeFailure(plan, done, failed) };
}

/**
 * The connections a plan's writes use at once: two when a PUT and a DELETE go side by side (over HTTP/1.1 each
 * needs its own), else one. The save's check GET asks for them (`LogUpClient.preconnect`) before it is sent, with
 * the plan the caller's own change makes, so that from an empty pool both connections' handshakes overlap the GET
 * and the writes wait for none (4 round trips over HTTPS instead of 6; BENCHMARKS.md, part 6b). If the server's
 * answer changes the plan, the worst is a connection opened for nothing: never a request.
 */
export function connectionsFor(plan: SavePlan): number {
  return plan.putEntries.length > 0 && plan.deleteKeys.length > 0 && !plan.deleteFirst ? 2 : 1;
}

/**
 * Resolves once the connection of the answer just read is back in the client's pool. undici puts it back a moment
 * after the answer was read, and a request sent before then opens a second connection: two more round trips of
 * handshakes on HTTPS. One turn of the event loop is enough.
 */
export function connectionBack(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function callSize(plan: SavePlan, call: WriteCall): number {
  return call === 'put' ? plan.putEntries.length : plan.deleteKeys.length;
}

/** "1 key" / "3 keys", for the sentences below (translated whole, with their number). */
function keyCount(n: number): string {
  return n === 1 ? l10n.t('1 key') : l10n.t('{0} keys', n);
}

/** What a call that landed did, e.g. "2 keys added or changed". */
function doneText(plan: SavePlan, call: WriteCall): string {
  return call === 'put'
    ? l10n.t('{0} added or changed', keyCount(plan.putEntries.length))
    : l10n.t('the deletion of {0}', keyCount(plan.deleteKeys.length));
}

/** What a call that failed was doing, e.g. "deleting 1 key". */
function failedText(plan: SavePlan, call: WriteCall): string {
  return call === 'put' ? l10n.t('adding or changing {0}', keyCount(plan.putEntries.length)) : l10n.t('deleting {0}', keyCount(plan.deleteKeys.length));
}

/** The same, in English, for the log. */
function failedLogText(plan: SavePlan, call: WriteCall): string {
  return call === 'put' ? `adding or changing ${plural(plan.putEntries.length, 'key')}` : `deleting ${plural(plan.deleteKeys.length, 'key')}`;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The DB the server holds after the calls that succeeded, always an answer the server gave (or, after a 204, the
 * DB it answered before less the deleted keys, as when the calls go one after the other). A PUT answers with the
 * whole DB; a DELETE with the whole DB (200) or nothing (204). In order (DELETE, then PUT) the PUT's answer is the
 * newest. Sent together, the PUT's answer is the later one when it no longer holds any deleted key; otherwise the
 * DELETE came after it, and its answer (or the PUT's less the deleted keys) is. Never a mix of the two answers:
 * someone may have changed a key in between, and the store must not show a DB the server never held.
 */
function landedDb(start: Db, plan: SavePlan, sent: readonly Sent[]): Db {
  const answer = (call: WriteCall): { db: Db | undefined } | undefined => {
    const s = sent.find((x) => x.call === call);
    return s?.ok ? { db: s.db } : undefined;
  };
  const withoutDeleted = (db: Db): Db => applyPlan(db, { deleteKeys: plan.deleteKeys, putEntries: [], deleteFirst: true });
  const put = answer('put')?.db;
  const del = answer('delete');
  if (put !== undefined && del !== undefined && !plan.deleteFirst) {
    const putAnsweredLast = plan.deleteKeys.every((key) => !hasKey(put, key));
    if (putAnsweredLast) return put;
    return del.db ?? withoutDeleted(put);
  }
  if (put !== undefined) return put;
  if (del !== undefined) return del.db ?? withoutDeleted(start);
  return start;
}

/**
 * The words for a write in which the calls `failed` did not (or may not have) land, and the call `done` did (at most
 * one: a write has two calls). Each case is one whole sentence for translators; the log lines stay English.
 */
function describeFailure(plan: SavePlan, done: readonly WriteCall[], failed: readonly Failed[]): WriteFailure {
  const lines = failed.map((f) => `${failedLogText(plan, f.call)} failed: ${reason(f.error)}`);
  const unsure = failed.filter((f) => mayHaveBeenApplied(f.error));
  const landed = done.length > 0;
  const [first, second] = failed;
  let what: string;
  if (landed) {
    what = l10n.t('Saved {0}, but {1} failed: {2}.', doneText(plan, done[0]!), failedText(plan, first!.call), reason(first!.error));
  } else if (second === undefined) {
    what = l10n.t('Saving failed: {0} failed: {1}.', failedText(plan, first!.call), reason(first!.error));
  } else {
    what = l10n.t('Saving failed: {0} failed: {1}, and {2} failed: {3}.', failedText(plan, first!.call), reason(first!.error), failedText(plan, second.call), reason(second.error));
  }
  let next: string;
  if (unsure.length === 0) {
    next = landed ? l10n.t('Save again to send the rest.') : l10n.t('Nothing was changed on the server.');
  } else if (unsure.length === failed.length) {
    next = failed.length === 1
      ? l10n.t('The server may or may not have applied it; save again to check and send what is left.')
      : l10n.t('The server may or may not have applied them; save again to check and send what is left.');
  } else {
    // Both failed, one of them in a way that may have been applied: say which one.
    next = unsure[0]!.call === 'put'
      ? l10n.t('Adding or changing {0} may or may not have been applied; deleting {1} was not. Save again to check and send what is left.', keyCount(plan.putEntries.length), keyCount(plan.deleteKeys.length))
      : l10n.t('Deleting {0} may or may not have been applied; adding or changing {1} was not. Save again to check and send what is left.', keyCount(plan.deleteKeys.length), keyCount(plan.putEntries.length));
  }
  const message = `${what} ${next}`;
  const cause = failed.length === 1 ? failed[0]!.error : new AggregateError(failed.map((f) => f.error), lines.join('; '));
  return { message, cause, landed, uncertain: unsure.length > 0, lines };
}
