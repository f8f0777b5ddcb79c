// What a command acts on: the gate, the subscription, the DB key or the recorded write, from whatever it was run
// with (a tree node, an id from code or a link, the open `logup:` document) or, failing that, the person's pick.
import * as vscode from 'vscode';
import { COMMANDS } from '../constants';
import { searchSubscriptions, summarizeDb, type SearchCandidate } from '../core/subscriptionSearch';
import type { Ctx } from '../ctx';
import { refOfUri } from '../db/subscriptionFileSystem';
import type { SubscriptionRef } from '../db/subscriptionRef';
import type { Gate } from '../gates/gateStore';
import type { HistoryEntry } from '../history/historyEntry';
import type { HistoryNode } from '../history/historyView';
import type { EntryNode, GateNode, SubscriptionNode } from '../views/treeNodes';
import { required } from './ui';

// ---- gate ------------------------------------------------------------------------------------------------------

/** A gate node from the tree, or `{ idGate, … }` from code, a status bar item or a link. */
export type GateArg = GateNode | { readonly idGate: string };

/** The gate id an argument names, if any. */
export function gateIdOf(arg: GateArg | undefined): string | undefined {
  return arg && 'gate' in arg ? arg.gate.idGate : arg?.idGate;
}

/** The gate to act on: the one named, the only one, or the user's pick. Offers to add one when there is none. */
export async function pickGate(ctx: Ctx, idGate?: string, purpose = vscode.l10n.t('Pick a gate')): Promise<Gate> {
  const gates = ctx.gates.list();
  if (idGate !== undefined) {
    const gate = ctx.gates.get(idGate);
    if (!gate) throw new Error(vscode.l10n.t('There is no gate {0}. Run "LogUp: Add Gate" first.', idGate));
    return gate;
  }
  if (gates.length === 1 && gates[0]) return gates[0];
  if (gates.length === 0) {
    const addGate = vscode.l10n.t('Add Gate');
    const addSandbox = vscode.l10n.t('Add Sandbox Gate');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('Add a LogUp gate first: its id and secret key, or the local sandbox.'), addGate, addSandbox);
    if (choice === addGate) await vscode.commands.executeCommand(COMMANDS.addGate);
    if (choice === addSandbox) await vscode.commands.executeCommand(COMMANDS.addSandboxGate);
    throw new vscode.CancellationError();
  }
  const picked = await vscode.window.showQuickPick(
    gates.map((gate) => ({ label: gate.label, description: gate.idGate === gate.label ? gate.baseUrl : `${gate.idGate} · ${gate.baseUrl}`, gate })),
    { title: purpose, placeHolder: vscode.l10n.t('Which gate?'), ignoreFocusOut: true },
  );
  return required(picked).gate;
}

// ---- subscription ----------------------------------------------------------------------------------------------

/** A subscription node from the tree, or a ref from code. */
export type SubscriptionArg = SubscriptionNode | SubscriptionRef;

/** The subscription a tree node or a ref from code names. */
export function subscriptionOf(arg: SubscriptionArg): SubscriptionRef {
  return 'subscription' in arg ? { idGate: arg.idGate, idSubscription: arg.subscription.idSubscription } : arg;
}

/** The subscription a command acts on: the tree node it was run on, the open `logup:` document's, or the user's pick. */
export async function subscriptionFor(ctx: Ctx, arg: SubscriptionArg | undefined, title: string): Promise<SubscriptionRef> {
  if (arg) return subscriptionOf(arg);
  const active = vscode.window.activeTextEditor?.document.uri;
  const ref = active ? refOfUri(active) : undefined;
  if (ref) return ref;
  return required(await pickSubscription(ctx, { title, placeholder: vscode.l10n.t('Which subscription? Type an id, an actor or key=value') }));
}

/** The opened subscriptions of every gate, with the DBs the store has loaded (no request is made). */
export function openedCandidates(ctx: Ctx): SearchCandidate[] {
  return ctx.gates.list().flatMap((gate) => ctx.opened.list(gate.idGate).map((s): SearchCandidate => ({
    idGate: gate.idGate,
    gateLabel: gate.label,
    idSubscription: s.idSubscription,
    idActor: s.idActor,
    db: ctx.store.current({ idGate: gate.idGate, idSubscription: s.idSubscription })?.db,
  })));
}

type Item = vscode.QuickPickItem & { readonly ref: SubscriptionRef };

function toItem(c: SearchCandidate): Item {
  const who = c.idActor ? `${c.idActor} · ${c.gateLabel}` : c.gateLabel;
  return {
    label: `$(account) ${c.idSubscription}`,
    description: who,
    detail: c.db ? summarizeDb(c.db) : vscode.l10n.t('DB not loaded yet: expand it in the LogUp view to search its keys.'),
    // Our own rule decides what matches (core/subscriptionSearch.ts); VS Code's filter must not hide what it kept.
    alwaysShow: true,
    ref: { idGate: c.idGate, idSubscription: c.idSubscription },
  };
}

/** A picker over the opened subscriptions, filtered by searchSubscriptions as the person types. */
export async function pickSubscription(ctx: Ctx, options: { title: string; placeholder: string; value?: string }): Promise<SubscriptionRef | undefined> {
  const all = openedCandidates(ctx);
  if (all.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No subscription is open in the LogUp view yet. Verify a token or open a subscription by ID first.'));
    return undefined;
  }
  const picker = vscode.window.createQuickPick<Item>();
  picker.title = options.title;
  picker.placeholder = options.placeholder;
  picker.matchOnDescription = false;
  picker.matchOnDetail = false;
  picker.ignoreFocusOut = true;
  const update = (value: string): void => {
    picker.items = searchSubscriptions(all, value).map(toItem);
  };
  picker.value = options.value ?? '';
  update(picker.value);
  try {
    return await new Promise<SubscriptionRef | undefined>((resolve) => {
      picker.onDidChangeValue(update);
      picker.onDidAccept(() => resolve(picker.selectedItems[0]?.ref));
      picker.onDidHide(() => resolve(undefined));
      picker.show();
    });
  } finally {
    picker.dispose();
  }
}

// ---- DB key ----------------------------------------------------------------------------------------------------

/** A key of a subscription's DB: an entry node from the tree, or a ref and a key from code. */
export type KeyArg = EntryNode | (SubscriptionRef & { readonly key: string });

/** The subscription and key an argument names. */
export function keyOf(arg: KeyArg): SubscriptionRef & { readonly key: string } {
  return { idGate: arg.idGate, idSubscription: arg.idSubscription, key: arg.key };
}

// ---- recorded write --------------------------------------------------------------------------------------------

/** A write of the History view, or its id from code. */
export type WriteArg = Extract<HistoryNode, { kind: 'write' }> | { readonly id: string };

/** The recorded write an argument names; throws when the history no longer has it. */
export function writeOf(ctx: Ctx, arg: WriteArg | undefined): HistoryEntry {
  const id = arg && typeof arg === 'object' ? ('entry' in arg ? arg.entry.id : arg.id) : undefined;
  const entry = typeof id === 'string' ? ctx.history.get(id) : undefined;
  if (!entry) throw new Error(vscode.l10n.t('This write is no longer in the write history (it was cleared, or is older than the history keeps).'));
  return entry;
}
