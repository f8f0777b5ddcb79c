/**
 * Typed errors of the LogUp client. Messages are written for people and never contain a secret key, an access
 * token or a logupToken: the client redacts them before an error is built.
 *
 * Two bundles hold a copy of these classes: the extension imports this module statically, while the client that
 * raises the errors lives in the lazily loaded api bundle. So `instanceof` checks a brand, a registered symbol that
 * every copy of a class puts on its instances, instead of the prototype chain. This module must stay free of undici
 * and zod: activation loads it.
 */

/** Path of the client-credentials call, relative to the versioned base URL. */
export const TOKEN_PATH = '/oauth/token';

type Branded = { readonly brand: symbol };

/** The registered symbols' prefix: a brand is `Symbol.for(BRAND_PREFIX + the class's name)`. */
const BRAND_PREFIX = 'logup-vscode.';

/** Brands instances, names them after their class, and answers `instanceof` from the brand. */
export abstract class BrandedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    // The name tells the log what failed. It is read from the brand, which holds the class's name as text: minified
    // code renames classes, and the activation bundle is built without esbuild's keepNames (esbuild.mjs).
    this.name = ((new.target as unknown as Partial<Branded>).brand?.description ?? '').slice(BRAND_PREFIX.length) || 'Error';
    // Every class from new.target up puts its brand here, so `instanceof` a parent class holds too.
    for (let c: unknown = new.target; c !== BrandedError && typeof c === 'function'; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, 'brand')) Object.defineProperty(this, (c as unknown as Branded).brand, { value: true });
    }
  }

  /** True for instances of this class or a subclass made by any copy of this module. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (!Object.hasOwn(this, 'brand') || value === null || typeof value !== 'object') return false;
    return (value as Record<symbol, unknown>)[(this as unknown as Branded).brand] === true;
  }
}

/** Base of every error raised for a request the client made (or was about to make). */
export abstract class LogUpError extends BrandedError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static readonly brand: symbol = Symbol.for('logup-vscode.LogUpError');
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
  /** Shared by every copy of this class, whichever bundle made it. */
  static override readonly brand: symbol = Symbol.for('logup-vscode.LogUpHttpError');
  /** HTTP status code. */
  readonly status: number;
  /** The server's message, redacted and sanitized (from the JSON error body, or an excerpt of a non-JSON body). */
  readonly serverMessage: string | undefined;

  constructor(method: string, path: string, status: number, serverMessage: string | undefined, statusText: string) {
    super(`${method} ${path} failed: ${status} ${serverMessage ?? statusText}`.trimEnd(), method, path);
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

/** The server could not be reached or dropped the connection; `code` is e.g. `ECONNREFUSED` or `UND_ERR_SOCKET`. */
export class LogUpNetworkError extends LogUpError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static override readonly brand: symbol = Symbol.for('logup-vscode.LogUpNetworkError');
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
  /** Shared by every copy of this class, whichever bundle made it. */
  static override readonly brand: symbol = Symbol.for('logup-vscode.LogUpTimeoutError');
  /** The per-attempt timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(method: string, path: string, timeoutMs: number) {
    super(`${method} ${path} timed out after ${timeoutMs} ms`, method, path);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired before the call finished. */
export class LogUpCancelledError extends LogUpError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static override readonly brand: symbol = Symbol.for('logup-vscode.LogUpCancelledError');
  /** False only when no attempt of the call can have reached the server (cancelled before anything was sent). */
  readonly sent: boolean;

  constructor(method: string, path: string, sent = true) {
    super(`${method} ${path} was cancelled`, method, path);
    this.sent = sent;
  }
}

/** A success response whose body was not what the API documents (names the field, never the value). */
export class LogUpResponseError extends LogUpError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static override readonly brand: symbol = Symbol.for('logup-vscode.LogUpResponseError');
  constructor(method: string, path: string, detail: string) {
    super(`${method} ${path} returned an unexpected response: ${detail}`, method, path);
  }
}

/**
 * Something the client must refuse before sending: a bad base URL, subscription id, key or proxy setting, or a
 * plain-http host that does not resolve to this machine.
 */
export class LogUpConfigError extends BrandedError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static readonly brand: symbol = Symbol.for('logup-vscode.LogUpConfigError');
}
