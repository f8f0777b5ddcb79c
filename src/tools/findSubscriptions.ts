import * as vscode from 'vscode';
import { openedCandidates } from '../commands/targets';
import { checkFindInput } from '../core/toolInput';
import { renderBounded, renderToolOutput } from '../core/toolOutput';
import { findReport, MAX_FOUND, refusedReport, type FoundSubscription } from '../core/toolReports';
import { searchSubscriptions } from '../core/subscriptionSearch';
import { allGatesFilter, reportedGate, type ToolHandler } from './toolSupport';

/**
 * logup_findSubscriptions: the search of "LogUp: Find Subscription…" (the same candidates, the same rule), over the
 * opened subscriptions of every gate, with the DBs the store has loaded. Makes no request.
 */
export const findSubscriptionsTool: ToolHandler = {
  prepare: async (_ctx, input) => {
    const checked = checkFindInput(input);
    return { invocationMessage: checked.ok && checked.value.query ? vscode.l10n.t('Searching the opened LogUp subscriptions for {0}…', JSON.stringify(checked.value.query)) : vscode.l10n.t('Listing the opened LogUp subscriptions…') };
  },
  invoke: async (ctx, input) => {
    const filter = await allGatesFilter(ctx);
    const checked = checkFindInput(input);
    if (!checked.ok) return renderToolOutput(refusedReport(checked.message), filter);
    const { query } = checked.value;
    const found: FoundSubscription[] = searchSubscriptions(openedCandidates(ctx), query).flatMap((c) => {
      const gate = ctx.gates.get(c.idGate);
      return gate ? [{ gate: reportedGate(gate), idSubscription: c.idSubscription, idActor: c.idActor, loaded: c.db !== undefined }] : [];
    });
    ctx.log.info(`logup_findSubscriptions: ${found.length} match(es)`);
    return renderBounded(Math.min(found.length, MAX_FOUND), (shown) => findReport(query, found, shown), filter);
  },
};
