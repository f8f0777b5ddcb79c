import * as vscode from 'vscode';
import { isCancellation, userMessage } from '../api/failures';
import { verifyWithGate } from '../commands/verifyToken';
import { checkVerifyInput } from '../core/toolInput';
import { renderToolOutput } from '../core/toolOutput';
import { errorReport, refusedReport, verifyReport } from '../core/toolReports';
import { allGatesFilter, namedGate, reportedGate, secretFilter, type ToolHandler } from './toolSupport';

/**
 * logup_verifyToken: "LogUp: Verify Token" without its UI (the same verifyWithGate): a verified subscription joins
 * the opened ones. The token is never echoed: not in the output, the log or an error, in any form the client hides.
 */
export const verifyTokenTool: ToolHandler = {
  prepare: async () => ({ invocationMessage: vscode.l10n.t('Verifying a logupToken…') }),
  invoke: async (ctx, input, signal) => {
    // A refusal never repeats what was given (core/tokenInput.ts); only the token itself is a secret to hide, not
    // the URL around it (whose every 8 characters would otherwise count as part of a secret).
    const checked = checkVerifyInput(input);
    if (!checked.ok) return renderToolOutput(refusedReport(checked.message), await allGatesFilter(ctx));
    const gates = ctx.gates.list();
    const only = gates.length === 1 ? gates[0] : undefined;
    const gate = checked.value.gate !== undefined ? namedGate(ctx, checked.value.gate)
      : only ?? vscode.l10n.t('Which gate? Give "gate": one of {0}.', gates.map((g) => g.idGate).join(', '));
    if (typeof gate === 'string') return renderToolOutput(refusedReport(gate), await allGatesFilter(ctx, [checked.value.logupToken]));
    const filter = await secretFilter(ctx, [gate.idGate], [checked.value.logupToken]);
    try {
      const { verification } = await verifyWithGate(ctx, gate, checked.value, signal);
      const outcome = verification.verified && verification.idSubscription
        ? { verified: true as const, idSubscription: verification.idSubscription, idActor: verification.idActor, dbKeys: Object.keys(verification.db).length, isNewUser: checked.value.isNewUser }
        : { verified: false as const, reason: verification.errorMessage ?? undefined };
      return renderToolOutput(verifyReport(reportedGate(gate), outcome), filter);
    } catch (error) {
      if (isCancellation(error)) throw error;
      ctx.log.warn(filter.redact(`logup_verifyToken: not verified by ${gate.idGate}: ${userMessage(error)}`));
      return renderToolOutput(errorReport(userMessage(error)), filter);
    }
  },
};
