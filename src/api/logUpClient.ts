import { STATUS_CODES } from 'node:http';
import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Db, DbEntry } from '../core/db';
import { parseBaseUrl } from './baseUrl';
import {
  LogUpCancelledError,
  LogUpConfigError,
  LogUpError,
  LogUpHttpError,
  LogUpNetworkError,
  LogUpResponseError,
  LogUpTimeoutError,
  TOKEN_PATH,
} from './errors';
import { DbSchema, TokenResponseSchema, VerificationSchema, type Verification } from './schemas';

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
  /** Read lazily each time a token is needed, so the secret stays in SecretStorage the rest of the time. */
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
  /** Backoff sleep; tests may inject a fast one. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_RETRIES = 2;
const MAX_BODY_BYTES = 2 * 1024 * 1024;
// Error bodies are only mined for a short message; the rest is not worth downloading.
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_RETRY_AFTER_MS = 30_000;
const BACKOFF_BASE_MS = 300;
const BACKOFF_MAX_MS = 5_000;
// The reference's example value; used only if a server leaves expires_in out (401 recovery covers a wrong guess).
const DEFAULT_EXPIRES_IN_S = 3600;
const MAX_SERVER_MESSAGE_CHARS = 200;
const SUBSCRIPTION_ID = /^[A-Za-z0-9_-]{1,128}$/;
const USER_AGENT = 'logup-vscode';

// Codes that prove the request never reached the server, so even a write can be sent again.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
// The connection broke after the request may have been received: only repeatable calls are sent again.
const CONNECTION_LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ETIMEDOUT']);
// undici's per-request timers (headersTimeout, bodyTimeout), reported as the client's own timeout.
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface CallSpec<T> {
  method: Method;
  /** Relative to the base URL, segments already encoded; used in logs and errors. */
  path: string;
  /** Encoded query without '?'; never logged. */
  query?: string;
  body?: unknown;
  /**
   * True when sending the call twice cannot differ from sending it once (the token call, GET). Writes and
   * verification are not: a PUT/DELETE may already have been applied (and then overwrite someone's newer edit),
   * and a logupToken may be single-use.
   */
  repeatable: boolean;
  parse: (status: number, json: unknown) => T;
}

interface CachedToken {
  token: string;
  obtainedAt: number;
  /** From here a call still goes with this token, and a new one is fetched behind it. */
  refreshAt: number;
  /** From here the token is too close to its expiry to send: calls wait for the new one. */
  usableUntil: number;
}

// Retry-After of an HTTP error, kept out of the public error type.
const retryAfterOf = new WeakMap<LogUpHttpError, number>();

/**
 * HTTP client for one LogUp gate: client-credentials token with caching, single-flight refresh and 401 recovery,
 * per-attempt timeouts, cancellation, conservative retries, capped and schema-checked responses.
 *
 * Retry policy: 429 and 503 (the server refused without acting) are retried for every call, honouring Retry-After
 * up to 30 s (a longer wait fails at once); refused connections likewise. 502/504, timeouts and dropped
 * connections are retried only for the token call and GET. 500 is never retried: it may have been applied.
 */
export class LogUpClient {
  /** The gate this client authenticates as. */
  readonly idGate: string;
  /** The validated versioned base URL, without trailing slash. */
  readonly baseUrl: string;

  private readonly secretKey: () => Promise<string>;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly logger: RequestLogger | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  private cached: CachedToken | undefined;
  private flight: Promise<string> | undefined;
  // Bumped by forgetToken so a refresh started with the old secret cannot repopulate the cache.
  private generation = 0;

  constructor(options: LogUpClientOptions) {
    this.baseUrl = parseBaseUrl(options.baseUrl).href.replace(/\/$/, '');
    if (typeof options.idGate !== 'string' || options.idGate.trim() === '') {
      throw new LogUpConfigError('The gate id is empty; enter the idGate shown in your LogUp dashboard.');
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new LogUpConfigError('timeoutMs must be a positive number.');
    }
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new LogUpConfigError('maxRetries must be a whole number ≥ 0.');
    }
    this.idGate = options.idGate;
    this.secretKey = options.secretKey;
    this.timeoutMs = timeoutMs;
    this.maxRetries = maxRetries;
    this.logger = options.logger;
    this.ownsDispatcher = options.dispatcher === undefined || options.closeDispatcher === true;
    this.dispatcher = options.dispatcher ?? new Agent({ connect: { timeout: Math.min(timeoutMs, 10_000) } });
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Requests a fresh access token (ignoring the cache); throws LogUpHttpError (isAuthError) on bad credentials. */
  async checkCredentials(opts?: CallOptions): Promise<void> {
    throwIfAborted(opts?.signal, 'POST', TOKEN_PATH);
    this.forgetToken();
    await this.accessToken(opts?.signal, 'POST', TOKEN_PATH);
  }

  /** Verifies a logupToken from a redirect URL; `verified: false` is an answer, not an error. */
  async verify(logupToken: string, opts?: CallOptions): Promise<Verification> {
    if (typeof logupToken !== 'string' || logupToken.trim() === '') {
      throw new LogUpConfigError('The logupToken is empty; paste the value of logupToken= from the redirect URL.');
    }
    return this.authed(
      {
        method: 'POST',
        path: '/verification',
        body: { logupToken },
        repeatable: false,
        parse: (_s, json) => safeVerification(validate(VerificationSchema, json, 'POST', '/verification'), json),
      },
      opts?.signal,
      [logupToken],
    );
  }

  /** Reads a subscription's DB, or only `keys` of it (absent keys are simply missing; `[]` reads nothing). */
  async getDb(idSubscription: string, keys?: readonly string[], opts?: CallOptions): Promise<Db> {
    const path = dbPath(idSubscription);
    let query: string | undefined;
    if (keys !== undefined) {
      for (const key of keys) {
        if (typeof key !== 'string' || key === '' || key.includes(',')) {
          throw new LogUpConfigError('A key to read must be a non-empty string without commas.');
        }
      }
      if (keys.length === 0) return {};
      // Commas separate keys, so they stay literal; everything else inside a key is percent-encoded.
      query = `keys=${keys.map(encodeURIComponent).join(',')}`;
    }
    return this.authed(
      {
        method: 'GET',
        path,
        ...(query !== undefined ? { query } : {}),
        repeatable: true,
        parse: (_s, json) => parseDb(requireBody(json, 'GET', path), 'GET', path),
      },
      opts?.signal,
    );
  }

  /** Upserts entries (limits must have been checked in core/ first); resolves to the whole DB after the write. */
  async putDb(idSubscription: string, entries: readonly DbEntry[], opts?: CallOptions): Promise<Db> {
    const path = dbPath(idSubscription);
    return this.authed(
      {
        method: 'PUT',
        path,
        body: { data: entries.map(({ key, value }) => ({ key, value })) },
        repeatable: false,
        parse: (_s, json) => parseDb(requireBody(json, 'PUT', path), 'PUT', path),
      },
      opts?.signal,
    );
  }

  /**
   * Deletes keys; resolves to the DB after the delete when the server sends it (200), or undefined after a 204
   * (re-read with getDb if the result matters). `[]` sends nothing and resolves to undefined.
   */
  async deleteDb(idSubscription: string, keys: readonly string[], opts?: CallOptions): Promise<Db | undefined> {
    const path = dbPath(idSubscription);
    if (keys.length === 0) return undefined;
    return this.authed(
      {
        method: 'DELETE',
        path,
        body: { keys: [...keys] },
        repeatable: false,
        parse: (status, json) =>
          status === 204 || json === undefined ? undefined : parseDb(json, 'DELETE', path),
      },
      opts?.signal,
    );
  }

  /** Drops the cached access token and any refresh in progress (e.g. the secret changed). */
  forgetToken(): void {
    this.cached = undefined;
    this.flight = undefined;
    this.generation++;
  }

  /** Closes the client's own connection pool; an injected dispatcher only with `closeDispatcher`. */
  async close(): Promise<void> {
    this.forgetToken();
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  // ---- tokens ------------------------------------------------------------------------------------------------

  /** A valid access token, from the cache or from the one refresh all concurrent callers share. */
  private accessToken(signal: AbortSignal | undefined, method: string, path: string): Promise<string> {
    const now = Date.now();
    const c = this.cached;
    // A clock that went backwards (now < obtainedAt) makes the expiry unknowable, so refresh.
    if (c && now < c.refreshAt && now >= c.obtainedAt) return Promise.resolve(c.token);
    const stillUsable = c !== undefined && now < c.usableUntil && now >= c.obtainedAt;
    if (!this.flight) {
      const generation = this.generation;
      const flight: Promise<string> = this.fetchToken()
        .then((t) => {
          if (generation === this.generation) this.cached = t;
          return t.token;
        })
        .finally(() => {
          if (this.flight === flight) this.flight = undefined;
        });
      // Waiters may all have been cancelled; the shared refresh must not become an unhandled rejection.
      flight.catch(() => undefined);
      this.flight = flight;
    }
    // In the token's last stretch the call goes with it while the refresh runs behind: no one waits for a token.
    if (stillUsable) return Promise.resolve(c.token);
    // The refresh itself ignores any one caller's signal: cancelling one call must not fail the others.
    return raceAbort(this.flight, signal, () => new LogUpCancelledError(method, path));
  }

  private async fetchToken(): Promise<CachedToken> {
    const secret = await this.secretKey();
    if (typeof secret !== 'string' || secret === '') {
      throw new LogUpConfigError(
        `No secret key is stored for gate ${this.idGate}; set it again with the gate's secret key.`,
      );
    }
    const sentAt = Date.now();
    const answer = await this.send(
      {
        method: 'POST',
        path: TOKEN_PATH,
        body: { client_id: this.idGate, client_secret: secret, grant_type: 'client_credentials' },
        repeatable: true,
        parse: (_s, json) => validate(TokenResponseSchema, requireBody(json, 'POST', TOKEN_PATH), 'POST', TOKEN_PATH),
      },
      undefined,
      undefined,
      [secret],
    );
    // undici puts the connection back in its pool a moment after the answer was read: the call waiting for this
    // token would otherwise open a second connection (two more round trips of handshakes on HTTPS).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const lifetimeMs = (answer.expires_in ?? DEFAULT_EXPIRES_IN_S) * 1000;
    const margin = Math.min(60_000, lifetimeMs * 0.1);
    // Calls in the last 10 minutes (the second half of a short life) fetch the next token behind them, so someone
    // at work never waits for one; only a token nearly expired (an idle hour) puts the refresh in a call's way.
    const ahead = Math.min(10 * 60_000, lifetimeMs * 0.5);
    return { token: answer.access_token, obtainedAt: sentAt, refreshAt: sentAt + lifetimeMs - ahead, usableUntil: sentAt + lifetimeMs - margin };
  }

  /** Runs an authenticated call; after a 401 it refreshes the token and tries exactly once more. */
  private async authed<T>(spec: CallSpec<T>, signal: AbortSignal | undefined, secrets: string[] = []): Promise<T> {
    throwIfAborted(signal, spec.method, spec.path);
    let token = await this.accessToken(signal, spec.method, spec.path);
    try {
      return await this.send(spec, token, signal, [token, ...secrets]);
    } catch (e) {
      if (!(e instanceof LogUpHttpError) || e.status !== 401) throw e;
      // Only drop the token this call used: a concurrent caller may already have fetched a newer one.
      if (this.cached?.token === token) this.cached = undefined;
      token = await this.accessToken(signal, spec.method, spec.path);
      return await this.send(spec, token, signal, [token, ...secrets]);
    }
  }

  // ---- transport ---------------------------------------------------------------------------------------------

  /** One call with the retry policy applied. */
  private async send<T>(
    spec: CallSpec<T>,
    token: string | undefined,
    signal: AbortSignal | undefined,
    secrets: readonly string[],
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(spec, token, signal, secrets, attempt);
      } catch (e) {
        const delay = attempt <= this.maxRetries ? retryDelay(e, spec.repeatable, attempt) : undefined;
        if (delay === undefined) throw e;
        await this.pause(delay, signal, spec);
      }
    }
  }

  private async pause(ms: number, signal: AbortSignal | undefined, spec: CallSpec<unknown>): Promise<void> {
    const cancelled = (): LogUpCancelledError => new LogUpCancelledError(spec.method, spec.path);
    throwIfAborted(signal, spec.method, spec.path);
    try {
      // Raced as well, so an injected sleep that ignores the signal still cannot delay a cancellation.
      await raceAbort(this.sleep(ms, signal), signal, cancelled);
    } catch (e) {
      if (signal?.aborted) throw cancelled();
      throw e;
    }
  }

  private async attempt<T>(
    spec: CallSpec<T>,
    token: string | undefined,
    signal: AbortSignal | undefined,
    secrets: readonly string[],
    attempt: number,
  ): Promise<T> {
    const { method, path } = spec;
    throwIfAborted(signal, method, path);
    const started = performance.now();
    // undici's bodyTimeout only notices a body that stops; one that keeps dripping is cut off at this point.
    const deadline = started + this.timeoutMs;
    let status: number | undefined;
    let outcome: RequestLogEntry['outcome'] = 'network-error';
    try {
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
      // Always "Bearer", whatever token_type said (the reference spells it "Baerer").
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (spec.body !== undefined) {
        body = JSON.stringify(spec.body);
        headers['content-type'] = 'application/json';
      }
      const url = `${this.baseUrl}${path}${spec.query !== undefined ? `?${spec.query}` : ''}`;
      const res = await request(url, {
        method,
        headers,
        body: body ?? null,
        // undici's own per-request timers instead of an AbortController and a timer of ours on every attempt
        // (about 15 % of a loopback call); the caller's signal goes straight to undici, and only when there is one.
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        ...(signal !== undefined ? { signal } : {}),
        dispatcher: this.dispatcher,
        // LogUp's DELETE carries a JSON body, which undici otherwise takes as a reason to close the connection after
        // it (and its pool then opened a new connection for every later request: two round trips each on HTTPS).
        ...(method === 'DELETE' ? { reset: false } : {}),
      });
      status = res.statusCode;
      if (status >= 200 && status < 300) {
        outcome = 'http-error';
        const read = await readCapped(res.body, MAX_BODY_BYTES, res.headers['content-length'], false, deadline);
        if (read.overflow) {
          throw new LogUpResponseError(method, path, `the body is larger than ${MAX_BODY_BYTES / (1024 * 1024)} MB`);
        }
        const result = spec.parse(status, parseJson(read.text, method, path));
        outcome = 'ok';
        return result;
      }
      outcome = 'http-error';
      const read = await readCapped(res.body, MAX_ERROR_BODY_BYTES, res.headers['content-length'], true, deadline);
      const statusText = res.statusText || STATUS_CODES[status] || 'HTTP error';
      const error = new LogUpHttpError(method, path, status, serverMessage(read, secrets), statusText);
      const retryAfter = parseRetryAfter(res.headers['retry-after']);
      if (retryAfter !== undefined) retryAfterOf.set(error, retryAfter);
      throw error;
    } catch (e) {
      if (signal?.aborted) {
        outcome = 'cancelled';
        throw new LogUpCancelledError(method, path);
      }
      if (e instanceof DeadlineExceeded || TIMEOUT_CODES.has(errorCode(e) ?? '')) {
        outcome = 'timeout';
        throw new LogUpTimeoutError(method, path, this.timeoutMs);
      }
      if (e instanceof LogUpError) throw e;
      outcome = 'network-error';
      throw new LogUpNetworkError(method, path, errorCode(e), e);
    } finally {
      this.log({
        method,
        path,
        ...(status !== undefined ? { status } : {}),
        durationMs: Math.round(performance.now() - started),
        attempt,
        outcome,
      });
    }
  }

  private log(entry: RequestLogEntry): void {
    try {
      this.logger?.(entry);
    } catch {
      // A broken logger must not turn a successful call into a failure.
    }
  }
}

// ---- helpers -------------------------------------------------------------------------------------------------

function dbPath(idSubscription: string): string {
  // Validated, not just encoded: `..`, `/`, `?` or `%` must never be able to reach another resource.
  if (typeof idSubscription !== 'string' || !SUBSCRIPTION_ID.test(idSubscription)) {
    throw new LogUpConfigError(
      'Invalid subscription id: use the sub_… id from LogUp (1–128 letters, digits, "_" or "-").',
    );
  }
  return `/subscription/${encodeURIComponent(idSubscription)}/db`;
}

/** A verified answer whose idSubscription could not be used in a URL path (`../x`, `a/b?c#d`) is refused whole. */
function safeVerification(verification: Verification, raw: unknown): Verification {
  if (!verification.verified) return verification;
  if (!SUBSCRIPTION_ID.test(verification.idSubscription)) {
    throw new LogUpResponseError('POST', '/verification', 'field "idSubscription" is not a valid subscription id');
  }
  return { ...verification, db: parseDb((raw as { db: unknown }).db, 'POST', '/verification', 'db.') };
}

/**
 * A DB map from the server. zod's record skips a "__proto__" key (unchecked) and drops it from its output, yet it
 * is a legal DB key: every own key is checked here and kept as an own property.
 */
function parseDb(value: unknown, method: string, path: string, prefix = ''): Db {
  validate(DbSchema, value, method, path);
  const db = value as Record<string, unknown>;
  for (const key of Object.keys(db)) {
    const v = db[key];
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new LogUpResponseError(method, path, `field "${clean(prefix + key, 80)}" has the wrong type`);
    }
  }
  // JSON.parse made every key, "__proto__" included, an own data property of a fresh object: no copy needed.
  return db as Db;
}

function throwIfAborted(signal: AbortSignal | undefined, method: string, path: string): void {
  if (signal?.aborted) throw new LogUpCancelledError(method, path);
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort: () => Error): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Milliseconds to wait before the next attempt, or undefined when the failure must not be retried. */
function retryDelay(e: unknown, repeatable: boolean, attempt: number): number | undefined {
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
    if (e.code !== undefined && NOT_SENT_CODES.has(e.code)) return backoff();
    if (repeatable && (e.code === undefined || CONNECTION_LOST_CODES.has(e.code))) return backoff();
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

/** The most specific string `code` on undici's error, its `cause` chain, or an AggregateError's first error. */
function errorCode(e: unknown): string | undefined {
  let found: string | undefined;
  let current: unknown = e;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const obj = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof obj.code === 'string') found = obj.code;
    current = obj.cause ?? (Array.isArray(obj.errors) ? (obj.errors as unknown[])[0] : undefined);
  }
  return found;
}

interface ReadResult {
  text: string;
  overflow: boolean;
}

// A body still arriving after the attempt's deadline; reported as LogUpTimeoutError.
class DeadlineExceeded extends Error {}

/**
 * Reads a body up to `cap` bytes. Still arriving, it is read with plain 'data' events (`for await` costs 5–12 % of a
 * loopback call) and each chunk is checked against the deadline, so a body that never ends cannot hold a call open.
 */
function readCapped(
  body: Dispatcher.ResponseData['body'],
  cap: number,
  contentLength: string | string[] | undefined,
  truncate: boolean,
  deadline: number,
): Promise<ReadResult> {
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  if (!truncate && Number.isFinite(declared) && declared > cap) {
    body.destroy();
    return Promise.resolve({ text: '', overflow: true });
  }
  // Already all here (the usual case for a DB, which arrives with its headers): undici's text() is the fastest read,
  // and with nothing left to wait for it cannot be held open by a server that drips.
  if (Number.isFinite(declared) && declared <= cap && body.readableLength >= declared) {
    return body.text().then((text) => ({ text, overflow: false }));
  }
  return new Promise<ReadResult>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: ReadResult | Error): void => {
      if (settled) return;
      settled = true;
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (performance.now() > deadline) {
        finish(new DeadlineExceeded());
        body.destroy();
        return;
      }
      if (size + chunk.length > cap) {
        if (truncate) chunks.push(chunk.subarray(0, cap - size));
        finish({ text: decode(chunks), overflow: true });
        body.destroy();
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    body.on('end', () => finish({ text: decode(chunks), overflow: false }));
    body.on('error', (e: Error) => finish(e));
    // Destroyed (e.g. aborted) before 'end' without an 'error' reaching us: fail as `for await` would.
    const closed = (): void =>
      finish(body.errored ?? Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    body.on('close', closed);
    if (body.destroyed) closed();
  });
}

/** UTF-8 without a leading byte-order mark, as undici's text() decodes, so both read paths agree. */
function decode(chunks: Buffer[]): string {
  const buffer = Buffer.concat(chunks);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}

function parseJson(text: string, method: string, path: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LogUpResponseError(method, path, 'the body is not JSON (is the base URL right?)');
  }
}

function requireBody(json: unknown, method: string, path: string): unknown {
  if (json === undefined) throw new LogUpResponseError(method, path, 'the body is empty');
  return json;
}

function validate<S extends z.ZodType>(schema: S, value: unknown, method: string, path: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new LogUpResponseError(method, path, 'the body has the wrong shape');
  // Built from the issue's path and kind only: zod's own messages may quote received values.
  const where = issue.path.length === 0 ? 'the body' : `field "${clean(issue.path.map(String).join('.'), 80)}"`;
  let what: string;
  if (issue.code === 'invalid_type') {
    const missing = issue.path.length > 0 && valueAt(value, issue.path) === undefined;
    what = missing ? 'is missing' : `should be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
  } else if (issue.code === 'invalid_union') {
    what = 'has the wrong type';
  } else if (issue.code === 'invalid_value') {
    what = 'has an unexpected value';
  } else {
    what = 'is invalid';
  }
  throw new LogUpResponseError(method, path, `${where} ${what}`);
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  record: 'an object',
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** The server's own words from an error body, redacted, sanitized and short. */
function serverMessage(read: ReadResult, secrets: readonly string[]): string | undefined {
  let text = read.text;
  // A truncated body may end in part of a secret that full-string redaction would no longer recognise.
  if (read.overflow) text = text.slice(0, Math.max(0, text.length - Math.max(0, ...secrets.map((s) => s.length))));
  text = redact(text, secrets).trim();
  if (text === '') return undefined;
  let message: string | undefined;
  try {
    message = messageFromJson(JSON.parse(text));
  } catch {
    message = messageFromText(text);
  }
  if (message === undefined) return undefined;
  message = clean(redact(message, secrets), MAX_SERVER_MESSAGE_CHARS);
  return message === '' ? undefined : message;
}

function messageFromJson(json: unknown): string | undefined {
  if (typeof json === 'string') return json;
  if (json === null || typeof json !== 'object') return undefined;
  const o = json as Record<string, unknown>;
  // The SDK's order, then OAuth2's error_description and common framework shapes.
  for (const key of ['errorMessage', 'error', 'message', 'error_description', 'detail']) {
    const v = o[key];
    if (typeof v === 'string' && v.trim() !== '') return v;
    if (v !== null && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
      return (v as { message: string }).message;
    }
  }
  return undefined;
}

function messageFromText(text: string): string {
  if (!/<(!doctype|html|head|body|title|h1|p|div)\b/i.test(text)) return text;
  const pick = (tag: string): string | undefined =>
    new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'i').exec(text)?.[1];
  const part = pick('title') ?? pick('h1') ?? text.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ');
  return decodeEntities(part.replace(/<[^>]*>/g, ' '));
}

function decodeEntities(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return s.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return named[name.toLowerCase()] ?? m;
  });
}

/** Removes control characters (no ANSI or line tricks in a notification), collapses spaces, shortens. */
function clean(s: string, max: number): string {
  const flat = s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...flat];
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join('[redacted]');
  return out;
}
