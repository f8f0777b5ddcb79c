import * as vscode from 'vscode';
import type { Verification } from '../api/schemas';
import { COMMANDS } from '../constants';
import { parseTokenInput } from '../core/tokenInput';
import type { Ctx } from '../ctx';
import type { Gate } from '../gates/gateStore';
import { revealSubscription } from './subscriptions';
import { pickGate } from './targets';
import { required, withProgress } from './ui';

export interface VerifyTokenArgs {
  /** A logupToken or a redirect URL carrying one (for automation and tests). */
  readonly input?: string;
  readonly idGate?: string;
}

export interface VerifyTokenResult {
  readonly idGate: string;
  readonly verification: Verification;
  readonly isNewUser?: boolean;
}

/**
 * The verification itself, for the command and the logup_verifyToken tool alike: asks the gate, and a verified
 * subscription joins the opened ones (the tree, Find) with the DB that came with the answer. No UI.
 */
export async function verifyWithGate(ctx: Ctx, gate: Gate, token: { logupToken: string; isNewUser?: boolean }, signal?: AbortSignal): Promise<VerifyTokenResult> {
  const client = await ctx.clients.get(gate.idGate);
  // Taken before sending: a save that starts meanwhile is newer than the DB this answer carries.
  const ticket = ctx.store.ticket();
  const verification = await client.verify(token.logupToken, signal ? { signal } : {});
  const result: VerifyTokenResult = { idGate: gate.idGate, verification, ...(token.isNewUser === undefined ? {} : { isNewUser: token.isNewUser }) };
  if (!verification.verified || !verification.idSubscription) {
    // The server's own reason stays as it sent it; the log stays English for support.
    ctx.log.warn(`Token not verified by ${gate.idGate}: ${verification.errorMessage ?? 'no reason given'}`);
    return result;
  }
  const ref = { idGate: gate.idGate, idSubscription: verification.idSubscription };
  await ctx.opened.add(gate.idGate, { idSubscription: ref.idSubscription, ...(verification.idActor ? { idActor: verification.idActor } : {}) });
  ctx.store.record(ref, verification.db, ticket);
  ctx.log.info(`Token verified by ${gate.idGate}: ${verification.idActor ?? 'unknown actor'} / ${ref.idSubscription}`);
  return result;
}

/**
 * "LogUp: Verify Token": a bare logupToken or the whole redirect URL; shows who logged up and adds a verified
 * subscription to the tree.
 */
export async function verifyToken(ctx: Ctx, args: VerifyTokenArgs = {}): Promise<VerifyTokenResult> {
  const raw = args.input ?? required(await vscode.window.showInputBox({
    title: vscode.l10n.t('LogUp: Verify Token'),
    prompt: vscode.l10n.t('Paste a logupToken, or the whole redirect URL that carries it (…?logupToken=…&isNewUser=…)'),
    placeHolder: vscode.l10n.t('https://your.site/after-login?logupToken=…'),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const parsed = parseTokenInput(v);
      return parsed.ok || v.trim() === '' ? undefined : parsed.message;
    },
  }));
  const parsed = parseTokenInput(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  const gate = await pickGate(ctx, args.idGate, vscode.l10n.t('Verify the token with which gate?'));
  const result = await withProgress(vscode.l10n.t('Verifying the token with {0}…', gate.label), (signal) => verifyWithGate(ctx, gate, parsed, signal));
  const { verification } = result;

  if (!verification.verified || !verification.idSubscription) {
    const advice = vscode.l10n.t('A logupToken is valid for the gate whose redirect URL received it; ask the user to log up again for a fresh one.');
    const reason = verification.errorMessage;
    void vscode.window.showWarningMessage(reason
      ? `${vscode.l10n.t('Not verified by {0}: {1}.', gate.label, reason)} ${advice}`
      : `${vscode.l10n.t('Not verified by {0} (no reason given).', gate.label)} ${advice}`);
    return result;
  }
  const ref = { idGate: gate.idGate, idSubscription: verification.idSubscription };
  await revealSubscription(ctx, ref);

  const keys = Object.keys(verification.db).length;
  const actor = verification.idActor ?? vscode.l10n.t({ message: 'actor', comment: ['Stands for the actor id in "Verified: {0} logged up to …" when the server gave none.'] });
  const verified = keys === 1
    ? vscode.l10n.t('Verified: {0} logged up to {1} (1 DB key).', actor, ref.idSubscription)
    : vscode.l10n.t('Verified: {0} logged up to {1} ({2} DB keys).', actor, ref.idSubscription, keys);
  const newUser = parsed.isNewUser === undefined ? '' : ` ${parsed.isNewUser ? vscode.l10n.t('New user.') : vscode.l10n.t('Returning user.')}`;
  const openDb = vscode.l10n.t('Open DB');
  const copyId = vscode.l10n.t('Copy Subscription ID');
  void vscode.window.showInformationMessage(`${verified}${newUser}`, openDb, copyId).then((choice) => {
    // Through the commands, so a failure meets the same error handling as anywhere else.
    if (choice === openDb) void vscode.commands.executeCommand(COMMANDS.openDb, ref);
    if (choice === copyId) void vscode.commands.executeCommand(COMMANDS.copySubscriptionId, ref);
  });
  return result;
}
