// What a test, the bench or the CLI may rely on: the sandbox's types and constants. No behaviour here.
import type { Db, DbValue } from '../core/db';

/** The API calls the sandbox answers; faults, holds and the journal are keyed by them. */
export type SandboxRoute = 'token' | 'verification' | 'getDb' | 'putDb' | 'deleteDb';

/** Every SandboxRoute, in the order of a typical session. */
export const SANDBOX_ROUTES: readonly SandboxRoute[] = ['token', 'verification', 'getDb', 'putDb', 'deleteDb'];

/** The versioned path every API route lives under. */
export const SANDBOX_VERSION_PREFIX = '/v1_0';

/** Largest request body read; a larger one is answered 413. */
export const SANDBOX_MAX_BODY_BYTES = 1024 * 1024;

export interface RateLimit {
  /** Requests answered per second (token calls included); the rest get 429 until the next second. */
  readonly perSecond: number;
}

export interface RandomFaults {
  /** Share of DB requests (GET, PUT, DELETE) answered with `status`, 0–100. */
  readonly percent: number;
  /** Default 503; a 429 or 503 comes with `Retry-After: 1`. */
  readonly status?: number;
}

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

/** The documented ways a real LogUp may answer differently; a client must handle every combination. */
export interface SandboxVariants {
  tokenStatus: 200 | 201;
  tokenType: string;
  deleteStatus: 200 | 204;
  /** The key of a flat error body, `{"<errorKey>": "CODE: words"}`. Not used when `errorShape` is 'nested'. */
  errorKey: 'errorMessage' | 'error' | 'message';
  /** 'flat': `{"<errorKey>": "CODE: words"}`; 'nested': `{"error": {"code": "CODE", "detail": "words"}}`. */
  errorShape: 'flat' | 'nested';
}

/** What the sandbox answers unless told otherwise: the reference's own choices. */
export const DEFAULT_SANDBOX_VARIANTS: Readonly<SandboxVariants> = {
  tokenStatus: 200,
  tokenType: 'Baerer',
  deleteStatus: 204,
  errorKey: 'errorMessage',
  errorShape: 'flat',
};

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
  /** Delay every API answer (not the control API's) by this many ms, as a fixed round-trip time. Default 0. */
  latencyMs?: number;
  /** Adds this many subscriptions to the demo gate (`sub_00001` …), for batch changes. Default 0. */
  subscriptions?: number;
  /** Answers 429 with Retry-After past this many requests a second. */
  rateLimit?: RateLimit;
  /** Fails this share of DB requests at random. */
  randomFaults?: RandomFaults;
}

export interface HoldOptions {
  /**
   * 'after' (default): the request is applied when it arrives and only its answer waits for `release()`.
   * 'before': the request waits, unapplied, until `release()`.
   */
  phase?: 'before' | 'after';
}

/** One held request: the next one on its route, in the order the holds were asked for. */
export interface Hold {
  /**
   * Resolves with the request's journal entry once it is held: for 'after', once it has been applied. The entry
   * is live: its `status` is filled in when the answer is sent. Rejects if the sandbox closes before a request came.
   */
  readonly arrived: Promise<JournalEntry>;
  /** Lets the request go on. Safe to call more than once, before the request arrived, or after `close()`. */
  release(): void;
}

/** A change to a DB: a value sets the key, `null` deletes it, keys not named stay as they are. */
export type DbPatch = Readonly<Record<string, DbValue | null>>;

export interface SandboxHandle {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly journal: readonly JournalEntry[];
  readonly variants: Readonly<SandboxVariants>;
  readonly latencyMs: number;
  clearJournal(): void;
  count(route: SandboxRoute): number;
  addGate(idGate: string, secretKey: string): void;
  removeGate(idGate: string): void;
  /** Replaces a DB (creating the subscription) without a request, so without a journal entry. */
  setDb(idGate: string, idSubscription: string, db: Db): void;
  /** Changes some keys of an existing DB without a request; throws for an unknown gate or subscription. */
  patchDb(idGate: string, idSubscription: string, patch: DbPatch): void;
  getDb(idGate: string, idSubscription: string): Db | undefined;
  addLogupToken(idGate: string, logupToken: string, sub: { idSubscription: string; idActor: string }): void;
  failNext(route: SandboxRoute, count: number, fault: SandboxFault): void;
  clearFaults(): void;
  /** Holds the next request on `route` that no earlier hold has taken. */
  hold(route: SandboxRoute, options?: HoldOptions): Hold;
  setVariants(v: Partial<SandboxVariants>): void;
  /** Sets the fixed delay of every API answer; 0 turns it off. */
  setLatency(ms: number): void;
  /** Sets (or with undefined removes) the rate limit and the random faults. */
  setPressure(rateLimit: RateLimit | undefined, randomFaults: RandomFaults | undefined): void;
  expireTokens(): void;
  /** Stops listening; pending and held requests are cut off, not waited for. */
  close(): Promise<void>;
}

/** Called once per answered (or dropped) request; the CLI uses it for its access log. */
export interface SandboxHooks {
  onResponse?(entry: JournalEntry, ms: number): void;
}
