import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { registerCommands } from './commands/registry';
import { addGate, addSandboxGate, ensureSandboxDemoGate, removeGate } from './commands/gates';
import { verifyToken } from './commands/verifyToken';
import {
  copyActorId, copySubscriptionId, openDb, openSubscriptionById, refresh, refreshSubscription, removeSubscription, revertToServer,
} from './commands/subscriptions';
import { addKey, deleteKey, editValue } from './commands/entries';

/** Builds the one owner object and registers everything it made; activation does no network or disk work. */
export function activate(context: vscode.ExtensionContext): Ctx | undefined {
  const ctx = new Ctx(context);
  context.subscriptions.push(
    ctx,
    ...registerCommands(ctx, {
      'logup.addGate': addGate,
      'logup.addSandboxGate': addSandboxGate,
      'logup.removeGate': removeGate,
      'logup.verifyToken': verifyToken,
      'logup.openSubscriptionById': openSubscriptionById,
      'logup.openDb': openDb,
      'logup.refresh': refresh,
      'logup.refreshSubscription': refreshSubscription,
      'logup.copySubscriptionId': copySubscriptionId,
      'logup.copyActorId': copyActorId,
      'logup.removeSubscription': removeSubscription,
      'logup.editValue': editValue,
      'logup.addKey': addKey,
      'logup.deleteKey': deleteKey,
      'logup.revertToServer': revertToServer,
      'logup.showLog': (c: Ctx) => c.log.show(),
    }),
  );
  if (process.env.LOGUP_SANDBOX_URL) void ensureSandboxDemoGate(ctx).catch((e) => ctx.log.warn(`Sandbox demo gate not added: ${String(e)}`));
  // Internals are handed out only to the in-editor tests, never to other extensions (the gate store reads secrets).
  return context.extensionMode === vscode.ExtensionMode.Test ? ctx : undefined;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
