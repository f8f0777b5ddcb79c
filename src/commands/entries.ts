import * as vscode from 'vscode';
import type { Db, DbValue } from '../core/db';
import type { Ctx } from '../ctx';
import type { SubscriptionRef } from '../model/dbStore';
import type { EntryNode } from '../views/treeNodes';
import { refOf, type SubscriptionArg } from './subscriptions';
import { required, withProgress } from './ui';

type EntryArg = EntryNode | (SubscriptionRef & { key: string });

/**
 * Applies a tree edit through the same save path as the JSON editor. Only the touched key is compared with the
 * server: if someone changed it since the tree showed it, the user decides; other keys stay as the server has them.
 */
async function editKey(ctx: Ctx, ref: SubscriptionRef, key: string, shown: DbValue | undefined, next: DbValue | undefined, confirmed = false): Promise<Db> {
  return withProgress(`Saving ${ref.idSubscription}…`, async (signal) => {
    const server = await ctx.store.fetch(ref, signal);
    const current = server.db[key];
    if (current !== shown && !confirmed) {
      const answer = await vscode.window.showWarningMessage(
        `"${key}" changed on the server since it was shown.`,
        { modal: true, detail: `It is now ${current === undefined ? 'deleted' : JSON.stringify(current)}; you are about to make it ${next === undefined ? 'deleted' : JSON.stringify(next)}.` },
        'Overwrite',
      );
      if (answer !== 'Overwrite') throw new Error(`Nothing saved: "${key}" changed on the server. The tree now shows its current value.`);
    }
    const edited: Db = { ...server.db };
    if (next === undefined) delete edited[key];
    else edited[key] = next;
    const { db } = await ctx.store.save(ref, edited, { server, origin: 'tree', signal });
    return db;
  });
}

function entryRef(arg: EntryArg): SubscriptionRef & { key: string } {
  return { idGate: arg.idGate, idSubscription: arg.idSubscription, key: arg.key };
}

async function askValue(title: string, initial?: DbValue): Promise<DbValue> {
  const { parseValueInput } = await import('../core/valueInput');
  const text = required(await vscode.window.showInputBox({
    title,
    prompt: 'Text as is, or a JSON value: 42, true, "42" (a string)',
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
export async function editValue(ctx: Ctx, arg: EntryArg, value?: DbValue): Promise<Db> {
  const ref = entryRef(arg);
  const shown = ctx.store.peek(ref)?.db[ref.key];
  const next = value ?? (await askValue(`Edit ${ref.key} of ${ref.idSubscription}`, shown));
  return editKey(ctx, ref, ref.key, shown, next);
}

/** "Add Key…" on a subscription. */
export async function addKey(ctx: Ctx, arg: SubscriptionArg, key?: string, value?: DbValue): Promise<Db> {
  const ref = refOf(arg);
  const { checkKeyInput } = await import('../core/valueInput');
  const existing = Object.keys((await ctx.store.ensure(ref)).db);
  const newKey = key ?? required(await vscode.window.showInputBox({
    title: `Add a key to ${ref.idSubscription}`,
    prompt: 'The new key (at most 32 characters)',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const checked = checkKeyInput(v, existing);
      return checked.ok ? undefined : checked.message;
    },
  }));
  const checked = checkKeyInput(newKey, existing);
  if (!checked.ok) throw new Error(checked.message);
  const newValue = value ?? (await askValue(`Value of ${newKey}`));
  return editKey(ctx, ref, newKey, undefined, newValue);
}

/** "Delete Key" on a DB entry, after a confirmation (skipped when `confirmed`). */
export async function deleteKey(ctx: Ctx, arg: EntryArg, confirmed = false): Promise<Db | undefined> {
  const ref = entryRef(arg);
  const shown = ctx.store.peek(ref)?.db[ref.key];
  if (!confirmed) {
    const answer = await vscode.window.showWarningMessage(
      `Delete "${ref.key}" from ${ref.idSubscription}?`,
      { modal: true, detail: 'The key is deleted on the LogUp server now.' },
      'Delete',
    );
    if (answer !== 'Delete') return undefined;
  }
  return editKey(ctx, ref, ref.key, shown, undefined);
}
