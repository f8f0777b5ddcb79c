// TEMPORARY stand-in until the api branch lands (it owns this file).
export function userMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { status?: number; path?: string };
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
export function isCancellation(error: unknown): boolean {
  return error instanceof Error && (error.name === 'LogUpCancelledError' || error.name === 'AbortError' || error.name === 'Canceled');
}
export function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'LogUpHttpError' && (error as { status?: number }).status === 404;
}
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENOTFOUND']);
export function mayHaveBeenApplied(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'LogUpTimeoutError' || error.name === 'LogUpResponseError') return true;
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (error.name === 'LogUpHttpError') return typeof status === 'number' && status >= 500 && status !== 503;
  return error.name === 'LogUpNetworkError' && !(typeof code === 'string' && NOT_SENT_CODES.has(code));
}
