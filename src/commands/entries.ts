import * as vscode from 'vscode';
import { DB_LIMITS, valueAt, withEntry, type Db, type DbValue } from '../core/db';
import { checkKeyInput, parseValueInput } from '../core/valueInput';
import type { Ctx } from '../ctx';
import { ConflictError } from '../db/saveErrors';
import type { SubscriptionRef } from '../db/subscriptionRef';
import { keyOf, subscriptionOf, type KeyArg, type SubscriptionArg } from './targets';
import { required, withProgress } from './ui';

/** The conflict's detail: what the server holds now, then what the edit would make of it (a sentence each). */
function conflictDetail(now: DbValue | undefined, next: DbValue | undefined): string {
  const server = now === undefined
    ? vscode.l10n.t('On the server it is now deleted.')
    : vscode.l10n.t('On the server it is now {0}.', JSON.stringify(now));
  const yours = next === undefined
    ? vscode.l10n.t('You are about to delete it.')
    : vscode.l10n.t('You are about to make it {0}.', JSON.stringify(next));
  return `${server} ${yours}`;
}

/**
 * Applies a tree edit through the same save path as the JSON editor, with the same rule: the change is made on the
 * DB the tree showed, and only if someone changed this key on the server since then does the user decide.
 */
async function editKey(ctx: Ctx, ref: SubscriptionRef, key: string, next: DbValue | undefined): Promise<Db> {
  return withProgress(vscode.l10n.t('Saving {0}…', ref.idSubscription), async (signal) => {
    const base = (await ctx.store.load(ref, signal)).db;
    try {
      return (await ctx.store.save(ref, { base, edited: withEntry(base, key, next), origin: 'tree', signal })).observation.db;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const now = valueAt(error.server.db, key);
      const overwrite = await ctx.modal.confirm('overwriteKey', vscode.l10n.t('"{0}" changed on the server since it was shown.', key), conflictDetail(now, next), vscode.l10n.t('Overwrite'));
      if (!overwrite) throw new Error(vscode.l10n.t('Nothing saved: "{0}" changed on the server. The tree now shows its current value.', key));
      // Overwriting means: the change is made on what the server held when the person chose. The save reads again
      // (the question took human time): a change made during it is a new conflict, never overwritten unseen.
      const server = error.server.db;
      return (await ctx.store.save(ref, { base: server, edited: withEntry(server, key, next), origin: 'tree', signal })).observation.db;
    }
  });
}

/** Asks for a value as Edit Value… does: text as is, or a JSON value (core/valueInput.ts). */
export async function askValue(title: string, initial?: DbValue): Promise<DbValue> {
  const text = required(await vscode.window.showInputBox({
    title,
    prompt: vscode.l10n.t('Text as is, or a JSON value: 42, true, "42" (a string)'),
    value: initial === undefined ? '' : typeof initial === 'string' ? initial : JSON.stringify(initial),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const parsed = parseValueInput(v);
      return parsed.ok ? undefined : parsed.message;
    },
  }));
  const parsed = parseValueInput(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

/** "Edit Value…" on a DB entry. `value` skips the prompt (automation, tests). */
export async function editValue(ctx: Ctx, arg: KeyArg, value?: DbValue): Promise<Db> {
  const ref = keyOf(arg);
  const db = ctx.store.current(ref)?.db;
  const shown = db ? valueAt(db, ref.key) : undefined;
  const next = value ?? (await askValue(vscode.l10n.t('Edit {0} of {1}', ref.key, ref.idSubscription), shown));
  return editKey(ctx, ref, ref.key, next);
}

/** "Add Key…" on a subscription. */
export async function addKey(ctx: Ctx, arg: SubscriptionArg, key?: string, value?: DbValue): Promise<Db> {
  const ref = subscriptionOf(arg);
  const existing = Object.keys((await ctx.store.load(ref)).db);
  const newKey = key ?? required(await vscode.window.showInputBox({
    title: vscode.l10n.t('Add a key to {0}', ref.idSubscription),
    prompt: vscode.l10n.t('The new key (at most {0} characters)', DB_LIMITS.maxKeyLength),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const checked = checkKeyInput(v, existing);
      return checked.ok ? undefined : checked.message;
    },
  }));
  const checked = checkKeyInput(newKey, existing);
  if (!checked.ok) throw new Error(checked.message);
  const newValue = value ?? (await askValue(vscode.l10n.t('Value of {0}', newKey)));
  return editKey(ctx, ref, newKey, newValue);
}

/**
 * "Delete Key" on a DB entry, after a confirmation (skipped where the write review will show the deletion anyway:
 * one question per write is enough).
 */
export async function deleteKey(ctx: Ctx, arg: KeyArg): Promise<Db | undefined> {
  const ref = keyOf(arg);
  if (!ctx.reviewer.appliesTo(ref.idGate)) {
    const message = vscode.l10n.t('Delete "{0}" from {1}?', ref.key, ref.idSubscription);
    if (!(await ctx.modal.confirm('deleteKey', message, vscode.l10n.t('The key is deleted on the LogUp server now.'), vscode.l10n.t('Delete')))) return undefined;
  }
  return editKey(ctx, ref, ref.key, undefined);
}
