/**
 * Typed errors of the LogUp client. Messages are written for people and never contain a secret key, an access
 * token or a logupToken: the client redacts them before an error is built.
 */

/** Path of the client-credentials call, relative to the versioned base URL. */
export const TOKEN_PATH = '/oauth/token';

/** Base of every error raised for a request the client made (or was about to make). */
export abstract class LogUpError extends Error {
  /** HTTP method of the failed call, e.g. `PUT`. */
  readonly method: string;
  /** Path relative to the versioned base URL, without query, e.g. `/subscription/sub_alpha/db`. */
  readonly path: string;

  protected constructor(message: string, method: string, path: string, options?: ErrorOptions) {
    super(message, options);
    this.method = method;
    this.path = path;
  }
}

/** The server answered with a non-success status; `serverMessage` holds the server's own words, if any. */
export class LogUpHttpError extends LogUpError {
  // Spelled out: bundlers minify class names, and callers that load this module lazily match on `name`.
  override readonly name = 'LogUpHttpError';
  /** HTTP status code. */
  readonly status: number;
  /** The server's message (from `errorMessage`, `error` or `message`, or a sanitized excerpt of a non-JSON body). */
  readonly serverMessage: string | undefined;

  constructor(method: string, path: string, status: number, serverMessage: string | undefined, statusText: string) {
    super(`${method} ${path} failed: ${status} ${serverMessage ?? statusText}`.trimEnd(), method, path);
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

/** The server could not be reached or dropped the connection; `code` is e.g. `ECONNREFUSED` or `UND_ERR_SOCKET`. */
export class LogUpNetworkError extends LogUpError {
  // Spelled out: bundlers minify class names, and callers that load this module lazily match on `name`.
  override readonly name = 'LogUpNetworkError';
  /** Error code unwrapped from undici's error or its `cause` chain. */
  readonly code: string | undefined;

  constructor(method: string, path: string, code: string | undefined, cause: unknown) {
    const suffix = code ? ` (${code})` : '';
    super(`${method} ${path} failed: could not reach the LogUp server${suffix}`, method, path, { cause });
    this.code = code;
  }
}

/** One attempt took longer than the client's per-request timeout. */
export class LogUpTimeoutError extends LogUpError {
  // Spelled out: bundlers minify class names, and callers that load this module lazily match on `name`.
  override readonly name = 'LogUpTimeoutError';
  /** The per-attempt timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(method: string, path: string, timeoutMs: number) {
    super(`${method} ${path} timed out after ${timeoutMs} ms`, method, path);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired before the call finished. */
export class LogUpCancelledError extends LogUpError {
  // Spelled out: bundlers minify class names, and callers that load this module lazily match on `name`.
  override readonly name = 'LogUpCancelledError';
  constructor(method: string, path: string) {
    super(`${method} ${path} was cancelled`, method, path);
  }
}

/** A success response whose body was not what the API documents (names the field, never the value). */
export class LogUpResponseError extends LogUpError {
  // Spelled out: bundlers minify class names, and callers that load this module lazily match on `name`.
  override readonly name = 'LogUpResponseError';
  constructor(method: string, path: string, detail: string) {
    super(`${method} ${path} returned an unexpected response: ${detail}`, method, path);
  }
}

/** The client was given something it must refuse before any request: a bad base URL, subscription id or key. */
export class LogUpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogUpConfigError';
  }
}

/**
 * True when the error means the gate's credentials (or the access token) were refused: 401/403 from any call,
 * and also 400 from the token call, which OAuth2 servers use for `invalid_client` when credentials travel in the body.
 */
export function isAuthError(e: unknown): boolean {
  if (!(e instanceof LogUpHttpError)) return false;
  if (e.status === 401 || e.status === 403) return true;
  return e.status === 400 && e.path === TOKEN_PATH;
}
