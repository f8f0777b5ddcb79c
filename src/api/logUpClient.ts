import { STATUS_CODES } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Db, DbEntry } from '../core/db';
import { isSafeId } from '../core/dbPath';
import { raceAbort, sleep as defaultSleep, throwIfAborted } from './abort';
import { parseBaseUrl, withoutTrailingSlash } from './baseUrl';
import { BodyDeadlineError, MAX_BODY_BYTES, MAX_ERROR_BODY_BYTES, parseJson, readCapped } from './body';
import { connectTimeoutFor, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS } from './clientDefaults';
import type { CallOptions, LogUpClientOptions, RequestLogEntry, RequestLogger } from './clientOptions';
import { createDirectAgent } from './directConnect';
import {
  LogUpCancelledError, LogUpConfigError, LogUpError, LogUpHttpError, LogUpNetworkError, LogUpResponseError, LogUpTimeoutError, TOKEN_PATH,
} from './errors';
import { wasNeverSent } from './failures';
import { errorCode, isTimeoutCode } from './networkCodes';
import { Redactor } from './redact';
import { rememberRetryAfter, retryDelay } from './retryPolicy';
import { TokenResponseSchema, type Verification } from './schemas';
import { serverMessage } from './serverMessage';
import type { Preconnecting } from './spareConnections';
import { request } from './undici';
import { parseDb, requireBody, safeVerification, validate } from './validate';

export type { CallOptions, LogUpClientOptions, RequestLogEntry, RequestLogger } from './clientOptions';

// The reference's example value; used only if a server leaves expires_in out (401 recovery covers a wrong guess).
const DEFAULT_EXPIRES_IN_S = 3600;
const USER_AGENT = 'logup-vscode';

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
  /** Turns a success answer into the call's result; `redactor` hides the call's secrets from the server's words. */
  parse: (status: number, json: unknown, redactor: () => Promise<Redactor>) => T | Promise<T>;
}

interface CachedToken {
  token: string;
  obtainedAt: number;
  /** From here a call still goes with this token, and a new one is fetched behind it. */
  refreshAt: number;
  /** From here the token is too close to its expiry to send: calls wait for the new one. */
  usableUntil: number;
}

/**
 * HTTP client for one LogUp gate: client-credentials token with caching, single-flight refresh and 401 recovery,
 * per-attempt timeouts, cancellation, conservative retries (retryPolicy.ts), capped and schema-checked responses,
 * and server words redacted and cleaned before anyone sees them.
 */
export class LogUpClient {
  /** The gate this client authenticates as. */
  readonly idGate: string;
  /** The validated versioned base URL, without trailing slash. */
  readonly baseUrl: string;
  // The base URL split once, as undici's dispatchers take it (see attempt()).
  private readonly origin: string;
  private readonly basePath: string;

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
    const base = parseBaseUrl(options.baseUrl);
    this.baseUrl = withoutTrailingSlash(base);
    this.origin = base.origin;
    this.basePath = withoutTrailingSlash(base.pathname);
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
    this.dispatcher = options.dispatcher ?? createDirectAgent(connectTimeoutFor(timeoutMs), options.resolveHost);
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Requests a fresh access token (ignoring the cache); rejects with an auth failure on bad credentials. */
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
        parse: async (_s, json, redactor) => safeVerification(json, await redactor()),
      },
      opts?.signal,
      [logupToken],
    );
  }

  /** Reads a subscription's DB, or only `keys` of it (absent keys are simply missing; `[]` reads nothing). */
  async getDb(idSubscription: string, keys?: readonly string[], opts?: CallOptions): Promise<Db> {
    const path = dbRequestPath(idSubscription);
    let query: string | undefined;
    if (keys !== undefined) {
      for (const key of keys) {
        if (typeof key !== 'string' || key === '' || key.includes(',')) {
          throw new LogUpConfigError('A key to read must be a non-empty string without commas.');
        }
      }
      if (keys.length === 0) return {};
      // Commas separate keys, so they stay literal; everything else inside a key is percent-encoded (and "'" as
      // the URL parser encodes it, so the request is byte for byte what it was when undici parsed the URL).
      query = `keys=${keys.map((key) => encodeURIComponent(key).replaceAll("'", '%27')).join(',')}`;
    }
    return this.authed(
      {
        method: 'GET',
        path,
        ...(query !== undefined ? { query } : {}),
        repeatable: true,
        parse: (_s, json, redactor) => parseDb(requireBody(json, 'GET', path), 'GET', path, redactor),
      },
      opts?.signal,
    );
  }

  /** Upserts entries (limits must have been checked in core/ first); resolves to the whole DB after the write. */
  async putDb(idSubscription: string, entries: readonly DbEntry[], opts?: CallOptions): Promise<Db> {
    const path = dbRequestPath(idSubscription);
    return this.authed(
      {
        method: 'PUT',
        path,
        body: { data: entries.map(({ key, value }) => ({ key, value })) },
        repeatable: false,
        parse: (_s, json, redactor) => parseDb(requireBody(json, 'PUT', path), 'PUT', path, redactor),
      },
      opts?.signal,
    );
  }

  /**
   * Deletes keys; resolves to the DB after the delete when the server sends it (200), or undefined after a 204
   * (re-read with getDb if the result matters). `[]` sends nothing and resolves to undefined.
   */
  async deleteDb(idSubscription: string, keys: readonly string[], opts?: CallOptions): Promise<Db | undefined> {
    const path = dbRequestPath(idSubscription);
    if (keys.length === 0) return undefined;
    return this.authed(
      {
        method: 'DELETE',
        path,
        body: { keys: [...keys] },
        repeatable: false,
        parse: (status, json, redactor) => (status === 204 || json === undefined ? undefined : parseDb(json, 'DELETE', path, redactor)),
      },
      opts?.signal,
    );
  }

  /** Opens connections (no request) until `count` are open or opening: spareConnections.ts; a proxy ignores it. */
  preconnect(count: number): void {
    (this.dispatcher as Partial<Preconnecting>).preconnect?.(this.origin, count);
  }

  /** Drops the cached access token and any refresh in progress (e.g. the secret changed). */
  forgetToken(): void {
    this.cached = undefined;
    this.flight = undefined;
    this.generation++;
  }

  /** Hides this client's secrets (secret key, cached access token) and `extra` (a logupToken) from text shown. */
  outputRedactor(extra: readonly string[] = []): Promise<Redactor> {
    return this.redactor([...(this.cached ? [this.cached.token] : []), ...extra]);
  }

  /** Closes the client's own connection pool; an injected dispatcher only with `closeDispatcher`. */
  async close(): Promise<void> {
    this.forgetToken();
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  // ---- tokens ------------------------------------------------------------------------------------------------

  /** A valid access token, from the cache or from the one refresh all concurrent callers share. */
  private accessToken(signal: AbortSignal | undefined, method: string, path: string, sent = false): Promise<string> {
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
    return raceAbort(this.flight, signal, () => new LogUpCancelledError(method, path, sent));
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
      // The refused attempt reached the server (and was not applied): a cancellation from here on says "sent".
      token = await this.accessToken(signal, spec.method, spec.path, true);
      return await this.send(spec, token, signal, [token, ...secrets], true);
    }
  }

  /**
   * Redacts this call's secrets from the server's words: its tokens, and the gate's secret key, read again for
   * this only (a server may echo it in any answer). A secret that cannot be read has nothing to hide.
   */
  private async redactor(secrets: readonly string[]): Promise<Redactor> {
    let secret: string | undefined;
    try {
      secret = await this.secretKey();
    } catch {
      secret = undefined;
    }
    return new Redactor(typeof secret === 'string' ? [...secrets, secret] : secrets, this.idGate);
  }

  // ---- transport ---------------------------------------------------------------------------------------------

  /** One call with the retry policy applied; `sent` when an earlier attempt of it reached the server. */
  private async send<T>(
    spec: CallSpec<T>,
    token: string | undefined,
    signal: AbortSignal | undefined,
    secrets: readonly string[],
    sent = false,
  ): Promise<T> {
    let reached = sent;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(spec, token, signal, secrets, attempt, reached);
      } catch (e) {
        reached ||= !wasNeverSent(e);
        const delay = attempt <= this.maxRetries ? retryDelay(e, spec.repeatable, attempt) : undefined;
        if (delay === undefined) throw e;
        await this.pause(delay, signal, spec, reached);
      }
    }
  }

  private async pause(ms: number, signal: AbortSignal | undefined, spec: CallSpec<unknown>, sent: boolean): Promise<void> {
    const cancelled = (): LogUpCancelledError => new LogUpCancelledError(spec.method, spec.path, sent);
    throwIfAborted(signal, spec.method, spec.path, sent);
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
    sentBefore: boolean,
  ): Promise<T> {
    const { method, path } = spec;
    throwIfAborted(signal, method, path, sentBefore);
    const started = performance.now();
    // undici's bodyTimeout only notices a body that stops; one that keeps dripping is cut off at this point.
    const deadline = started + this.timeoutMs;
    const redactor = (): Promise<Redactor> => this.redactor(secrets);
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
      // Origin and path straight to the dispatcher, in an object literal: undici.request(url, …) parses the URL and
      // copies the options with a spread, and an object made by a spread slows every step of undici that reads it
      // (with our own spreads, about 20 % of a loopback call; BENCHMARKS.md, part 2).
      const options: Dispatcher.RequestOptions = {
        origin: this.origin,
        path: spec.query === undefined ? this.basePath + path : `${this.basePath}${path}?${spec.query}`,
        method,
        headers,
        body: body ?? null,
        // undici's own per-request timers instead of an AbortController and a timer of ours on every attempt
        // (about 15 % of a loopback call); the caller's signal goes straight to undici (null: none).
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: signal ?? null,
      };
      // LogUp's DELETE carries a JSON body, which undici otherwise takes as a reason to close the connection after
      // it (and its pool then opened a new connection for every later request: two round trips each on HTTPS).
      if (method === 'DELETE') options.reset = false;
      const res = await request(this.dispatcher, options);
      status = res.statusCode;
      if (status >= 200 && status < 300) {
        outcome = 'http-error';
        const read = await readCapped(res.body, MAX_BODY_BYTES, res.headers['content-length'], false, deadline);
        if (read.overflow) {
          throw new LogUpResponseError(method, path, `the body is larger than ${MAX_BODY_BYTES / (1024 * 1024)} MB`);
        }
        const result = await spec.parse(status, parseJson(read.text, method, path), redactor);
        outcome = 'ok';
        return result;
      }
      outcome = 'http-error';
      const read = await readCapped(res.body, MAX_ERROR_BODY_BYTES, res.headers['content-length'], true, deadline);
      const statusText = res.statusText || STATUS_CODES[status] || 'HTTP error';
      const words = read.text.trim() === '' ? undefined : serverMessage(read, await redactor());
      const error = new LogUpHttpError(method, path, status, words, statusText);
      rememberRetryAfter(error, res.headers['retry-after']);
      throw error;
    } catch (e) {
      if (signal?.aborted) {
        outcome = 'cancelled';
        throw new LogUpCancelledError(method, path, true);
      }
      if (e instanceof BodyDeadlineError || isTimeoutCode(errorCode(e))) {
        outcome = 'timeout';
        throw new LogUpTimeoutError(method, path, this.timeoutMs);
      }
      // A LogUpConfigError here is the plain-http guard refusing a host that is not this machine.
      if (e instanceof LogUpError || e instanceof LogUpConfigError) throw e;
      outcome = 'network-error';
      throw new LogUpNetworkError(method, path, errorCode(e), e);
    } finally {
      if (this.logger !== undefined) {
        const entry: RequestLogEntry = { method, path, durationMs: Math.round(performance.now() - started), attempt, outcome };
        if (status !== undefined) entry.status = status;
        this.log(this.logger, entry);
      }
    }
  }

  private log(logger: RequestLogger, entry: RequestLogEntry): void {
    try {
      logger(entry);
    } catch {
      // A broken logger must not turn a successful call into a failure.
    }
  }
}

/** The request path of a subscription's DB; the id is validated, not just encoded, so `..`, `/`, `?` or `%` can never reach another resource. */
function dbRequestPath(idSubscription: string): string {
  if (typeof idSubscription !== 'string' || !isSafeId(idSubscription)) {
    throw new LogUpConfigError(
      'Invalid subscription id: use the sub_… id from LogUp (1–128 letters, digits, "_" or "-").',
    );
  }
  return `/subscription/${encodeURIComponent(idSubscription)}/db`;
}
