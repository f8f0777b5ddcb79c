import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { searchSubscriptions } from '../core/subscriptionSearch';
import type { SubscriptionRef } from '../db/subscriptionRef';
import { revealSubscription } from './subscriptions';
import { openedCandidates, pickSubscription } from './targets';

/**
 * "LogUp: Find Subscription…": searches the opened subscriptions of all gates by id, actor and `key=value` of the
 * loaded DBs, and reveals the one picked in the LogUp view. With `query` (automation, keybindings), a single match
 * is revealed without the picker; several open the picker with the query typed in.
 */
export async function findSubscription(ctx: Ctx, args: { query?: string } = {}): Promise<SubscriptionRef | undefined> {
  let ref: SubscriptionRef | undefined;
  const matches = args.query === undefined ? [] : searchSubscriptions(openedCandidates(ctx), args.query);
  const [only] = matches;
  if (only && matches.length === 1) {
    ref = { idGate: only.idGate, idSubscription: only.idSubscription };
  } else {
    ref = await pickSubscription(ctx, {
      title: vscode.l10n.t('LogUp: Find Subscription'),
      placeholder: vscode.l10n.t('Subscription or actor id, or key=value of a loaded DB (e.g. plan=pro)'),
      ...(args.query === undefined ? {} : { value: args.query }),
    });
  }
  if (ref) await revealSubscription(ctx, ref);
  return ref;
}
