import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { refOfUri } from '../db/subscriptionFileSystem';
import type { SubscriptionRef } from '../db/subscriptionRef';
import { searchSubscriptions, summarizeDb, type SearchCandidate } from '../find/subscriptionSearch';
import { revealSubscription, subscriptionOf, type SubscriptionArg } from './subscriptions';
import { required } from './ui';

/** The opened subscriptions of every gate, with the DBs the store has loaded (no request is made). */
export function candidates(ctx: Ctx): SearchCandidate[] {
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
    // Our own rule decides what matches (subscriptionSearch.ts); VS Code's filter must not hide what it kept.
    alwaysShow: true,
    ref: { idGate: c.idGate, idSubscription: c.idSubscription },
  };
}

/** A picker over the opened subscriptions, filtered by searchSubscriptions as the person types. */
async function pick(ctx: Ctx, options: { title: string; placeholder: string; value?: string }): Promise<SubscriptionRef | undefined> {
  const all = candidates(ctx);
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

/**
 * "LogUp: Find Subscription…": searches the opened subscriptions of all gates by id, actor and `key=value` of the
 * loaded DBs, and reveals the one picked in the LogUp view. With `query` (automation, keybindings), a single match
 * is revealed without the picker; several open the picker with the query typed in.
 */
export async function findSubscription(ctx: Ctx, args: { query?: string } = {}): Promise<SubscriptionRef | undefined> {
  let ref: SubscriptionRef | undefined;
  const matches = args.query === undefined ? [] : searchSubscriptions(candidates(ctx), args.query);
  const [only] = matches;
  if (only && matches.length === 1) {
    ref = { idGate: only.idGate, idSubscription: only.idSubscription };
  } else {
    ref = await pick(ctx, {
      title: vscode.l10n.t('LogUp: Find Subscription'),
      placeholder: vscode.l10n.t('Subscription or actor id, or key=value of a loaded DB (e.g. plan=pro)'),
      ...(args.query === undefined ? {} : { value: args.query }),
    });
  }
  if (ref) await revealSubscription(ctx, ref);
  return ref;
}

/** The subscription a command acts on: the tree node it was run on, the open `logup:` document's, or the user's pick. */
export async function subscriptionFor(ctx: Ctx, arg: SubscriptionArg | undefined, title: string): Promise<SubscriptionRef> {
  if (arg) return subscriptionOf(arg);
  const active = vscode.window.activeTextEditor?.document.uri;
  const ref = active ? refOfUri(active) : undefined;
  if (ref) return ref;
  return required(await pick(ctx, { title, placeholder: vscode.l10n.t('Which subscription? Type an id, an actor or key=value') }));
}
