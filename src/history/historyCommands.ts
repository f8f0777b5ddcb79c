import * as vscode from 'vscode';
import { withProgress } from '../commands/ui';
import { HISTORY_VIEW_ID } from '../constants';
import type { Ctx } from '../ctx';
import { valueAt, type DbValue } from '../core/db';
import { plural } from '../core/limits';
import { applyPlan } from '../core/savePlan';
import { undoCheck, undoPlan } from '../core/undo';
import { ConflictError } from '../db/dbStore';
import type { SubscriptionRef } from '../db/subscriptionRef';
import { historyUri } from './historyDocuments';
import { isUndoable, showValue, writtenChange, type HistoryEntry } from './historyEntry';
import { writeTime, type HistoryNode } from './historyView';

/** A write of the History view, or its id from code. */
type WriteArg = Extract<HistoryNode, { kind: 'write' }> | { readonly id: string };

/** What undo asks when keys the write touched have changed on the server since. */
export interface UndoQuestion {
  readonly ref: SubscriptionRef;
  /** Each changed key: what the server holds now and what the write left (undefined: absent). */
  readonly changed: readonly { readonly key: string; readonly now: DbValue | undefined; readonly left: DbValue | undefined }[];
  /** The keys undo can put back without overwriting anyone's later change. */
  readonly safe: readonly string[];
}

/** skip: undo only the safe keys; overwrite: undo the changed keys too; undefined: undo nothing. */
export type UndoChoice = 'skip' | 'overwrite' | undefined;

export type UndoChooser = (question: UndoQuestion) => Promise<UndoChoice>;

/** What an undo did, by key. */
export interface UndoResult {
  readonly restored: readonly string[];
  /** Changed since the write and left as they are, by the user's choice. */
  readonly skipped: readonly string[];
  /** Already back to how they were before the write. */
  readonly alreadyBack: readonly string[];
}

/** "LogUp: Show Write History". */
export async function showHistory(): Promise<void> {
  await vscode.commands.executeCommand(`${HISTORY_VIEW_ID}.focus`);
}

/** "LogUp: Clear Write History", after a confirmation (skipped when `confirmed`). */
export async function clearHistory(ctx: Ctx, arg?: { confirmed?: boolean }): Promise<boolean> {
  const count = (await ctx.history.load()).length;
  if (!(arg && typeof arg === 'object' && arg.confirmed === true)) {
    const answer = await vscode.window.showWarningMessage(
      'Clear the write history?',
      { modal: true, detail: `${plural(count, 'recorded write')} of every gate ${count === 1 ? 'is' : 'are'} deleted from this computer and can no longer be undone from here. Nothing changes on the LogUp server.` },
      'Clear',
    );
    if (answer !== 'Clear') return false;
  }
  await ctx.history.clear();
  ctx.log.info('Write history cleared');
  return true;
}

/** "Open Changes": the keys the write touched, before ↔ after, in VS Code's diff editor. */
export async function openWriteDiff(ctx: Ctx, arg: WriteArg): Promise<void> {
  const entry = entryOf(ctx, arg);
  const title = `${entry.idSubscription} at ${writeTime(entry.at)}: before ↔ after`;
  await vscode.commands.executeCommand('vscode.diff', historyUri(entry, 'before'), historyUri(entry, 'after'), title, { preview: true });
}

/**
 * "Undo This Write": puts back what the write changed, only where the server still holds what the write left.
 * Keys someone changed since are shown and the user chooses (`choose` replaces the dialog in tests). The inverse goes
 * through the same save as any edit (limits, review, partial failures) and is recorded in the history itself.
 */
export async function undoWrite(ctx: Ctx, arg: WriteArg, choose?: UndoChooser): Promise<UndoResult | undefined> {
  const entry = entryOf(ctx, arg);
  if (!isUndoable(entry)) throw new Error('This write changed nothing on the server, so there is nothing to undo.');
  const ref: SubscriptionRef = { idGate: entry.idGate, idSubscription: entry.idSubscription };
  const result = await withProgress(`Undoing the write to ${ref.idSubscription}…`, (signal) => undoEntry(ctx, entry, ref, choose, signal));
  const done = undoneText(result);
  void vscode.window.showInformationMessage(result.restored.length > 0 ? `Undone on ${ref.idSubscription}: ${done}.` : `Nothing to undo on ${ref.idSubscription}: ${done}.`);
  return result;
}

async function undoEntry(ctx: Ctx, entry: HistoryEntry, ref: SubscriptionRef, choose: UndoChooser | undefined, signal: AbortSignal): Promise<UndoResult> {
  const written = writtenChange(entry);
  const now = await ctx.store.read(ref, signal);
  const check = undoCheck(written, now.db);
  let keys = [...check.safe];
  let skipped: string[] = [];
  if (check.changed.length > 0) {
    const ask = typeof choose === 'function' ? choose : askAboutChangedKeys;
    const choice = await ask({ ref, safe: check.safe, changed: check.changed.map((key) => ({ key, now: valueAt(now.db, key), left: valueAt(written.after, key) })) });
    if (choice === undefined) throw new vscode.CancellationError();
    if (choice === 'overwrite') keys = [...keys, ...check.changed].sort();
    else skipped = [...check.changed];
  }
  const result: UndoResult = { restored: keys, skipped, alreadyBack: check.reverted };
  if (keys.length === 0) return result;
  const plan = undoPlan(written, now.db, keys);
  const settled = ctx.history.expectUndo(ref, entry.id);
  try {
    // The base is the DB just read: a key someone changes between that read and the save's own check is a conflict.
    await ctx.store.save(ref, { base: now.db, edited: applyPlan(now.db, plan), origin: 'undo', signal });
  } catch (error) {
    if (error instanceof ConflictError) {
      throw new Error(`Nothing undone: ${error.keys.map((k) => JSON.stringify(k)).join(', ')} changed on ${ref.idSubscription} just now. Undo again to see what it holds.`);
    }
    throw error;
  } finally {
    settled();
  }
  return result;
}

function undoneText(result: UndoResult): string {
  const parts: string[] = [];
  if (result.restored.length > 0) parts.push(`${plural(result.restored.length, 'key')} put back as before the write`);
  if (result.skipped.length > 0) parts.push(`${plural(result.skipped.length, 'key')} changed since left as ${result.skipped.length === 1 ? 'it is' : 'they are'}`);
  if (result.alreadyBack.length > 0) parts.push(`${plural(result.alreadyBack.length, 'key')} already as before`);
  return parts.join('; ') || 'every key is already as before the write';
}

/** The modal: which keys changed since, what they hold now against what the write left, and the two ways on. */
async function askAboutChangedKeys(question: UndoQuestion): Promise<UndoChoice> {
  const { changed, safe, ref } = question;
  const shown = 8;
  const lines = changed.slice(0, shown).map(({ key, now, left }) =>
    `${JSON.stringify(key)}: now ${now === undefined ? 'deleted' : showValue(now)}, this write left ${left === undefined ? 'it deleted' : showValue(left)}`);
  if (changed.length > shown) lines.push(`… and ${changed.length - shown} more`);
  const skip = safe.length > 0 ? `Skip ${changed.length === 1 ? 'It' : 'Them'}` : undefined;
  const detail = [
    lines.join('\n'),
    `${safe.length > 0 ? `${skip}: undo only the other ${plural(safe.length, 'key')}. ` : ''}Write Anyway: put back the values from before this write over the newer ones.`,
  ].join('\n\n');
  const answer = await vscode.window.showWarningMessage(
    `${plural(changed.length, 'key')} of ${ref.idSubscription} changed since this write.`,
    { modal: true, detail },
    ...(skip ? [skip] : []), 'Write Anyway',
  );
  if (answer === 'Write Anyway') return 'overwrite';
  return answer !== undefined && answer === skip ? 'skip' : undefined;
}

function entryOf(ctx: Ctx, arg: WriteArg | undefined): HistoryEntry {
  const id = arg && typeof arg === 'object' ? ('entry' in arg ? arg.entry.id : arg.id) : undefined;
  const entry = typeof id === 'string' ? ctx.history.get(id) : undefined;
  if (!entry) throw new Error('This write is no longer in the write history (it was cleared, or is older than the history keeps).');
  return entry;
}
