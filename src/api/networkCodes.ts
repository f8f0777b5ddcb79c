/**
 * What a network failure's code proves about a request, in one place for the retry policy and for the questions the
 * extension asks (failures.ts). No undici import: the extension loads this with the error classes.
 */

// No connection was ever made, so the request cannot have reached the server: even a write may be sent again.
// ENOTFOUND belongs here as much as EAI_AGAIN: a name that did not resolve was never connected to. (A resolver in
// the middle of a network change also answers "not found" for a moment, so retrying it is not wasted either.)
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
// The connection broke after the request may have been received: only repeatable calls are sent again.
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ETIMEDOUT']);
// undici's per-request timers (headersTimeout, bodyTimeout), reported as the client's own timeout.
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** True for codes that prove the request never left this machine (refused, unresolvable, unreachable host). */
export function isNeverSentCode(code: string | undefined): boolean {
  return code !== undefined && NEVER_SENT.has(code);
}

/** True for codes of a connection that broke once the request may already have been received. */
export function isConnectionLostCode(code: string | undefined): boolean {
  return code !== undefined && CONNECTION_LOST.has(code);
}

/** True for undici's own header and body timeouts. */
export function isTimeoutCode(code: string | undefined): boolean {
  return code !== undefined && TIMEOUT.has(code);
}

/** The most specific string `code` on an error, its `cause` chain, or an AggregateError's first error. */
export function errorCode(e: unknown): string | undefined {
  let found: string | undefined;
  let current: unknown = e;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const obj = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof obj.code === 'string') found = obj.code;
    current = obj.cause ?? (Array.isArray(obj.errors) ? (obj.errors as unknown[])[0] : undefined);
  }
  return found;
}
