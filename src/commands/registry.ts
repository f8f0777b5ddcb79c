import * as vscode from 'vscode';
import { isCancellation } from '../api/failures';
import { COMMANDS } from '../constants';
import type { Ctx } from '../ctx';
import { SaveCancelledError } from '../db/saveErrors';
import { HANDLERS } from './handlers';
import { reportError } from './reportError';

/**
 * Registers every command at activation through one wrapper: this is where users meet errors, as one sentence with
 * a "Show Log" button; a cancelled prompt or request ends quietly. The handler's result is returned (tests use it).
 */
export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.values(COMMANDS).map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        const handler = HANDLERS[id] as (ctx: Ctx, ...a: unknown[]) => unknown;
        return await handler(ctx, ...args);
      } catch (error) {
        // The user's own Cancel (a prompt, a request, the write review) needs no error message.
        if (error instanceof vscode.CancellationError || error instanceof SaveCancelledError || isCancellation(error)) return undefined;
        reportError(ctx, error);
        return undefined;
      }
    }),
  );
}
