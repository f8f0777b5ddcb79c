import * as vscode from 'vscode';
import { withProgress } from './ui';
import { HISTORY_VIEW_ID } from '../constants';
import type { Ctx } from '../ctx';
import { valueAt, type DbValue } from '../core/db';
import { showValue } from '../core/limits';
import { applyPlan } from '../core/savePlan';
import { undoCheck, undoPlan } from '../core/undo';
import { ConflictError } from '../db/saveErrors';
import type { SubscriptionRef } from '../db/subscriptionRef';
import { historyUri } from '../history/historyDocuments';
import { isUndoable, writtenChange, type HistoryEntry } from '../history/historyEntry';
import { writeTime } from '../history/historyView';
import { writeOf, type WriteArg } from './targets';

/** What undo asks when keys the write touched have changed on the server since. */
interface UndoQuestion {
  readonly ref: SubscriptionRef;
  /** Each changed key: what the server holds now and what the write left (undefined: absent). */
  readonly changed: readonly { readonly key: string; readonly now: DbValue | undefined; readonly left: DbValue | undefined }[];
  /** The keys undo can put back without overwriting anyone's later change. */
  readonly safe: readonly string[];
}

/** skip: undo only the safe keys; overwrite: undo the changed keys too; undefined: undo nothing. */
type UndoChoice = 'skip' | 'overwrite' | undefined;

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

/** "LogUp: Clear Write History", after a confirmation. */
export async function clearHistory(ctx: Ctx): Promise<boolean> {
  const count = (await ctx.history.load()).length;
  const detail = count === 1
    ? vscode.l10n.t('1 recorded write of every gate is deleted from this computer and can no longer be undone from here. Nothing changes on the LogUp server.')
    : vscode.l10n.t('{0} recorded writes of every gate are deleted from this computer and can no longer be undone from here. Nothing changes on the LogUp server.', count);
  if (!(await ctx.modal.confirm('clearHistory', vscode.l10n.t('Clear the write history?'), detail, vscode.l10n.t('Clear')))) return false;
  await ctx.history.clear();
  ctx.log.info('Write history cleared');
  return true;
}

/** "Open Changes": the keys the write touched, before ↔ after, in VS Code's diff editor. */
export async function openWriteDiff(ctx: Ctx, arg: WriteArg): Promise<void> {
  const entry = writeOf(ctx, arg);
  const title = vscode.l10n.t({ message: '{0} at {1}: before ↔ after', args: [entry.idSubscription, writeTime(entry.at)], comment: ['The diff editor\'s title: {0} is a subscription id, {1} the time of the write.'] });
  await vscode.commands.executeCommand('vscode.diff', historyUri(entry, 'before'), historyUri(entry, 'after'), title, { preview: true });
}

/**
 * "Undo This Write": puts back what the write changed, only where the server still holds what the write left.
 * Keys someone changed since are shown and the user chooses. The inverse goes
 * through the same save as any edit (limits, review, partial failures) and is recorded in the history itself.
 */
export async function undoWrite(ctx: Ctx, arg: WriteArg): Promise<UndoResult | undefined> {
  const entry = writeOf(ctx, arg);
  if (!isUndoable(entry)) throw new Error(vscode.l10n.t('This write changed nothing on the server, so there is nothing to undo.'));
  const ref: SubscriptionRef = { idGate: entry.idGate, idSubscription: entry.idSubscription };
  const result = await withProgress(vscode.l10n.t('Undoing the write to {0}…', ref.idSubscription), (signal) => undoEntry(ctx, entry, ref, signal));
  const headline = result.restored.length > 0 ? vscode.l10n.t('Undone on {0}.', ref.idSubscription) : vscode.l10n.t('Nothing to undo on {0}.', ref.idSubscription);
  void vscode.window.showInformationMessage([headline, ...undoneSentences(result)].join(' '));
  return result;
}

async function undoEntry(ctx: Ctx, entry: HistoryEntry, ref: SubscriptionRef, signal: AbortSignal): Promise<UndoResult> {
  const written = writtenChange(entry);
  const now = await ctx.store.read(ref, signal);
  const check = undoCheck(written, now.db);
  let keys = [...check.safe];
  let skipped: string[] = [];
  if (check.changed.length > 0) {
    const choice = await askAboutChangedKeys(ctx, { ref, safe: check.safe, changed: check.changed.map((key) => ({ key, now: valueAt(now.db, key), left: valueAt(written.after, key) })) });
    if (choice === undefined) throw new vscode.CancellationError();
    if (choice === 'overwrite') keys = [...keys, ...check.changed].sort();
    else skipped = [...check.changed];
  }
  const result: UndoResult = { restored: keys, skipped, alreadyBack: check.reverted };
  if (keys.length === 0) return result;
  const plan = undoPlan(written, now.db, keys);
  try {
    // The base is the DB just read: a key someone changes between that read and the save's own check is a conflict.
    await ctx.store.save(ref, { base: now.db, edited: applyPlan(now.db, plan), origin: 'undo', undoOf: entry.id, signal });
  } catch (error) {
    if (error instanceof ConflictError) {
      throw new Error(vscode.l10n.t('Nothing undone: {0} changed on {1} just now. Undo again to see what it holds.', error.keys.map((k) => JSON.stringify(k)).join(', '), ref.idSubscription));
    }
    throw error;
  }
  return result;
}

/** What the undo did, a sentence for each kind of key. */
function undoneSentences(result: UndoResult): string[] {
  const { restored, skipped, alreadyBack } = result;
  const sentences: string[] = [];
  if (restored.length > 0) {
    sentences.push(restored.length === 1 ? vscode.l10n.t('1 key is back as before the write.') : vscode.l10n.t('{0} keys are back as before the write.', restored.length));
  }
  if (skipped.length > 0) {
    sentences.push(skipped.length === 1 ? vscode.l10n.t('1 key changed since and was left as it is.') : vscode.l10n.t('{0} keys changed since and were left as they are.', skipped.length));
  }
  if (alreadyBack.length > 0) {
    sentences.push(alreadyBack.length === 1 ? vscode.l10n.t('1 key was already as before.') : vscode.l10n.t('{0} keys were already as before.', alreadyBack.length));
  }
  return sentences.length > 0 ? sentences : [vscode.l10n.t('Every key is already as before the write.')];
}

/** One line of the undo question: a key, what it holds now, and what the write left. */
function changedLine(key: string, now: DbValue | undefined, left: DbValue | undefined): string {
  const name = JSON.stringify(key);
  if (now === undefined) {
    return left === undefined ? vscode.l10n.t('{0}: now deleted, this write left it deleted', name) : vscode.l10n.t('{0}: now deleted, this write left {1}', name, showValue(left));
  }
  return left === undefined ? vscode.l10n.t('{0}: now {1}, this write left it deleted', name, showValue(now)) : vscode.l10n.t('{0}: now {1}, this write left {2}', name, showValue(now), showValue(left));
}

/** The modal: which keys changed since, what they hold now against what the write left, and the two ways on. */
async function askAboutChangedKeys(ctx: Ctx, question: UndoQuestion): Promise<UndoChoice> {
  const { changed, safe, ref } = question;
  const shown = 8;
  const lines = changed.slice(0, shown).map(({ key, now, left }) => changedLine(key, now, left));
  if (changed.length > shown) lines.push(vscode.l10n.t('… and {0} more', changed.length - shown));
  const skip = safe.length === 0 ? undefined : changed.length === 1 ? vscode.l10n.t('Skip It') : vscode.l10n.t('Skip Them');
  const writeAnyway = vscode.l10n.t('Write Anyway');
  const ways = [
    ...(skip === undefined ? [] : [safe.length === 1 ? vscode.l10n.t('{0}: undo only the other key.', skip) : vscode.l10n.t('{0}: undo only the other {1} keys.', skip, safe.length)]),
    vscode.l10n.t('{0}: put back the values from before this write over the newer ones.', writeAnyway),
  ];
  const detail = [lines.join('\n'), ways.join(' ')].join('\n\n');
  const message = changed.length === 1
    ? vscode.l10n.t('1 key of {0} changed since this write.', ref.idSubscription)
    : vscode.l10n.t('{0} keys of {1} changed since this write.', changed.length, ref.idSubscription);
  const answer = await ctx.modal.ask({ id: 'undoChangedKeys', severity: 'warning', message, detail, actions: [...(skip ? [skip] : []), writeAnyway] });
  if (answer === writeAnyway) return 'overwrite';
  return answer !== undefined && answer === skip ? 'skip' : undefined;
}
