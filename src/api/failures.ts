import * as l10n from '@vscode/l10n';
import {
  LogUpCancelledError,
  LogUpConfigError,
  LogUpHttpError,
  LogUpNetworkError,
  LogUpResponseError,
  LogUpTimeoutError,
  TOKEN_PATH,
} from './errors';
import { isNeverSentCode } from './networkCodes';

/**
 * The questions the rest of the extension asks about a failure, answered from the client's typed errors (which
 * `instanceof` recognises whichever bundle made them). No undici or zod import: activation loads this module.
 */

/** One sentence a person can act on: the error's message, with what to do next when the kind of failure tells. */
export function userMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e instanceof LogUpHttpError) {
    if (isAuthFailure(e) && e.path === TOKEN_PATH) {
      return `${e.message}. ${l10n.t('The gate id or secret key was refused: run "LogUp: Add Gate" to enter them again.')}`;
    }
    if (e.status === 404) return `${e.message}. ${l10n.t('Check the subscription id and that it belongs to this gate.')}`;
  }
  // The error's own message (with the server's words) stays as it is; the hint after it is ours.
  if (e instanceof LogUpNetworkError) {
    return `${e.message}. ${l10n.t('Check that the server is reachable (for the local sandbox: is "npm run sandbox" running?).')}`;
  }
  if (e instanceof LogUpTimeoutError) {
    return `${e.message}. ${l10n.t('Check your connection, or raise the "{0}" setting.', 'logup.requestTimeoutSeconds')}`;
  }
  return e.message;
}

/**
 * True when the gate's credentials (or the access token) were refused: 401/403 from any call, and 400 from the
 * token call, which OAuth2 servers use for `invalid_client` when credentials travel in the body.
 */
export function isAuthFailure(e: unknown): boolean {
  if (!(e instanceof LogUpHttpError)) return false;
  if (e.status === 401 || e.status === 403) return true;
  return e.status === 400 && e.path === TOKEN_PATH;
}

/** True when the server refused the call without acting on it and asked to be called later (429, 503). */
export function isBusy(e: unknown): boolean {
  return e instanceof LogUpHttpError && (e.status === 429 || e.status === 503);
}

/** True when the server said the resource (a subscription) does not exist. */
export function isNotFound(e: unknown): boolean {
  return e instanceof LogUpHttpError && e.status === 404;
}

/**
 * True when a write's outcome is unknown, so the server must be read again before anything is concluded: it timed
 * out, its connection broke once the request may have been received, it was cancelled after sending, the server
 * said yes (2xx) with a body that could not be used, or it failed on the server's side (5xx other than 503, which
 * means "refused without acting").
 */
export function mayHaveBeenApplied(e: unknown): boolean {
  if (e instanceof LogUpTimeoutError || e instanceof LogUpResponseError) return true;
  if (e instanceof LogUpHttpError) return e.status >= 500 && e.status !== 503;
  if (e instanceof LogUpNetworkError) return !isNeverSentCode(e.code);
  if (e instanceof LogUpCancelledError) return e.sent;
  return false;
}

/**
 * True when the request provably never left this machine: the connection was refused, the name did not resolve,
 * the host was unreachable or the connection timed out; the client refused it (LogUpConfigError); or it was
 * cancelled before anything was sent.
 */
export function wasNeverSent(e: unknown): boolean {
  if (e instanceof LogUpConfigError) return true;
  if (e instanceof LogUpNetworkError) return isNeverSentCode(e.code);
  if (e instanceof LogUpCancelledError) return !e.sent;
  return false;
}

/** True when the user cancelled (the client's, an AbortSignal's or VS Code's cancellation): no message is due. */
export function isCancellation(e: unknown): boolean {
  if (e instanceof LogUpCancelledError) return true;
  if (e === null || typeof e !== 'object') return false;
  const name = (e as { name?: unknown }).name;
  // vscode.CancellationError is named 'Canceled'; an aborted fetch or stream throws an 'AbortError'.
  return name === 'AbortError' || name === 'Canceled';
}
