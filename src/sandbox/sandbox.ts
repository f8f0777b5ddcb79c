// A LogUp-compatible server on loopback, for tests and for trying the extension without an account.
// It is as strict as the real API where the reference is strict, and can be switched between the documented
// variants (201 tokens, 204 deletes, other error shapes) so a client cannot pass here and break there.
// This file runs a request through its stages; the routes, the data and the plumbing live beside it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Db } from '../core/db';
import { answerApi, failureAnswer, faultAnswer, redactTokenBody, type ApiContext } from './apiRoutes';
import {
  DEFAULT_SANDBOX_VARIANTS,
  SANDBOX_VERSION_PREFIX,
  type DbPatch,
  type Hold,
  type HoldOptions,
  type JournalEntry,
  type RandomFaults,
  type RateLimit,
  type SandboxFault,
  type SandboxHandle,
  type SandboxHooks,
  type SandboxOptions,
  type SandboxRoute,
  type SandboxVariants,
} from './contract';
import { answerControl, type ControlTarget } from './controlRoutes';
import { DEMO_GATE, DEMO_LOGUP_TOKENS, DEMO_SUBSCRIPTIONS } from './demoData';
import { FaultQueue } from './faults';
import { checkPressure, manySubscriptions, Pressure } from './pressure';
import { HoldQueue } from './holds';
import {
  DROP,
  HttpFailure,
  deliver,
  matchRoute,
  readBody,
  splitUrl,
  type Answer,
  type Body,
  type RouteMatch,
} from './http';
import { SandboxStore } from './store';

// Named, not `export *`: tsx's tsImport (the harness loads this file with it) cannot follow a star re-export.
export { DEFAULT_SANDBOX_VARIANTS, SANDBOX_MAX_BODY_BYTES, SANDBOX_ROUTES, SANDBOX_VERSION_PREFIX } from './contract';
export type {
  DbPatch, Hold, HoldOptions, JournalEntry, RandomFaults, RateLimit, SandboxFault, SandboxHandle, SandboxHooks, SandboxOptions, SandboxRoute, SandboxVariants,
} from './contract';

/** Starts a sandbox on 127.0.0.1 and resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}, hooks: SandboxHooks = {}): Promise<SandboxHandle> {
  const sandbox = new Sandbox(options, hooks);
  await sandbox.listen(options.port ?? 0);
  return sandbox;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function checkLatency(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latencyMs must be a finite number >= 0, not ${ms}`);
  return ms;
}

class Sandbox implements ControlTarget, ApiContext {
  readonly journal: JournalEntry[] = [];
  readonly store = new SandboxStore();
  readonly tokenLifetimeSeconds: number;
  readonly oneTimeLogupTokens: boolean;
  variants: Readonly<SandboxVariants>;
  latencyMs: number;
  port = 0;
  private readonly faults = new FaultQueue();
  private readonly pressure = new Pressure();
  private readonly extraSubscriptions: number;
  private readonly holds = new HoldQueue();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sockets = new Set<Socket>();
  private readonly control: boolean;
  private seq = 0;
  private closed = false;
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(
    options: SandboxOptions,
    private readonly hooks: SandboxHooks,
  ) {
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
    this.oneTimeLogupTokens = options.oneTimeLogupTokens ?? false;
    this.control = options.control ?? false;
    this.variants = { ...DEFAULT_SANDBOX_VARIANTS, ...options.variants };
    this.latencyMs = checkLatency(options.latencyMs ?? 0);
    this.extraSubscriptions = options.subscriptions ?? 0;
    this.setPressure(options.rateLimit, options.randomFaults);
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
    for (const sub of DEMO_SUBSCRIPTIONS) this.store.setDb(DEMO_GATE.idGate, sub.idSubscription, sub.db, sub.idActor);
    for (const t of DEMO_LOGUP_TOKENS) this.addLogupToken(DEMO_GATE.idGate, t.logupToken, t);
    for (const sub of manySubscriptions(this.extraSubscriptions)) this.store.setDb(DEMO_GATE.idGate, sub.idSubscription, sub.db, sub.idActor);
  }

  // ---- handle API -------------------------------------------------------------------------------------------

  clearJournal(): void {
    this.journal.length = 0;
  }
  count(route: SandboxRoute): number {
    return this.journal.filter((e) => e.route === route).length;
  }
  hasGate(idGate: string): boolean {
    return this.store.gate(idGate) !== undefined;
  }
  addGate(idGate: string, secretKey: string): void {
    this.store.addGate(idGate, secretKey);
  }
  removeGate(idGate: string): void {
    this.store.removeGate(idGate);
  }
  setDb(idGate: string, idSubscription: string, db: Db): void {
    this.store.setDb(idGate, idSubscription, db);
  }
  patchDb(idGate: string, idSubscription: string, patch: DbPatch): void {
    this.store.patchDb(idGate, idSubscription, patch);
  }
  getDb(idGate: string, idSubscription: string): Db | undefined {
    return this.store.getDb(idGate, idSubscription);
  }
  addLogupToken(idGate: string, logupToken: string, sub: { idSubscription: string; idActor: string }): void {
    this.store.addLogupToken(idGate, logupToken, sub);
  }
  failNext(route: SandboxRoute, count: number, fault: SandboxFault): void {
    this.faults.add(route, count, fault);
  }
  clearFaults(): void {
    this.faults.clear();
  }
  hold(route: SandboxRoute, options?: HoldOptions): Hold {
    return this.holds.add(route, options);
  }
  setVariants(v: Partial<SandboxVariants>): void {
    this.variants = { ...this.variants, ...v };
  }
  setLatency(ms: number): void {
    this.latencyMs = checkLatency(ms);
  }
  setPressure(rateLimit: RateLimit | undefined, randomFaults: RandomFaults | undefined): void {
    checkPressure(rateLimit, randomFaults);
    this.pressure.rateLimit = rateLimit;
    this.pressure.faults = randomFaults;
  }
  expireTokens(): void {
    this.store.expireTokens();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    // Held requests go on, find the sandbox closed and their sockets gone, so none is left waiting.
    this.holds.close();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
  }

  // ---- request handling ------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const { path, query } = splitUrl(req.url ?? '/');
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
    res.on('close', () => {
      if (finished) return;
      finished = true;
      this.hooks.onResponse?.(entry, performance.now() - started);
    });

    let answer: Answer;
    try {
      const body = await readBody(req);
      if (body.kind === 'json') entry.body = match.route === 'token' ? redactTokenBody(body.value) : body.value;
      answer =
        match.route === 'control'
          ? answerControl(this, req, path, body)
          : await this.answerApiRequest(req, match, query, body, entry);
    } catch {
      const failure = new HttpFailure(500, 'INTERNAL_ERROR', 'the sandbox failed to handle this request');
      answer = failureAnswer(this.variants, failure);
    }
    entry.status = deliver(req, res, answer);
  }

  /** Stages of an API request: [hold 'before'] → fault → apply → [hold 'after'] → latency → (deliver). */
  private async answerApiRequest(
    req: IncomingMessage,
    match: RouteMatch,
    query: string,
    body: Body,
    entry: Mutable<JournalEntry>,
  ): Promise<Answer> {
    const route = match.route === 'unknown' || match.route === 'control' ? undefined : match.route;
    const held = route && this.holds.take(route);
    if (held && held.phase === 'before') await held.wait(entry);
    // A request let go by close() must not change the data any more.
    if (this.closed) return DROP;
    const answer = await this.apply(req, match, query, body, entry);
    if (held && held.phase === 'after') await held.wait(entry);
    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    return answer;
  }

  private async apply(
    req: IncomingMessage,
    match: RouteMatch,
    query: string,
    body: Body,
    entry: Mutable<JournalEntry>,
  ): Promise<Answer> {
    let extraHeaders: Record<string, string> = {};
    const fault = match.route === 'unknown' || match.route === 'control' ? undefined : (this.faults.take(match.route) ?? this.pressure.take(match.route, Date.now()));
    if (fault) {
      if (fault.delayMs !== undefined && fault.delayMs > 0) await this.sleep(fault.delayMs);
      if (fault.drop) return DROP;
      if (fault.status !== undefined || fault.body !== undefined) return faultAnswer(this.variants, fault);
      extraHeaders = fault.headers ?? {};
    }
    try {
      const answer = answerApi(this, req, match, query, body, entry);
      return answer.kind === 'send' ? { ...answer, headers: { ...extraHeaders, ...answer.headers } } : answer;
    } catch (err) {
      if (err instanceof HttpFailure) return failureAnswer(this.variants, err);
      throw err;
    }
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
}
