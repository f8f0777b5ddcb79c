import * as vscode from 'vscode';
import { userMessage } from '../api/failures';
import type { Ctx } from '../ctx';

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
