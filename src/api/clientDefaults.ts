/**
 * The client's defaults and limits, shared by the client, the proxy dispatcher and the extension's settings. No
 * undici or zod import: the extension reads its settings through this module at activation.
 */

/** Per-attempt timeout when none is set: 15 s. */
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Retries of a transient failure when none is set. */
export const DEFAULT_MAX_RETRIES = 2;
/** The most retries a setting may ask for. */
export const MAX_RETRIES_LIMIT = 5;
/** Connecting (TCP, TLS, a proxy's tunnel) never waits longer than this, whatever the request timeout. */
export const MAX_CONNECT_TIMEOUT_MS = 10_000;

/** The connect timeout that goes with a request timeout: the same, at most 10 s. */
export function connectTimeoutFor(timeoutMs: number): number {
  return Math.min(timeoutMs, MAX_CONNECT_TIMEOUT_MS);
}
