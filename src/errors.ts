/**
 * Turns any error into one sentence a person can act on. The api module is loaded lazily, so its error classes are
 * recognised by name rather than with instanceof.
 */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { status?: number; code?: string; timeoutMs?: number; path?: string };
  switch (e.name) {
    case 'LogUpHttpError':
      if ((e.status === 400 || e.status === 401 || e.status === 403) && e.path?.endsWith('/oauth/token')) {
        return `${e.message}. The gate id or secret key was refused: run "LogUp: Add Gate" to enter them again.`;
      }
      if (e.status === 404) return `${e.message}. Check the subscription id and that it belongs to this gate.`;
      return e.message;
    case 'LogUpNetworkError':
      return `${e.message}. Check that the server is reachable (for the local sandbox: is "npm run sandbox" running?).`;
    case 'LogUpTimeoutError':
      return `${e.message}. Check your connection, or raise the "logup.requestTimeoutSeconds" setting.`;
    default:
      return e.message;
  }
}

/** True for errors that mean the user cancelled: they get no message. */
export function isCancellation(error: unknown): boolean {
  return error instanceof Error && (error.name === 'LogUpCancelledError' || error.name === 'AbortError' || error.name === 'Canceled');
}
