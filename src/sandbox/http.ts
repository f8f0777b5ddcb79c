// HTTP plumbing of the sandbox: reading bodies, matching routes, and sending (or withholding) answers. It knows the
// URL layout but nothing of gates, tokens or DBs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SANDBOX_MAX_BODY_BYTES, SANDBOX_VERSION_PREFIX, type SandboxRoute } from './contract';

export type Headers = Record<string, string>;

/** Thrown by a route to answer with an error instead of a result. */
export class HttpFailure extends Error {
  readonly headers: Headers;

  /**
   * `code` is an upper-case word such as SUBSCRIPTION_NOT_FOUND; `detail` says what went wrong in words. The flat
   * error shapes show `CODE: detail`, or `CODE` alone when `bare` (as LogUp does for some errors).
   */
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    options: { headers?: Headers; bare?: boolean } = {},
  ) {
    super(options.bare ? code : `${code}: ${detail}`);
    this.headers = options.headers ?? {};
  }
}

/** What to do with a request once it has been handled: send an answer, or drop the connection. */
export type Answer =
  | { readonly kind: 'send'; readonly status: number; readonly headers: Headers; readonly body?: AnswerBody }
  | { readonly kind: 'drop' };
interface AnswerBody {
  readonly type: string;
  readonly text: string;
}

export const DROP: Answer = { kind: 'drop' };

/** A JSON answer; 204 and 304 (or no `json`) go without a body. */
export function jsonAnswer(status: number, json?: unknown, headers: Headers = {}): Answer {
  if (json === undefined || status === 204 || status === 304) return { kind: 'send', status, headers };
  const body = { type: 'application/json; charset=utf-8', text: JSON.stringify(json) };
  return { kind: 'send', status, headers, body };
}

/** A text answer; `headers` come last so they may override the content type or length. */
export function textAnswer(status: number, type: string, text: string, headers: Headers = {}): Answer {
  return { kind: 'send', status, headers, body: { type, text } };
}

/** Sends `answer` unless the response is already gone; returns the status sent, 0 when nothing was. */
export function deliver(req: IncomingMessage, res: ServerResponse, answer: Answer): number {
  if (answer.kind === 'drop') {
    req.socket.destroy();
    return 0;
  }
  if (res.headersSent || res.destroyed) return 0;
  if (!answer.body) {
    res.writeHead(answer.status, answer.headers).end();
    return answer.status;
  }
  res
    .writeHead(answer.status, {
      'content-type': answer.body.type,
      'content-length': String(Buffer.byteLength(answer.body.text)),
      ...answer.headers,
    })
    .end(answer.body.text);
  return answer.status;
}

// ---- request bodies ------------------------------------------------------------------------------------------

export type Body = { kind: 'none' } | { kind: 'tooLarge' } | { kind: 'invalid' } | { kind: 'json'; value: unknown };

// Past this a request is cut off instead of drained, so a runaway client cannot keep the sandbox busy forever.
const DRAIN_LIMIT_BYTES = 16 * SANDBOX_MAX_BODY_BYTES;

export function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= SANDBOX_MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) req.socket.destroy();
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > SANDBOX_MAX_BODY_BYTES) return resolve({ kind: 'tooLarge' });
      if (size === 0) return resolve({ kind: 'none' });
      try {
        resolve({ kind: 'json', value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      } catch {
        resolve({ kind: 'invalid' });
      }
    });
  });
}

export function tooLarge(): HttpFailure {
  return new HttpFailure(413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${SANDBOX_MAX_BODY_BYTES} bytes`);
}

/** The parsed JSON body, or a 400 (413) that says what is wrong with it. */
export function requireJson(req: IncomingMessage, body: Body): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // Strict on purpose: body parsers of real servers ignore bodies that are not labelled JSON.
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HttpFailure(400, 'INVALID_REQUEST', 'send the body as JSON with "Content-Type: application/json"');
  }
  if (body.kind === 'none') throw new HttpFailure(400, 'INVALID_REQUEST', 'a JSON body is required');
  if (body.kind === 'invalid') throw new HttpFailure(400, 'INVALID_JSON', 'the body is not valid JSON');
  if (body.kind === 'tooLarge') throw tooLarge();
  return body.value;
}

// ---- URLs and routes -----------------------------------------------------------------------------------------

/** Path (without query) and raw query (without '?', '' if none) of a request. */
export function splitUrl(rawUrl: string): { path: string; query: string } {
  const q = rawUrl.indexOf('?');
  return q === -1 ? { path: rawUrl, query: '' } : { path: rawUrl.slice(0, q), query: rawUrl.slice(q + 1) };
}

export const CONTROL_PREFIX = '/_sandbox/';

export interface RouteMatch {
  route: SandboxRoute | 'control' | 'unknown';
  idSubscription?: string;
  /** Set when the path exists but the method does not. */
  allow?: string;
}

export function matchRoute(method: string, path: string, control: boolean): RouteMatch {
  if (control && path.startsWith(CONTROL_PREFIX)) return { route: 'control' };
  if (!path.startsWith(`${SANDBOX_VERSION_PREFIX}/`)) return { route: 'unknown' };
  const rest = path.slice(SANDBOX_VERSION_PREFIX.length);
  if (rest === '/oauth/token') return method === 'POST' ? { route: 'token' } : { route: 'unknown', allow: 'POST' };
  if (rest === '/verification') {
    return method === 'POST' ? { route: 'verification' } : { route: 'unknown', allow: 'POST' };
  }
  const m = /^\/subscription\/([^/]+)\/db$/.exec(rest);
  if (!m) return { route: 'unknown' };
  const idSubscription = decodeSegment(m[1]!);
  const byMethod: Record<string, SandboxRoute> = { GET: 'getDb', PUT: 'putDb', DELETE: 'deleteDb' };
  const route = byMethod[method];
  return route ? { route, idSubscription } : { route: 'unknown', idSubscription, allow: 'GET, PUT, DELETE' };
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
