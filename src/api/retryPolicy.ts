import { LogUpHttpError, LogUpNetworkError, LogUpTimeoutError } from './errors';
import { isConnectionLostCode, isNeverSentCode } from './networkCodes';

/**
 * Which failures are worth another attempt, and after how long. 429 and 503 (the server refused without acting) are
 * retried for every call, honouring Retry-After up to 30 s (a longer wait fails at once); so are failures that prove
 * nothing was sent. 502/504, timeouts and dropped connections are retried only for repeatable calls (the token call
 * and GET). 500 is never retried: it may have been applied.
 */

const MAX_RETRY_AFTER_MS = 30_000;
const BACKOFF_BASE_MS = 300;
const BACKOFF_MAX_MS = 5_000;

// Retry-After of an HTTP error, kept out of the public error type.
const retryAfterOf = new WeakMap<LogUpHttpError, number>();

/** Records the Retry-After header that came with `error`, for retryDelay. */
export function rememberRetryAfter(error: LogUpHttpError, header: string | string[] | undefined): void {
  const ms = parseRetryAfter(header);
  if (ms !== undefined) retryAfterOf.set(error, ms);
}

/** Milliseconds to wait before attempt `attempt + 1`, or undefined when the failure must not be retried. */
export function retryDelay(e: unknown, repeatable: boolean, attempt: number): number | undefined {
  const backoff = (): number => {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  };
  if (e instanceof LogUpHttpError) {
    if (e.status === 429 || e.status === 503) {
      const after = retryAfterOf.get(e);
      if (after === undefined) return backoff();
      // Waiting far less than the server asked would only earn another refusal; fail now and say so.
      return after <= MAX_RETRY_AFTER_MS ? after : undefined;
    }
    if ((e.status === 502 || e.status === 504) && repeatable) return backoff();
    return undefined;
  }
  if (e instanceof LogUpNetworkError) {
    if (isNeverSentCode(e.code)) return backoff();
    if (repeatable && (e.code === undefined || isConnectionLostCode(e.code))) return backoff();
    return undefined;
  }
  if (e instanceof LogUpTimeoutError && repeatable) return backoff();
  return undefined;
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
