import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { errorMessage, isCancellation } from '../errors';

export type CommandHandler = (ctx: Ctx, ...args: never[]) => unknown;

/**
 * Registers the commands through one wrapper: this is where users meet errors, as one sentence with a "Show Log"
 * button; a cancelled prompt or request ends quietly. The handler's result is returned (tests use it).
 */
export function registerCommands(ctx: Ctx, commands: Record<string, CommandHandler>): vscode.Disposable[] {
  return Object.entries(commands).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await (handler as (ctx: Ctx, ...a: unknown[]) => unknown)(ctx, ...args);
      } catch (error) {
        if (isCancellation(error)) return undefined;
        reportError(ctx, error);
        return undefined;
      }
    }),
  );
}

/** Shows an error the user can act on and logs it. */
export function reportError(ctx: Ctx, error: unknown): void {
  const message = errorMessage(error);
  ctx.log.error(message);
  ctx.lastError = message;
  void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => {
    if (choice === 'Show Log') ctx.log.show();
  });
}
