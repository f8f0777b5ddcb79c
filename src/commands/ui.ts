import * as vscode from 'vscode';
import { COMMANDS } from '../constants';
import type { Ctx } from '../ctx';
import type { Gate } from '../gates/gateStore';

/** Returns the value or ends the command quietly when the user pressed Escape. */
export function required<T>(value: T | undefined): T {
  if (value === undefined) throw new vscode.CancellationError();
  return value;
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

/** Runs a network task with a cancellable progress notification; cancelling aborts its requests. */
export async function withProgress<T>(title: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (_progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      try {
        return await task(controller.signal);
      } finally {
        subscription.dispose();
      }
    },
  );
}
