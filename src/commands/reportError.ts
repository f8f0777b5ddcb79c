import * as vscode from 'vscode';
import { isCancellation, userMessage } from '../api/failures';
import type { Ctx } from '../ctx';
import { SaveCancelledError } from '../db/saveErrors';

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

/**
 * The one error boundary of what a person starts, a command or a link: this is where users meet errors, as one
 * sentence with a "Show Log" button, and where their own Cancel (a prompt, a request, the write review) ends quietly.
 * Resolves to the task's result, or undefined when it failed or was cancelled.
 */
export async function withErrorBoundary<T>(ctx: Ctx, task: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await task();
  } catch (error) {
    if (!(error instanceof vscode.CancellationError || error instanceof SaveCancelledError || isCancellation(error))) reportError(ctx, error);
    return undefined;
  }
}
