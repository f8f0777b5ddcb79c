import * as vscode from 'vscode';
import { isCancellation, isNotFound, userMessage } from '../api/failures';
import { withEntry } from '../core/db';
import { isEmptyPlan } from '../core/savePlan';
import { checkProposeInput, type ProposeInput } from '../core/toolInput';
import { renderToolOutput, type SecretFilter } from '../core/toolOutput';
import { proposalLines, proposeReport, type ProposeOutcome } from '../core/toolReports';
import type { Ctx } from '../ctx';
import { ConflictError, InvalidDbError, SaveCancelledError, SaveFailedError } from '../db/saveErrors';
import type { Gate } from '../gates/gateStore';
import { environmentLabel, namedGate, reportedGate, secretFilter, type ToolHandler } from './toolSupport';

/**
 * logup_proposeChange: a change the person approves before it is sent. The chat shows the plan as the tool's
 * confirmation; then the change goes through DbStore's save like any other (a fresh read, the three-way merge, the
 * limits, the review, PUT and DELETE, the write history with its undo) as origin `agent`, whose writes to production
 * are always reviewed (src/review/reviewText.ts). Never on a gate that is not already added.
 */
export const proposeChangeTool: ToolHandler = {
  prepare: async (ctx, input) => {
    const checked = checkProposeInput(input);
    const gate = checked.ok ? namedGate(ctx, checked.value.gate) : undefined;
    // Nothing will be written (invoke refuses it and says why): there is nothing to confirm.
    if (!checked.ok || gate === undefined || typeof gate === 'string') return { invocationMessage: vscode.l10n.t('Checking a proposed LogUp change…') };
    const proposal = checked.value;
    const filter = await secretFilter(ctx, [gate.idGate]);
    // The values the person sees here are the base the change is made on (invoke loads the same observation): a key
    // the server changes before the save is a conflict, never overwritten unseen.
    const known = await ctx.store.load({ idGate: gate.idGate, idSubscription: proposal.subscription }).then((o) => o.db, () => undefined);
    const message = new vscode.MarkdownString()
      .appendMarkdown(`${escapeMarkdown(vscode.l10n.t('An agent proposes this change to the DB of {0} on {1} ({2}):', proposal.subscription, gate.label, environmentLabel(gate)))}\n`)
      .appendCodeblock(proposalLines(proposal, known).map(filter.redact).join('\n'), 'text')
      .appendMarkdown(`\n${escapeMarkdown(ctx.reviewer.appliesTo(gate.idGate, 'agent')
        ? vscode.l10n.t('After Continue, LogUp shows its review of the exact write, with Show Diff; nothing is sent until you choose Save there.')
        : vscode.l10n.t('Continue sends it after a fresh read of the DB (a key changed on the server meanwhile stops it). The write goes into the write history, with its undo.'))}`);
    return {
      invocationMessage: vscode.l10n.t('Proposing a change to {0}…', proposal.subscription),
      confirmationMessages: { title: vscode.l10n.t('Change the DB of {0} on {1} ({2})?', proposal.subscription, gate.label, environmentLabel(gate)), message },
    };
  },
  invoke: async (ctx, input, signal) => {
    const checked = checkProposeInput(input);
    const subscription = checked.ok ? checked.value.subscription : '';
    const gate = checked.ok ? namedGate(ctx, checked.value.gate) : checked.message;
    if (!checked.ok || typeof gate === 'string') {
      const filter = await secretFilter(ctx, ctx.gates.list().map((g) => g.idGate));
      return renderToolOutput(proposeReport(undefined, subscription, { status: 'refused', reason: checked.ok ? (gate as string) : checked.message }), filter);
    }
    const filter = await secretFilter(ctx, [gate.idGate]);
    const outcome = await propose(ctx, gate, checked.value, filter, signal);
    ctx.log.info(filter.redact(`logup_proposeChange: ${checked.value.subscription} on ${gate.idGate}: ${outcome.status}`));
    return renderToolOutput(proposeReport(reportedGate(gate), checked.value.subscription, outcome), filter);
  },
};

async function propose(ctx: Ctx, gate: Gate, proposal: ProposeInput, filter: SecretFilter, signal: AbortSignal): Promise<ProposeOutcome> {
  // A model that was shown a secret must not be able to store it where every reader of the DB sees it.
  const texts = [...proposal.delete, ...proposal.set.flatMap((e) => [e.key, String(e.value)])];
  if (texts.some((t) => filter.leaks(t) || filter.redact(t) !== t)) {
    return { status: 'refused', reason: vscode.l10n.t('A key or value holds part of a secret (a secret key or an access token); secrets never go into a DB.') };
  }
  const ref = { idGate: gate.idGate, idSubscription: proposal.subscription };
  try {
    // The change is made on the DB last read (what logup_readDb or the tree showed): a key the server changed
    // since then that the proposal changes too is a conflict, reported, not overwritten.
    const base = (await ctx.store.load(ref, signal)).db;
    let edited = base;
    for (const key of proposal.delete) edited = withEntry(edited, key, undefined);
    for (const { key, value } of proposal.set) edited = withEntry(edited, key, value);
    const { plan } = await ctx.store.save(ref, { base, edited, origin: 'agent', signal });
    if (isEmptyPlan(plan)) return { status: 'unchanged' };
    return { status: 'done', set: plan.putEntries.map((e) => e.key), deleted: [...plan.deleteKeys] };
  } catch (error) {
    if (error instanceof SaveCancelledError) return { status: 'cancelled' };
    if (error instanceof InvalidDbError) return { status: 'refused', reason: error.message, problems: error.problems };
    if (error instanceof ConflictError) return { status: 'conflict', keys: error.keys, message: error.message };
    if (error instanceof SaveFailedError) return { status: 'failed', message: error.message, landed: error.landed, uncertain: error.uncertain };
    if (isCancellation(error)) throw error;
    const message = userMessage(error);
    return isNotFound(error) ? { status: 'refused', reason: message } : { status: 'failed', message, landed: false, uncertain: false };
  }
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
