import * as vscode from 'vscode';

/** Returns the value or ends the command quietly when the user pressed Escape. */
export function required<T>(value: T | undefined): T {
  if (value === undefined) throw new vscode.CancellationError();
  return value;
}

/** Runs a network task with a cancellable progress notification; cancelling aborts its requests. */
export async function withProgress<T>(title: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (_progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      try {
        return await task(controller.signal);
      } finally {
        subscription.dispose();
      }
    },
  );
}
