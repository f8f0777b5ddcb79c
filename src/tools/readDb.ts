import * as vscode from 'vscode';
import { isCancellation, userMessage } from '../api/failures';
import { checkDbRefInput } from '../core/toolInput';
import { renderBounded, renderToolOutput } from '../core/toolOutput';
import { dbReport, errorReport, refusedReport } from '../core/toolReports';
import { allGatesFilter, namedGate, reportedGate, secretFilter, type ToolHandler } from './toolSupport';

/** logup_readDb: one subscription's DB as the server holds it now (a new GET through DbStore, never a cached one). */
export const readDbTool: ToolHandler = {
  prepare: async (_ctx, input) => {
    const checked = checkDbRefInput(input);
    return { invocationMessage: checked.ok ? vscode.l10n.t('Reading the DB of {0}…', checked.value.subscription) : vscode.l10n.t('Reading a LogUp DB…') };
  },
  invoke: async (ctx, input, signal) => {
    const checked = checkDbRefInput(input);
    if (!checked.ok) return renderToolOutput(refusedReport(checked.message), await allGatesFilter(ctx));
    const gate = namedGate(ctx, checked.value.gate);
    if (typeof gate === 'string') return renderToolOutput(refusedReport(gate), await allGatesFilter(ctx));
    const filter = await secretFilter(ctx, [gate.idGate]);
    const ref = { idGate: gate.idGate, idSubscription: checked.value.subscription };
    let db;
    try {
      // With a signal the store sends a GET of its own rather than joining one under way: the DB as it is now.
      ({ db } = await ctx.store.read(ref, signal));
    } catch (error) {
      if (isCancellation(error)) throw error;
      ctx.log.warn(filter.redact(`logup_readDb: ${ref.idSubscription} on ${gate.idGate} not read: ${userMessage(error)}`));
      return renderToolOutput(errorReport(userMessage(error)), filter);
    }
    ctx.log.info(`logup_readDb: ${ref.idSubscription} on ${gate.idGate} (${Object.keys(db).length} keys)`);
    return renderBounded(Object.keys(db).length, (shown) => dbReport(reportedGate(gate), ref.idSubscription, db, shown), filter);
  },
};
