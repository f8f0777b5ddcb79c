import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';
import { COMMANDS } from './constants';
import { Ctx } from './ctx';
import { addKey, deleteKey, editValue } from './commands/entries';
import { addGate, addSandboxGate, ensureSandboxDemoGate, removeGate, setGateEnvironment } from './commands/gates';
import { registerCommands } from './commands/registry';
import {
  copyActorId, copySubscriptionId, openDb, openSubscriptionById, refresh, refreshSubscription, removeSubscription, revertToServer,
} from './commands/subscriptions';
import { findSubscription } from './commands/find';
import { verifyToken } from './commands/verifyToken';
import { clearHistory, openWriteDiff, showHistory, undoWrite } from './history/historyCommands';
import { copyLink, LinkHandler } from './links/linkHandler';
import { copySnippet } from './snippets/copySnippet';
import { exportDb, importDb } from './transfer/transferCommands';

/** Builds the one owner object and registers everything it made; activation does no network or disk work. */
export function activate(context: vscode.ExtensionContext): Ctx | undefined {
  // The pure layers (api, core, history, review…) translate with @vscode/l10n, which cannot ask VS Code for the
  // bundle of its display language: it gets the one VS Code loaded for this extension (none when English).
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  const ctx = new Ctx(context);
  context.subscriptions.push(
    ctx,
    ...registerCommands(ctx, {
      [COMMANDS.addGate]: addGate,
      [COMMANDS.addSandboxGate]: addSandboxGate,
      [COMMANDS.removeGate]: removeGate,
      [COMMANDS.setGateEnvironment]: setGateEnvironment,
      [COMMANDS.verifyToken]: verifyToken,
      [COMMANDS.openSubscriptionById]: openSubscriptionById,
      [COMMANDS.openDb]: openDb,
      [COMMANDS.refresh]: refresh,
      [COMMANDS.refreshSubscription]: refreshSubscription,
      [COMMANDS.copySubscriptionId]: copySubscriptionId,
      [COMMANDS.copyActorId]: copyActorId,
      [COMMANDS.removeSubscription]: removeSubscription,
      [COMMANDS.editValue]: editValue,
      [COMMANDS.addKey]: addKey,
      [COMMANDS.deleteKey]: deleteKey,
      [COMMANDS.revertToServer]: revertToServer,
      [COMMANDS.showLog]: (c: Ctx) => c.log.show(true),
      [COMMANDS.showHistory]: showHistory,
      [COMMANDS.clearHistory]: clearHistory,
      [COMMANDS.undoWrite]: undoWrite,
      [COMMANDS.openWriteDiff]: openWriteDiff,
      [COMMANDS.findSubscription]: findSubscription,
      [COMMANDS.copyLink]: copyLink,
      [COMMANDS.copySnippet]: copySnippet,
      [COMMANDS.exportDb]: exportDb,
      [COMMANDS.importDb]: importDb,
    }),
    vscode.window.registerUriHandler(new LinkHandler(ctx)),
  );
  if (process.env.LOGUP_SANDBOX_URL) void ensureSandboxDemoGate(ctx).catch((e) => ctx.log.warn(`Sandbox demo gate not added: ${String(e)}`));
  // Internals are handed out only to the in-editor tests, never to other extensions (the gate store reads secrets).
  return context.extensionMode === vscode.ExtensionMode.Test ? ctx : undefined;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
