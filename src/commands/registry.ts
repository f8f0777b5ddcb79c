import * as vscode from 'vscode';
import { isCancellation, userMessage } from '../api/failures';
import type { CommandId } from '../constants';
import type { Ctx } from '../ctx';
import { SaveCancelledError } from '../db/dbStore';

export type CommandHandler = (ctx: Ctx, ...args: never[]) => unknown;

/**
 * Registers the commands through one wrapper: this is where users meet errors, as one sentence with a "Show Log"
 * button; a cancelled prompt or request ends quietly. The handler's result is returned (tests use it).
 */
export function registerCommands(ctx: Ctx, commands: Record<CommandId, CommandHandler>): vscode.Disposable[] {
  return Object.entries(commands).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await (handler as (ctx: Ctx, ...a: unknown[]) => unknown)(ctx, ...args);
      } catch (error) {
        // The user's own Cancel (a prompt, a request, the write review) needs no error message.
        if (error instanceof vscode.CancellationError || error instanceof SaveCancelledError || isCancellation(error)) return undefined;
        reportError(ctx, error);
        return undefined;
      }
    }),
  );
}

/** Shows an error the user can act on; the log gets the same sentence and the error itself (stack, cause). */
export function reportError(ctx: Ctx, error: unknown): void {
  const message = userMessage(error);
  ctx.log.error(message, ...(error instanceof Error ? [error] : []));
  ctx.lastError = message;
  const showLog = vscode.l10n.t('Show Log');
  void vscode.window.showErrorMessage(message, showLog).then((choice) => {
    if (choice === showLog) ctx.log.show(true);
  });
}
