import * as vscode from 'vscode';
import type { Verification } from '../api/schemas';
import { COMMANDS } from '../constants';
import { parseTokenInput } from '../core/tokenInput';
import type { Ctx } from '../ctx';
import { revealSubscription } from './subscriptions';
import { pickGate, required, withProgress } from './ui';

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
 * "LogUp: Verify Token": a bare logupToken or the whole redirect URL; shows who logged up and adds a verified
 * subscription to the tree.
 */
export async function verifyToken(ctx: Ctx, args: VerifyTokenArgs = {}): Promise<VerifyTokenResult> {
  const raw = args.input ?? required(await vscode.window.showInputBox({
    title: 'LogUp: Verify Token',
    prompt: 'Paste a logupToken, or the whole redirect URL that carries it (…?logupToken=…&isNewUser=…)',
    placeHolder: 'https://your.site/after-login?logupToken=…',
    ignoreFocusOut: true,
    validateInput: (v) => {
      const parsed = parseTokenInput(v);
      return parsed.ok || v.trim() === '' ? undefined : parsed.message;
    },
  }));
  const parsed = parseTokenInput(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  const gate = await pickGate(ctx, args.idGate, 'Verify the token with which gate?');
  const client = await ctx.clients.get(gate.idGate);
  // Taken before sending: a save that starts meanwhile is newer than the DB this answer carries.
  const ticket = ctx.store.ticket();
  const verification = await withProgress(`Verifying the token with ${gate.label}…`, (signal) => client.verify(parsed.logupToken, { signal }));
  const result: VerifyTokenResult = { idGate: gate.idGate, verification, ...(parsed.isNewUser === undefined ? {} : { isNewUser: parsed.isNewUser }) };

  if (!verification.verified || !verification.idSubscription) {
    const reason = verification.errorMessage ?? 'no reason given';
    ctx.log.warn(`Token not verified by ${gate.idGate}: ${reason}`);
    void vscode.window.showWarningMessage(
      `Not verified by ${gate.label}: ${reason}. A logupToken is valid for the gate whose redirect URL received it; ask the user to log up again for a fresh one.`,
    );
    return result;
  }
  const ref = { idGate: gate.idGate, idSubscription: verification.idSubscription };
  await ctx.opened.add(gate.idGate, { idSubscription: ref.idSubscription, ...(verification.idActor ? { idActor: verification.idActor } : {}) });
  ctx.store.record(ref, verification.db, ticket);
  ctx.log.info(`Token verified by ${gate.idGate}: ${verification.idActor ?? 'unknown actor'} / ${ref.idSubscription}`);
  await revealSubscription(ctx, ref);

  const keys = Object.keys(verification.db).length;
  const newUser = parsed.isNewUser === undefined ? '' : parsed.isNewUser ? ' New user.' : ' Returning user.';
  void vscode.window.showInformationMessage(
    `Verified: ${verification.idActor ?? 'actor'} logged up to ${ref.idSubscription} (${keys} DB key${keys === 1 ? '' : 's'}).${newUser}`,
    'Open DB', 'Copy Subscription ID',
  ).then((choice) => {
    // Through the commands, so a failure meets the same error handling as anywhere else.
    if (choice === 'Open DB') void vscode.commands.executeCommand(COMMANDS.openDb, ref);
    if (choice === 'Copy Subscription ID') void vscode.commands.executeCommand(COMMANDS.copySubscriptionId, ref);
  });
  return result;
}
