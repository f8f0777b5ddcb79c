import * as vscode from 'vscode';

/** Returns the value or ends the command quietly when the user pressed Escape. */
export function required<T>(value: T | undefined): T {
  if (value === undefined) throw new vscode.CancellationError();
  return value;
}

/** Runs a network task with a cancellable progress notification; cancelling aborts its requests. */
export async function withProgress<T>(title: string, task: (signal: AbortSignal, progress: vscode.Progress<{ message?: string; increment?: number }>) => Promise<T>): Promise<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      try {
        return await task(controller.signal, progress);
      } finally {
        subscription.dispose();
      }
    },
  );
}
