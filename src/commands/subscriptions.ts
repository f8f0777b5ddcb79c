import * as vscode from 'vscode';
import { VIEW_ID } from '../constants';
import type { Ctx } from '../ctx';
import { isSafeId } from '../core/dbPath';
import { dbUri, refOfUri } from '../db/subscriptionFileSystem';
import type { SubscriptionRef } from '../db/subscriptionRef';
import type { SubscriptionNode } from '../views/treeNodes';
import { pickGate, subscriptionOf, type SubscriptionArg } from './targets';
import { required, withProgress } from './ui';

/**
 * Shows the subscription in the LogUp view, selected and expanded, wherever the user was: a hidden view is opened
 * first (the Explorer may be showing), without taking the keyboard focus from the editor or the palette.
 */
export async function revealSubscription(ctx: Ctx, ref: SubscriptionRef): Promise<void> {
  ctx.tree.flush();
  const node = ctx.tree.subscriptionNode(ref);
  if (!node) return;
  try {
    if (!ctx.treeView.visible) {
      // reveal() opens a hidden view (focus: false keeps the focus where it is), but the view's own redraw on
      // becoming visible would then replace the tree under the reveal: open it, let that redraw land, then reveal.
      const shown = becomesVisible(ctx.treeView, 3000);
      await ctx.treeView.reveal(node, { select: false, focus: false });
      await shown;
      ctx.tree.flush();
    }
    await ctx.treeView.reveal(node, { expand: true, select: true, focus: false });
  } catch (error) {
    ctx.log.debug(`reveal failed: ${String(error)}`);
  }
}

/** Resolves when the view becomes visible, or after `ms` (a view the user removed from the layout never does). */
function becomesVisible(view: vscode.TreeView<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      listener.dispose();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const listener = view.onDidChangeVisibility((e) => {
      if (e.visible) done();
    });
  });
}

/** "LogUp: Open Subscription by ID…": checks that it exists, then adds it to the tree. */
export async function openSubscriptionById(ctx: Ctx, args: { idGate?: string; idSubscription?: string } = {}): Promise<SubscriptionRef> {
  const gate = await pickGate(ctx, args.idGate, vscode.l10n.t('Open a subscription of which gate?'));
  const idSubscription = args.idSubscription ?? required(await vscode.window.showInputBox({
    title: vscode.l10n.t('Open Subscription of {0}', gate.label),
    prompt: vscode.l10n.t('The subscription id (idSubscription)'),
    placeHolder: 'sub_…',
    ignoreFocusOut: true,
    validateInput: (v) => (isSafeId(v.trim()) ? undefined : vscode.l10n.t('A subscription id is made of letters, digits, "_" and "-", e.g. sub_abc123.')),
  })).trim();
  if (!isSafeId(idSubscription)) throw new Error(vscode.l10n.t('"{0}" is not a subscription id: use letters, digits, "_" and "-".', idSubscription));
  const ref = { idGate: gate.idGate, idSubscription };
  await withProgress(vscode.l10n.t('Opening {0}…', idSubscription), (signal) => ctx.store.read(ref, signal));
  await ctx.opened.add(gate.idGate, { idSubscription });
  await revealSubscription(ctx, ref);
  return ref;
}

/** "Open DB as JSON": the subscription's DB as a `logup:` document (language logup-db); with `key`, that key is selected. */
export async function openDb(ctx: Ctx, arg?: SubscriptionArg, key?: string): Promise<vscode.TextEditor> {
  const ref = arg ? subscriptionOf(arg) : await openSubscriptionById(ctx);
  const document = await vscode.workspace.openTextDocument(dbUri(ref));
  // Its own language keeps VS Code's auto-save away from it (DbLanguage); opening must not wait for a switch later.
  const editor = await vscode.window.showTextDocument(await ctx.dbLanguage.apply(document), { preview: false });
  if (key !== undefined) selectKey(editor, key);
  return editor;
}

/** Puts the cursor on a key's name, wherever the (possibly edited) document has it. */
function selectKey(editor: vscode.TextEditor, key: string): void {
  const quoted = JSON.stringify(key);
  const match = new RegExp(`${quoted.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).exec(editor.document.getText());
  if (!match) return;
  const start = editor.document.positionAt(match.index);
  const range = new vscode.Range(start, editor.document.positionAt(match.index + quoted.length));
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** "Refresh": re-reads every opened subscription whose DB was loaded; clean editors follow. */
export async function refresh(ctx: Ctx): Promise<void> {
  await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, async () => {
    const refs = ctx.gates.list().flatMap((g) => ctx.opened.list(g.idGate).map((s) => ({ idGate: g.idGate, idSubscription: s.idSubscription })));
    await Promise.allSettled(refs.filter((ref) => ctx.store.current(ref)).map((ref) => ctx.store.read(ref)));
    ctx.tree.refresh();
  });
}

/** "Refresh" on one subscription (also the retry of a failed load). */
export async function refreshSubscription(ctx: Ctx, arg: SubscriptionArg): Promise<void> {
  const ref = subscriptionOf(arg);
  await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, async () => {
    try {
      await ctx.store.read(ref);
    } finally {
      ctx.tree.refreshSubscription(ref);
    }
  });
}

export async function copySubscriptionId(_ctx: Ctx, arg: SubscriptionArg): Promise<void> {
  await vscode.env.clipboard.writeText(subscriptionOf(arg).idSubscription);
}

export async function copyActorId(_ctx: Ctx, node: SubscriptionNode): Promise<void> {
  if (node.subscription.idActor) await vscode.env.clipboard.writeText(node.subscription.idActor);
}

/** "Remove from View": the subscription leaves the tree; nothing changes on the server. */
export async function removeSubscription(ctx: Ctx, arg: SubscriptionArg): Promise<void> {
  const ref = subscriptionOf(arg);
  await ctx.opened.remove(ref.idGate, ref.idSubscription);
  ctx.store.forget(ref);
}

/** "LogUp: Revert to Server": reloads the server's DB into the editor, dropping unsaved edits. */
export async function revertToServer(ctx: Ctx, uri?: vscode.Uri): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  const ref = target ? refOfUri(target) : undefined;
  if (!target || !ref) throw new Error(vscode.l10n.t('Open a LogUp DB document first (from the LogUp view: "Open DB as JSON").'));
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reloading {0}', ref.idSubscription) }, () => ctx.store.read(ref));
  await vscode.window.showTextDocument(target, { preview: false });
  await vscode.commands.executeCommand('workbench.action.files.revert');
}
