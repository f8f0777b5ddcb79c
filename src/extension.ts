import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { ensureSandboxDemoGate, followLink, registerCommands } from './commands/registry';
import { useTranslations } from './api/translations';
import { createTools, registerTools } from './tools/registry';

/** Builds the one owner object and registers everything it made; activation does no network or disk work. */
export function activate(context: vscode.ExtensionContext): Ctx | undefined {
  useTranslations(vscode.l10n.bundle);
  const ctx = new Ctx(context);
  context.subscriptions.push(
    ctx,
    ...registerCommands(ctx),
    ...registerTools(createTools(ctx)),
    vscode.window.registerUriHandler({ handleUri: (uri) => followLink(ctx, uri) }),
  );
  if (process.env.LOGUP_SANDBOX_URL) void ensureSandboxDemoGate(ctx).catch((e: unknown) => ctx.log.warn(`Sandbox demo gate not added: ${String(e)}`));
  // Internals are handed out only to the in-editor tests, never to other extensions (the gate store reads secrets).
  return context.extensionMode === vscode.ExtensionMode.Test ? ctx : undefined;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
