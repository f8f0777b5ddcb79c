import type { Dispatcher } from 'undici';
import type { HostResolver } from './directConnect';

/** One request attempt as the client reports it to its logger; never carries bodies, headers or query strings. */
export interface RequestLogEntry {
  method: string;
  /** Path relative to the versioned base URL, without query. */
  path: string;
  /** HTTP status, when the server answered. */
  status?: number;
  durationMs: number;
  /** 1 for the first try, 2+ for retries of the same call. */
  attempt: number;
  /** `http-error` also covers a success status whose body was unusable (too large, not JSON, wrong shape). */
  outcome: 'ok' | 'http-error' | 'network-error' | 'timeout' | 'cancelled';
}

/** Receives one entry per request attempt. */
export type RequestLogger = (entry: RequestLogEntry) => void;

/** How to reach one gate and how patient to be. */
export interface LogUpClientOptions {
  /** The gate's versioned base URL, validated with parseBaseUrl. */
  baseUrl: string;
  idGate: string;
  /**
   * Read lazily each time a token is needed (and when a server's words must be checked for the secret before they
   * are shown), so the secret stays in SecretStorage the rest of the time.
   */
  secretKey: () => Promise<string>;
  /**
   * Per request attempt, default 15000: the longest wait for the response headers once the request is sent, and
   * the longest silence while the body arrives (a timeout is "no progress for this long"); a body still arriving
   * this long after the attempt began is abandoned at its next chunk. Connecting has its own limit (this value, at
   * most 10 s). undici checks these timers about twice a second, so a timeout may fire up to about 1 s late.
   */
  timeoutMs?: number;
  /** Retries of transient failures, default 2. */
  maxRetries?: number;
  logger?: RequestLogger;
  /** Injectable (proxy agents, tests); default: one keep-alive Agent per client. */
  dispatcher?: Dispatcher;
  /** True when the injected dispatcher was made for this client alone, so close() closes it too. */
  closeDispatcher?: boolean;
  /** Resolves host names for the client's own Agent (not for an injected dispatcher); tests inject one. */
  resolveHost?: HostResolver;
  /** Backoff sleep; tests may inject a fast one. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}
