// What a save is asked with and answers, and the parts the store is built from (docs/architecture.md, "The save
// path"). No `vscode` import. DbStore (dbStore.ts) re-exports all of it.
import type { LogUpClient } from '../api/logUpClient';
import type { Db } from '../core/db';
import type { Log } from '../core/log';
import type { SavePlan } from '../core/savePlan';
import type { Observation } from './observation';
import type { SubscriptionRef } from './subscriptionRef';
import type { CallOutcome } from './writeCalls';

/** Who asked for a write: recorded in the write history and shown in the review. */
export type SaveOrigin = 'editor' | 'tree' | 'undo' | 'import' | 'batch' | 'agent';


/** What a write will do, shown before any write request leaves (when the review applies). */
export interface SaveReview {
  readonly ref: SubscriptionRef;
  readonly origin: SaveOrigin;
  /** The server's DB now, as the check read it. */
  readonly server: Db;
  readonly plan: SavePlan;
  /** What the server will hold after the plan. */
  readonly result: Db;
  /**
   * The review the person chose Save in, when this one is shown again because a read made after that choice found a
   * key of the plan changed on the server, or the plan changed: the review says what changed.
   */
  readonly previous?: SaveReview;
}

/**
 * The review every write passes before any write request is sent (review/writeReviewer.ts). Passed to the store's
 * constructor, so no write can go around it.
 */
export interface Reviewer {
  /**
   * True when this write waits for a person's choice (then the store reads the server again after Save): by the gate
   * and the origin, and with `plan` also whether an earlier review already covered it (a batch approved as one).
   */
  applies(ref: SubscriptionRef, origin: SaveOrigin, plan?: SavePlan): boolean;
  /** Shows the review; resolves true to send the write, false to cancel it (nothing is sent). */
  review(review: SaveReview): Promise<boolean>;
}

/** Where every write the store made is recorded, whatever its outcome (history/writeHistory.ts). */
export interface WriteRecorder {
  record(record: WriteRecord): void;
}

/** What the store is built from: each is where one step of the save path lives (docs/architecture.md). */
export interface StoreWiring {
  /** Each gate's client: the GET, PUT and DELETE calls (gates/clientRegistry.ts, api/logUpClient.ts). */
  readonly clients: ClientSource;
  readonly reviewer: Reviewer;
  readonly history: WriteRecorder;
  readonly log: Log;
}

/** For stores no person reviews (tests, tools): every write is sent. */
export const NO_REVIEW: Reviewer = { applies: () => false, review: async () => true };

/** How a review shown before the editor's save ended (`reviewAhead`). */
export type AheadVerdict =
  /** Save chosen: the next save of the same plan on the same server version is sent without asking again. */
  | 'approved'
  /** Cancel chosen: nothing was sent. */
  | 'cancelled'
  /** Nothing to review ahead (no review for this gate, nothing to send, a conflict or a limit): the save decides. */
  | 'notReviewed';

/** One write the store made, whatever its outcome: the write history's entry. */
export interface WriteRecord {
  readonly ref: SubscriptionRef;
  readonly origin: SaveOrigin;
  /** When the first write call was sent (ms since the epoch). */
  readonly at: number;
  /** The server's DB just before the write, as the check read it. */
  readonly before: Db;
  readonly plan: SavePlan;
  /** done: every call succeeded; partial: one succeeded and a later one failed; failed: none is known to have landed. */
  readonly outcome: 'done' | 'partial' | 'failed';
  /** The DB the server holds after the write, as far as the store knows. */
  readonly after: Db;
  /** For partial and failed writes: which call failed and why (redacted like every error). */
  readonly failure?: string;
  /** The failed call may still have been applied (a timeout, a dropped connection, a 5xx). */
  readonly uncertain?: boolean;
  /** The history entry this write undid (SaveRequest.undoOf). */
  readonly undoOf?: string;
  /** The batch this write is part of (SaveRequest.batchId). */
  readonly batchId?: string;
  /**
   * Each call the plan has, and how far it got (always set by DbStore). A PUT and a DELETE that the key cap lets go
   * in any order are sent together, so one may have landed although the other failed, whichever comes first.
   */
  readonly calls?: { readonly put?: CallOutcome; readonly delete?: CallOutcome };
}

export interface SaveRequest {
  /**
   * The precondition: the DB the caller's change was made on (what its editor last loaded or saved, what the tree
   * showed). The save sends only the change from `base` to `edited`; a key the server changed since `base` that the
   * caller changed too is a conflict. Keys only the server changed are left as the server has them.
   */
  readonly base: Db;
  readonly edited: Db;
  /** A GET made just now by the caller (the editor's pre-save check), to spare a second one. */
  readonly server?: Observation;
  readonly origin: SaveOrigin;
  /** Cancels the save until its first write request is sent; from then on the write runs to its outcome. */
  readonly signal?: AbortSignal;
  /** The id of the history entry this save undoes (origin 'undo'): its own entry says so. */
  readonly undoOf?: string;
  /** The batch this save is one subscription of (db/batchRunner.ts): the History view groups by it. */
  readonly batchId?: string;
}

export interface SaveResult {
  /** What was sent (empty: nothing needed sending). */
  readonly plan: SavePlan;
  /** The server's DB after the save, with its version: `edited` plus whatever others changed meanwhile. */
  readonly observation: Observation;
}

export interface DbChange {
  readonly ref: SubscriptionRef;
}

/** Where the store gets a gate's client (the ClientRegistry). */
export interface ClientSource {
  get(idGate: string): Promise<LogUpClient>;
}

