import * as vscode from 'vscode';
import { COMMANDS } from '../constants';
import type { Ctx } from '../ctx';
import { withErrorBoundary } from './reportError';

type Handlers = typeof import('./handlers');
let handlers: Promise<Handlers> | undefined;

/**
 * The command handlers and the following of a link, loaded once, at the first command or link: they are a bundle of
 * their own (dist/handlers.js, esbuild.mjs), so activation does not parse them.
 */
function loadHandlers(): Promise<Handlers> {
  return (handlers ??= import('./handlers'));
}

/**
 * Registers every command at activation, each through the one error boundary (reportError.ts). The handler's result
 * is returned (tests use it).
 */
export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.values(COMMANDS).map((id) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) => withErrorBoundary(ctx, async () => {
      const handler = (await loadHandlers()).HANDLERS[id] as (ctx: Ctx, ...a: unknown[]) => unknown;
      return handler(ctx, ...args);
    })),
  );
}

/** Follows a link (`vscode.window.registerUriHandler`) through the same error boundary as a command. */
export function followLink(ctx: Ctx, uri: vscode.Uri): Promise<void> {
  return withErrorBoundary(ctx, async () => (await loadHandlers()).followLink(ctx, uri));
}

/** Adds the sandbox's demo gate (`LOGUP_SANDBOX_URL`, `npm start`); rejects with why not. */
export async function ensureSandboxDemoGate(ctx: Ctx): Promise<void> {
  return (await loadHandlers()).ensureSandboxDemoGate(ctx);
}
