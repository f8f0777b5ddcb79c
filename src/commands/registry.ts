import * as vscode from 'vscode';
import { isCancellation } from '../api/failures';
import { COMMANDS } from '../constants';
import type { Ctx } from '../ctx';
import { SaveCancelledError } from '../db/saveErrors';
import { reportError } from './reportError';

type Handlers = typeof import('./handlers');
let handlers: Promise<Handlers> | undefined;

/**
 * The command handlers and the link handler, loaded once, at the first command or link: they are their own bundle
 * (dist/commands.js, see esbuild.mjs), so activation does not parse them.
 */
export function loadHandlers(): Promise<Handlers> {
  return (handlers ??= import('./handlers'));
}

/**
 * Registers every command at activation through one wrapper: this is where users meet errors, as one sentence with
 * a "Show Log" button; a cancelled prompt or request ends quietly. The handler's result is returned (tests use it).
 */
export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return Object.values(COMMANDS).map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        const handler = (await loadHandlers()).HANDLERS[id] as (ctx: Ctx, ...a: unknown[]) => unknown;
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
