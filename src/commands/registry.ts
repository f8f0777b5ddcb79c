import * as vscode from 'vscode';
import { COMMANDS } from '../constants';
import type { Ctx } from '../ctx';
import { followLink as follow, HANDLERS } from './handlers';
import { withErrorBoundary } from './reportError';

/**
 * Registers every command at activation, each through the one error boundary (reportError.ts). The handler's result
 * is returned (tests use it).
 */
export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.values(COMMANDS).map((id) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) => withErrorBoundary(ctx, async () => {
      const handler = HANDLERS[id] as (ctx: Ctx, ...a: unknown[]) => unknown;
      return handler(ctx, ...args);
    })),
  );
}

/** Follows a link (`vscode.window.registerUriHandler`) through the same error boundary as a command. */
export function followLink(ctx: Ctx, uri: vscode.Uri): Promise<void> {
  return withErrorBoundary(ctx, () => follow(ctx, uri));
}
