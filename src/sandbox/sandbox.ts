// A LogUp-compatible server on loopback, for tests and for trying the extension without an account.
// It is as strict as the real API where the reference is strict, and can be switched between the documented
// variants (201 tokens, 204 deletes, other error keys) so a client cannot pass here and break there.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Db, DbValue } from '../core/db';
import { DEMO_GATE, DEMO_LOGUP_TOKENS, DEMO_SUBSCRIPTIONS } from './demoData';
import { checkDbMap, checkDeleteBody, checkPutBody, isRecord } from './validate';

export type SandboxRoute = 'token' | 'verification' | 'getDb' | 'putDb' | 'deleteDb';

export interface SandboxFault {
  /** Answer with this status (body: error JSON in the current error shape unless `body` is given). */
  status?: number;
  /** Raw body to send, as text/html if it starts with '<' (else text/plain). */
  body?: string;
  /** Extra headers; without `status`/`body` they are added to the normal answer. */
  headers?: Record<string, string>;
  /** Wait this long before answering (or before the fault). */
  delayMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
}

export interface SandboxVariants {
  tokenStatus: 200 | 201;
  tokenType: string;
  deleteStatus: 200 | 204;
  errorKey: 'errorMessage' | 'error' | 'message';
}

export interface JournalEntry {
  readonly seq: number;
  readonly route: SandboxRoute | 'control' | 'unknown';
  readonly method: string;
  /** Full path incl. version prefix, without query. */
  readonly path: string;
  /** Raw query string without '?', '' if none. */
  readonly query: string;
  readonly idSubscription?: string;
  /** Parsed JSON body; for the token call client_secret is replaced by '<redacted>'. */
  readonly body?: unknown;
  /** Status answered (0 while pending or when the connection was dropped). */
  readonly status: number;
  /** idGate the bearer token (or the token call's credentials) belongs to, when valid. */
  readonly gate?: string;
  readonly at: number;
}

export interface SandboxOptions {
  port?: number;
  tokenLifetimeSeconds?: number;
  seed?: boolean;
  oneTimeLogupTokens?: boolean;
  control?: boolean;
  variants?: Partial<SandboxVariants>;
}

export interface SandboxHandle {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly journal: readonly JournalEntry[];
  clearJournal(): void;
  count(route: SandboxRoute): number;
  addGate(idGate: string, secretKey: string): void;
  removeGate(idGate: string): void;
  setDb(idGate: string, idSubscription: string, db: Db): void;
  getDb(idGate: string, idSubscription: string): Db | undefined;
  addLogupToken(idGate: string, logupToken: string, sub: { idSubscription: string; idActor: string }): void;
  failNext(route: SandboxRoute, count: number, fault: SandboxFault): void;
  clearFaults(): void;
  setVariants(v: Partial<SandboxVariants>): void;
  expireTokens(): void;
  close(): Promise<void>;
}

/** Called once per answered (or dropped) request; the CLI uses it for its access log. */
export interface SandboxHooks {
  onResponse?(entry: JournalEntry, ms: number): void;
}

export const SANDBOX_VERSION_PREFIX = '/v1_0';
export const SANDBOX_MAX_BODY_BYTES = 1024 * 1024;
const SANDBOX_ROUTES: readonly SandboxRoute[] = ['token', 'verification', 'getDb', 'putDb', 'deleteDb'];
const DEFAULT_VARIANTS: SandboxVariants = {
  tokenStatus: 200,
  tokenType: 'Baerer',
  deleteStatus: 204,
  errorKey: 'errorMessage',
};
// Past this a request is cut off instead of drained, so a runaway client cannot keep the sandbox busy forever.
const DRAIN_LIMIT_BYTES = 16 * SANDBOX_MAX_BODY_BYTES;

interface Subscription {
  idActor: string;
  db: Map<string, DbValue>;
}
interface LogupTokenRecord {
  idSubscription: string;
  idActor: string;
  used: boolean;
}
interface Gate {
  secretKey: string;
  subscriptions: Map<string, Subscription>;
  logupTokens: Map<string, LogupTokenRecord>;
}
interface AccessToken {
  idGate: string;
  expiresAt: number;
}
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Body = { kind: 'none' } | { kind: 'tooLarge' } | { kind: 'invalid' } | { kind: 'json'; value: unknown };

/** Thrown by handlers to answer with an error body in the current error shape. */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const toDb = (map: ReadonlyMap<string, DbValue>): Db => Object.fromEntries(map);

/** Starts a sandbox on 127.0.0.1 and resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}, hooks: SandboxHooks = {}): Promise<SandboxHandle> {
  const sandbox = new Sandbox(options, hooks);
  await sandbox.listen(options.port ?? 0);
  return sandbox;
}

class Sandbox implements SandboxHandle {
  readonly journal: JournalEntry[] = [];
  private readonly gates = new Map<string, Gate>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly faults = new Map<SandboxRoute, { remaining: number; fault: SandboxFault }[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sockets = new Set<Socket>();
  private variants: SandboxVariants;
  private seq = 0;
  private closed = false;
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private readonly tokenLifetimeSeconds: number;
  private readonly oneTimeLogupTokens: boolean;
  private readonly control: boolean;
  port = 0;

  constructor(
    options: SandboxOptions,
    private readonly hooks: SandboxHooks,
  ) {
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
    this.oneTimeLogupTokens = options.oneTimeLogupTokens ?? false;
    this.control = options.control ?? false;
    this.variants = { ...DEFAULT_VARIANTS, ...options.variants };
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    if (options.seed ?? true) this.seed();
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get url(): string {
    return `${this.origin}${SANDBOX_VERSION_PREFIX}`;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private seed(): void {
    this.addGate(DEMO_GATE.idGate, DEMO_GATE.secretKey);
    for (const sub of DEMO_SUBSCRIPTIONS) {
      this.setDb(DEMO_GATE.idGate, sub.idSubscription, sub.db);
      this.gateOrThrow(DEMO_GATE.idGate).subscriptions.get(sub.idSubscription)!.idActor = sub.idActor;
    }
    for (const t of DEMO_LOGUP_TOKENS) this.addLogupToken(DEMO_GATE.idGate, t.logupToken, t);
  }

  // ---- handle API -------------------------------------------------------------------------------------------

  clearJournal(): void {
    this.journal.length = 0;
  }

  count(route: SandboxRoute): number {
    return this.journal.filter((e) => e.route === route).length;
  }

  addGate(idGate: string, secretKey: string): void {
    const existing = this.gates.get(idGate);
    if (existing) existing.secretKey = secretKey;
    else this.gates.set(idGate, { secretKey, subscriptions: new Map(), logupTokens: new Map() });
  }

  removeGate(idGate: string): void {
    this.gates.delete(idGate);
    for (const [token, record] of this.accessTokens) if (record.idGate === idGate) this.accessTokens.delete(token);
  }

  setDb(idGate: string, idSubscription: string, db: Db): void {
    const gate = this.gateOrThrow(idGate);
    const sub = gate.subscriptions.get(idSubscription);
    const map = new Map(Object.entries(db));
    if (sub) sub.db = map;
    else gate.subscriptions.set(idSubscription, { idActor: `acr_${idSubscription.replace(/^sub_/, '')}`, db: map });
  }

  getDb(idGate: string, idSubscription: string): Db | undefined {
    const sub = this.gates.get(idGate)?.subscriptions.get(idSubscription);
    return sub ? toDb(sub.db) : undefined;
  }

  addLogupToken(idGate: string, logupToken: string, sub: { idSubscription: string; idActor: string }): void {
    const gate = this.gateOrThrow(idGate);
    const existing = gate.subscriptions.get(sub.idSubscription);
    if (existing) existing.idActor = sub.idActor;
    else gate.subscriptions.set(sub.idSubscription, { idActor: sub.idActor, db: new Map() });
    gate.logupTokens.set(logupToken, { idSubscription: sub.idSubscription, idActor: sub.idActor, used: false });
  }

  failNext(route: SandboxRoute, count: number, fault: SandboxFault): void {
    if (!SANDBOX_ROUTES.includes(route)) throw new Error(`unknown sandbox route: ${String(route)}`);
    if (!Number.isInteger(count) || count < 1) return;
    const queue = this.faults.get(route) ?? [];
    queue.push({ remaining: count, fault: { ...fault } });
    this.faults.set(route, queue);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  setVariants(v: Partial<SandboxVariants>): void {
    this.variants = { ...this.variants, ...v };
  }

  expireTokens(): void {
    // Kept (not deleted) so a request with an old token is told "expired", like a real expiry.
    for (const record of this.accessTokens.values()) record.expiresAt = 0;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private gateOrThrow(idGate: string): Gate {
    const gate = this.gates.get(idGate);
    if (!gate) throw new Error(`unknown sandbox gate: ${idGate} (call addGate first)`);
    return gate;
  }

  // ---- request handling ------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = q === -1 ? '' : rawUrl.slice(q + 1);
    const method = req.method ?? 'GET';
    const match = matchRoute(method, path, this.control);
    const entry: Mutable<JournalEntry> = {
      seq: ++this.seq,
      route: match.route,
      method,
      path,
      query,
      status: 0,
      at: Date.now(),
    };
    if (match.idSubscription !== undefined) entry.idSubscription = match.idSubscription;
    this.journal.push(entry);

    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.hooks.onResponse?.(entry, performance.now() - started);
    };
    res.on('close', finish);

    try {
      const body = await readBody(req);
      if (body.kind === 'json') entry.body = match.route === 'token' ? redactTokenBody(body.value) : body.value;
      if (match.route === 'control') {
        this.handleControl(req, res, entry, path, body);
        return;
      }
      let extraHeaders: Record<string, string> = {};
      if (match.route !== 'unknown') {
        const fault = this.takeFault(match.route);
        if (fault) {
          if (fault.delayMs !== undefined && fault.delayMs > 0) await this.sleep(fault.delayMs);
          if (fault.drop) {
            entry.status = 0;
            req.socket.destroy();
            return;
          }
          if (fault.status !== undefined || fault.body !== undefined) {
            this.sendFault(res, entry, fault);
            return;
          }
          extraHeaders = fault.headers ?? {};
        }
      }
      const answer = this.route(req, match, body, entry);
      this.send(res, entry, answer.status, answer.json, { ...extraHeaders, ...answer.headers });
    } catch (err) {
      if (err instanceof HttpFailure) {
        this.sendError(res, entry, err.status, err.message, err.headers);
      } else {
        this.sendError(res, entry, 500, 'INTERNAL_ERROR: the sandbox failed to handle this request');
      }
    }
  }

  private route(
    req: IncomingMessage,
    match: RouteMatch,
    body: Body,
    entry: Mutable<JournalEntry>,
  ): { status: number; json?: unknown; headers?: Record<string, string> } {
    if (match.route === 'unknown') {
      if (match.allow) {
        throw new HttpFailure(405, `METHOD_NOT_ALLOWED: ${req.method ?? ''} is not allowed here`, {
          allow: match.allow,
        });
      }
      throw new HttpFailure(404, 'NOT_FOUND: no such endpoint');
    }
    if (body.kind === 'tooLarge') {
      throw new HttpFailure(413, `PAYLOAD_TOO_LARGE: the body exceeds ${SANDBOX_MAX_BODY_BYTES} bytes`);
    }
    if (match.route === 'token') return this.token(req, body, entry);

    const idGate = this.authenticate(req);
    entry.gate = idGate;
    const gate = this.gates.get(idGate)!;
    if (match.route === 'verification') return this.verification(gate, requireJson(req, body));

    const sub = gate.subscriptions.get(match.idSubscription ?? '');
    if (!sub) throw new HttpFailure(404, 'SUBSCRIPTION_NOT_FOUND');
    switch (match.route) {
      case 'getDb':
        return { status: 200, json: selectKeys(sub.db, query(req)) };
      case 'putDb': {
        const checked = checkPutBody(requireJson(req, body), sub.db);
        if (!checked.ok) throw new HttpFailure(400, checked.message);
        for (const { key, value } of checked.value) sub.db.set(key, value);
        return { status: 200, json: toDb(sub.db) };
      }
      case 'deleteDb': {
        const checked = checkDeleteBody(requireJson(req, body));
        if (!checked.ok) throw new HttpFailure(400, checked.message);
        for (const key of checked.value) sub.db.delete(key);
        return this.variants.deleteStatus === 204 ? { status: 204 } : { status: 200, json: toDb(sub.db) };
      }
      default:
        throw new HttpFailure(404, 'NOT_FOUND: no such endpoint');
    }
  }

  private token(
    req: IncomingMessage,
    body: Body,
    entry: Mutable<JournalEntry>,
  ): { status: number; json: unknown } {
    const value = requireJson(req, body);
    if (!isRecord(value) || typeof value.client_id !== 'string' || typeof value.client_secret !== 'string') {
      throw new HttpFailure(400, 'INVALID_REQUEST: client_id and client_secret (strings) are required');
    }
    if (value.grant_type !== 'client_credentials') {
      throw new HttpFailure(400, 'UNSUPPORTED_GRANT_TYPE: the only grant_type supported is "client_credentials"');
    }
    const gate = this.gates.get(value.client_id);
    if (!gate || !timingSafeEqualString(gate.secretKey, value.client_secret)) {
      throw new HttpFailure(401, 'INVALID_CLIENT');
    }
    entry.gate = value.client_id;
    const accessToken = randomBytes(72).toString('base64url');
    this.accessTokens.set(accessToken, {
      idGate: value.client_id,
      expiresAt: Date.now() + this.tokenLifetimeSeconds * 1000,
    });
    return {
      status: this.variants.tokenStatus,
      json: { access_token: accessToken, token_type: this.variants.tokenType, expires_in: this.tokenLifetimeSeconds },
    };
  }

  /** Returns the idGate of a valid bearer token or throws 401. */
  private authenticate(req: IncomingMessage): string {
    const challenge = (error: string): Record<string, string> => ({
      'www-authenticate': `Bearer realm="logup-sandbox", error="${error}"`,
    });
    const header = req.headers.authorization ?? '';
    const m = /^bearer +(\S+)\s*$/i.exec(header);
    if (!m) {
      throw new HttpFailure(401, 'UNAUTHORIZED: send "Authorization: Bearer <access_token>"', {
        'www-authenticate': 'Bearer realm="logup-sandbox"',
      });
    }
    const record = this.accessTokens.get(m[1]!);
    if (!record || !this.gates.has(record.idGate)) {
      throw new HttpFailure(401, 'INVALID_TOKEN: the access token is not known', challenge('invalid_token'));
    }
    if (Date.now() >= record.expiresAt) {
      throw new HttpFailure(401, 'TOKEN_EXPIRED: the access token has expired', challenge('invalid_token'));
    }
    return record.idGate;
  }

  private verification(gate: Gate, value: unknown): { status: number; json: unknown } {
    if (!isRecord(value) || typeof value.logupToken !== 'string' || value.logupToken === '') {
      throw new HttpFailure(400, 'INVALID_REQUEST: logupToken (a non-empty string) is required');
    }
    const record = gate.logupTokens.get(value.logupToken);
    const sub = record ? gate.subscriptions.get(record.idSubscription) : undefined;
    if (!record || !sub || record.used) {
      return {
        status: 200,
        json: { verified: false, errorMessage: 'INVALID_LOGUP_TOKEN', idActor: null, idSubscription: null, db: {} },
      };
    }
    if (this.oneTimeLogupTokens) record.used = true;
    return {
      status: 200,
      json: { verified: true, idActor: record.idActor, idSubscription: record.idSubscription, db: toDb(sub.db) },
    };
  }

  private takeFault(route: SandboxRoute): SandboxFault | undefined {
    const queue = this.faults.get(route);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining--;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  // ---- control API -----------------------------------------------------------------------------------------

  private handleControl(
    req: IncomingMessage,
    res: ServerResponse,
    entry: Mutable<JournalEntry>,
    path: string,
    body: Body,
  ): void {
    const reply = (status: number, json?: unknown): void => this.send(res, entry, status, json, {});
    const refuse = (status: number, message: string): void => this.send(res, entry, status, { error: message }, {});
    // A web page that rebinds its own host name to 127.0.0.1 must not be able to drive the sandbox.
    const host = (req.headers.host ?? '').toLowerCase();
    if (![`127.0.0.1:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`].includes(host)) {
      refuse(403, 'the control API only answers requests addressed to 127.0.0.1 or localhost');
      return;
    }
    if (body.kind === 'tooLarge') return refuse(413, `the body exceeds ${SANDBOX_MAX_BODY_BYTES} bytes`);
    const json = (): unknown => {
      try {
        return requireJson(req, body);
      } catch (err) {
        throw err instanceof HttpFailure ? new ControlFailure(400, err.message) : err;
      }
    };
    const method = req.method ?? 'GET';
    const rest = path.slice('/_sandbox/'.length);
    try {
      if (rest === 'journal' && method === 'GET') return reply(200, this.journal);
      if (rest === 'journal' && method === 'DELETE') return (this.clearJournal(), reply(204));
      if (rest === 'faults' && method === 'DELETE') return (this.clearFaults(), reply(204));
      if (rest === 'expire-tokens' && method === 'POST') return (this.expireTokens(), reply(204));
      if (rest === 'faults' && method === 'POST') {
        const v = json();
        if (!isRecord(v) || !SANDBOX_ROUTES.includes(v.route as SandboxRoute)) {
          throw new ControlFailure(400, `route must be one of ${SANDBOX_ROUTES.join(', ')}`);
        }
        const count = v.count ?? 1;
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
          throw new ControlFailure(400, 'count must be a positive integer');
        }
        const fault = parseFault(v.fault ?? {});
        this.failNext(v.route as SandboxRoute, count, fault);
        return reply(204);
      }
      if (rest === 'variants' && method === 'POST') {
        this.setVariants(parseVariants(json()));
        return reply(200, this.variants);
      }
      if (rest === 'variants' && method === 'GET') return reply(200, this.variants);
      if (rest === 'logup-tokens' && method === 'POST') {
        const v = json();
        const fields = ['idGate', 'logupToken', 'idSubscription', 'idActor'] as const;
        if (!isRecord(v) || !fields.every((f) => typeof v[f] === 'string' && v[f] !== '')) {
          throw new ControlFailure(400, `${fields.join(', ')} must be non-empty strings`);
        }
        const s = v as Record<(typeof fields)[number], string>;
        if (!this.gates.has(s.idGate)) throw new ControlFailure(404, 'unknown gate');
        this.addLogupToken(s.idGate, s.logupToken, { idSubscription: s.idSubscription, idActor: s.idActor });
        return reply(204);
      }
      const db = /^db\/([^/]+)\/([^/]+)$/.exec(rest);
      if (db && (method === 'GET' || method === 'PUT')) {
        const idGate = decodeSegment(db[1]!);
        const idSubscription = decodeSegment(db[2]!);
        if (!this.gates.has(idGate)) throw new ControlFailure(404, 'unknown gate');
        if (method === 'PUT') {
          const checked = checkDbMap(json());
          if (!checked.ok) throw new ControlFailure(400, checked.message);
          this.setDb(idGate, idSubscription, checked.value);
        }
        const current = this.getDb(idGate, idSubscription);
        return current ? reply(200, current) : refuse(404, 'unknown subscription');
      }
      refuse(404, 'no such control endpoint');
    } catch (err) {
      if (err instanceof ControlFailure) refuse(err.status, err.message);
      else refuse(500, 'the sandbox failed to handle this control request');
    }
  }

  // ---- answers ---------------------------------------------------------------------------------------------

  private send(
    res: ServerResponse,
    entry: Mutable<JournalEntry>,
    status: number,
    json: unknown,
    headers: Record<string, string>,
  ): void {
    if (res.headersSent || res.destroyed) return;
    entry.status = status;
    if (json === undefined || status === 204 || status === 304) {
      res.writeHead(status, headers).end();
      return;
    }
    const text = JSON.stringify(json);
    res
      .writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        ...headers,
      })
      .end(text);
  }

  private sendError(
    res: ServerResponse,
    entry: Mutable<JournalEntry>,
    status: number,
    message: string,
    headers: Record<string, string> = {},
  ): void {
    this.send(res, entry, status, { [this.variants.errorKey]: message }, headers);
  }

  private sendFault(res: ServerResponse, entry: Mutable<JournalEntry>, fault: SandboxFault): void {
    const status = fault.status ?? 500;
    const headers = fault.headers ?? {};
    if (fault.body === undefined) {
      this.sendError(res, entry, status, `SANDBOX_FAULT: injected status ${status}`, headers);
      return;
    }
    if (res.headersSent || res.destroyed) return;
    entry.status = status;
    const type = fault.body.trimStart().startsWith('<') ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8';
    res
      .writeHead(status, {
        'content-type': type,
        'content-length': String(Buffer.byteLength(fault.body)),
        ...headers,
      })
      .end(fault.body);
  }
}

class ControlFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

// ---- pure helpers --------------------------------------------------------------------------------------------

interface RouteMatch {
  route: SandboxRoute | 'control' | 'unknown';
  idSubscription?: string;
  /** Set when the path exists but the method does not. */
  allow?: string;
}

function matchRoute(method: string, path: string, control: boolean): RouteMatch {
  if (control && path.startsWith('/_sandbox/')) return { route: 'control' };
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

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readBody(req: IncomingMessage): Promise<Body> {
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

/** The parsed JSON body, or a 400 that says what is wrong with it. */
function requireJson(req: IncomingMessage, body: Body): unknown {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // Strict on purpose: body parsers of real servers ignore bodies that are not labelled JSON.
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HttpFailure(400, 'INVALID_REQUEST: send the body as JSON with "Content-Type: application/json"');
  }
  if (body.kind === 'none') throw new HttpFailure(400, 'INVALID_REQUEST: a JSON body is required');
  if (body.kind === 'invalid') throw new HttpFailure(400, 'INVALID_JSON: the body is not valid JSON');
  if (body.kind === 'tooLarge') {
    throw new HttpFailure(413, `PAYLOAD_TOO_LARGE: the body exceeds ${SANDBOX_MAX_BODY_BYTES} bytes`);
  }
  return body.value;
}

function query(req: IncomingMessage): URLSearchParams {
  const raw = req.url ?? '';
  const q = raw.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
}

/** `keys=a,b` (or repeated `keys=`) keeps only those keys that exist; without `keys` the whole DB. */
function selectKeys(db: ReadonlyMap<string, DbValue>, params: URLSearchParams): Db {
  if (!params.has('keys')) return toDb(db);
  const wanted = new Set(params.getAll('keys').flatMap((v) => v.split(',')));
  return toDb(new Map([...db].filter(([key]) => wanted.has(key))));
}

function redactTokenBody(value: unknown): unknown {
  if (!isRecord(value) || !('client_secret' in value)) return value;
  return { ...value, client_secret: '<redacted>' };
}

function timingSafeEqualString(a: string, b: string): boolean {
  // Digests have equal length, so the comparison time does not reveal how much of the secret matched.
  const digest = (v: string): Buffer => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function parseFault(v: unknown): SandboxFault {
  if (!isRecord(v)) throw new ControlFailure(400, 'fault must be an object');
  const fault: SandboxFault = {};
  if (v.status !== undefined) {
    if (typeof v.status !== 'number' || !Number.isInteger(v.status) || v.status < 100 || v.status > 599) {
      throw new ControlFailure(400, 'fault.status must be an HTTP status');
    }
    fault.status = v.status;
  }
  if (v.body !== undefined) {
    if (typeof v.body !== 'string') throw new ControlFailure(400, 'fault.body must be a string');
    fault.body = v.body;
  }
  if (v.headers !== undefined) {
    if (!isRecord(v.headers) || !Object.values(v.headers).every((h) => typeof h === 'string')) {
      throw new ControlFailure(400, 'fault.headers must map names to strings');
    }
    fault.headers = v.headers as Record<string, string>;
  }
  if (v.delayMs !== undefined) {
    if (typeof v.delayMs !== 'number' || v.delayMs < 0) throw new ControlFailure(400, 'fault.delayMs must be >= 0');
    fault.delayMs = v.delayMs;
  }
  if (v.drop !== undefined) {
    if (typeof v.drop !== 'boolean') throw new ControlFailure(400, 'fault.drop must be a boolean');
    fault.drop = v.drop;
  }
  return fault;
}

function parseVariants(v: unknown): Partial<SandboxVariants> {
  if (!isRecord(v)) throw new ControlFailure(400, 'variants must be an object');
  const out: Partial<SandboxVariants> = {};
  if (v.tokenStatus !== undefined) {
    if (v.tokenStatus !== 200 && v.tokenStatus !== 201) throw new ControlFailure(400, 'tokenStatus must be 200 or 201');
    out.tokenStatus = v.tokenStatus;
  }
  if (v.tokenType !== undefined) {
    if (typeof v.tokenType !== 'string') throw new ControlFailure(400, 'tokenType must be a string');
    out.tokenType = v.tokenType;
  }
  if (v.deleteStatus !== undefined) {
    if (v.deleteStatus !== 200 && v.deleteStatus !== 204) {
      throw new ControlFailure(400, 'deleteStatus must be 200 or 204');
    }
    out.deleteStatus = v.deleteStatus;
  }
  if (v.errorKey !== undefined) {
    if (v.errorKey !== 'errorMessage' && v.errorKey !== 'error' && v.errorKey !== 'message') {
      throw new ControlFailure(400, 'errorKey must be errorMessage, error or message');
    }
    out.errorKey = v.errorKey;
  }
  return out;
}
