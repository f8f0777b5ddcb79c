// The system under a model-based test: the real sandbox (in-process, 127.0.0.1), the real LogUpClient behind a
// wrapper that can hold, withhold or lose answers, and the real DbStore, driven the way the logup: file system
// provider (one JSON document), the tree and someone else on the server use them. Every server change is recorded
// with a logical clock, so the invariants can be decided exactly rather than by timing:
//
// - the store sends only the user's own change: no key the user did not delete is deleted, no key the user did not
//   change is written;
// - a change made elsewhere before the user's save began is never overwritten unless the user chose Overwrite
//   (a save whose check could have seen it must end in a ConflictError instead);
// - versions (store.current(ref).mtime and what onDidChange sees) never go down;
// - the store never shows a DB the server never held, nor one older than a write it already reported done;
// - what a failed save says about the server ("nothing was changed", "saved …, but") is true.
//
// External changes and the releases of held answers happen only between steps, when no request is in flight, so
// "before" and "after" are decided by the clock and not by the scheduler.
import { LogUpClient } from '../../src/api/logUpClient';
import { LogUpCancelledError, LogUpTimeoutError } from '../../src/api/errors';
import { hasKey, sameAt, withEntry, type Db, type DbValue } from '../../src/core/db';
import { analyzeDbDocument, serializeDb } from '../../src/core/dbDocument';
import { dbEquals } from '../../src/core/savePlan';
import { DbDocuments, DocumentNotSavedError, type DocumentStore, type EditorText } from '../../src/db/dbDocuments';
import { DbStore, type Observation, type Reviewer, type SaveResult, type Version } from '../../src/db/dbStore';
import type { SaveReview, WriteRecord } from '../../src/db/saveTypes';
import { ConflictError, InvalidDbError, SaveCancelledError, SaveFailedError } from '../../src/db/saveErrors';
import type { SubscriptionRef } from '../../src/db/subscriptionRef';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import type { SandboxFault, SandboxHandle, SandboxRoute } from '../../src/sandbox/sandbox';
import type { SandboxStore } from '../../src/sandbox/store';

export type Method = 'getDb' | 'putDb' | 'deleteDb';
/**
 * What happens to the next call of a method: held before it is sent; sent, but its answer withheld; sent and
 * applied, but the answer lost (the caller sees a timeout); or the caller times out at once and the request reaches
 * the server only later (when released), after the caller has moved on.
 */
export type HoldMode = 'holdBefore' | 'holdAfter' | 'loseAnswer' | 'lateLand';
export type FaultKind = '500' | '503' | '503x3' | 'drop' | 'delay';
/** Why the editor saves: Ctrl+S or Save All; auto-save; or Ctrl+S in a folder set to files.saveConflictResolution: overwriteFileOnDisk. */
export type SaveMode = 'manual' | 'auto' | 'overwriteOnDisk';
/**
 * How the person answers the next review (the modal before a write): Save at once; Cancel; or Save after someone
 * else changed, while the review was open, a key the plan does not touch ('other'), a key of the plan to the
 * person's own value ('plan': the plan changes, so the review is shown again) or to a third value ('clash': both
 * changed it, a conflict). With no answer queued the review answers Save at once.
 */
export type ReviewAnswer = 'save' | 'cancel' | 'other' | 'plan' | 'clash';

/** A call to the provider that was under way when the extension host restarted: it fails, as VS Code's does. */
class HostRestarted extends Error {
  override readonly name = 'HostRestarted';
}

/** The model's violations are thrown as this, with the run's trace. */
export class ModelViolation extends Error {
  override readonly name = 'ModelViolation';
}

type Actor = 'seed' | 'external' | Attempt;

interface ServerEvent {
  readonly clock: number;
  readonly key: string;
  /** undefined: deleted. */
  readonly value: DbValue | undefined;
  readonly actor: Actor;
  /** The request that made it, when it was one of ours. */
  readonly call?: Call;
}

/** One save() call: the user's change, and when its check began. */
interface Attempt {
  readonly id: number;
  readonly origin: 'editor' | 'tree';
  /** The base the save was given (the provider's base, the DB the tree showed). */
  readonly base: Db;
  /** The DB the user's text was made from: what the user saw. Differs from `base` only if the provider lost track. */
  readonly seen: Db;
  readonly edited: Db;
  /** The user chose Overwrite: this save may replace changes made elsewhere. */
  readonly overwrite: boolean;
  /** With Overwrite in the editor: the keys the person decided on (only those may replace a change made elsewhere). */
  readonly chosen?: readonly string[];
  /** A change made elsewhere before this clock must have been seen by the save's check. */
  readonly checkStart: number;
  /** When store.save was called: a write of ours answered before then is known to the store, whatever check it was handed. */
  readonly calledAt: number;
  /** Server changes this attempt's requests made. */
  readonly mutations: number[];
  /** The DBs its requests were answered with (and the one it was handed), for what a 204 DELETE leaves unsaid. */
  readonly answers: Db[];
  /** The keys of each of its DELETEs that were answered 204, with no DB. */
  readonly deletedUnanswered: (readonly string[])[];
  /** When the person last chose Save in its review: every change made before then, the store's re-read must see. */
  reviewedAt?: number;
  /** The person chose Cancel in its review: nothing may be sent. */
  cancelled?: boolean;
  /** store.save's promise settled (set before the store's queue can start the next save). */
  storeSettled: boolean;
}

/** One user action in the background: a tree edit or an editor save (one or two save() calls), or a read. */
interface Op {
  readonly id: number;
  readonly label: string;
  readonly controller: AbortController;
  /** A tree edit runs under a progress notification the user can cancel. */
  readonly cancellable: boolean;
  attempt: Attempt | undefined;
  settled: boolean;
  promise: Promise<void>;
}

interface Call {
  readonly id: number;
  readonly method: Method;
  readonly op: Op | undefined;
  readonly attempt: Attempt | undefined;
  readonly signed: boolean;
  /** A DELETE's keys. */
  readonly keys?: readonly string[];
  issued?: number;
  completed?: number;
  delivered?: number;
  /** Delivered to the store as a success. */
  ok?: boolean;
  /** Server changes this request made. */
  readonly mutations: number[];
}

/** Something waiting for a `release` step: a held request or answer, or VS Code between its pre-save stat and writeFile. */
interface Parked {
  readonly label: string;
  readonly kind: 'before' | 'after' | 'late' | 'gap';
  release(): void;
}

/** A map whose every change is reported, installed as the sandbox's copy of the model's subscription. */
class LoggedMap extends Map<string, DbValue> {
  private ready = false;
  constructor(entries: Iterable<[string, DbValue]>, private readonly changed: (key: string, value: DbValue | undefined) => void) {
    super(entries);
    this.ready = true;
  }
  override set(key: string, value: DbValue): this {
    super.set(key, value);
    if (this.ready) this.changed(key, value);
    return this;
  }
  override delete(key: string): boolean {
    const had = super.delete(key);
    this.changed(key, undefined);
    return had;
  }
}

/** Sorted entries as JSON: one string per DB state. */
export function stateOf(db: Db): string {
  return JSON.stringify(Object.keys(db).sort().map((k) => [k, db[k]]));
}

function show(db: Db | undefined): string {
  if (!db) return 'none';
  return `{${Object.keys(db).sort().map((k) => `${k}:${JSON.stringify(db[k])}`).join(',')}}`;
}

function withoutKeys(db: Db, keys: readonly string[]): Db {
  return Object.fromEntries(Object.entries(db).filter(([k]) => !keys.includes(k))) as Db;
}

function changedKeys(base: Db, edited: Db): string[] {
  return [...new Set([...Object.keys(base), ...Object.keys(edited)])].filter((k) => !sameAt(base, edited, k)).sort();
}

const idGate = DEMO_GATE.idGate;
const quiet = { info: () => undefined, warn: () => undefined };
const FAULTS: Record<FaultKind, { count: number; fault: SandboxFault }> = {
  '500': { count: 1, fault: { status: 500 } },
  '503': { count: 1, fault: { status: 503 } },
  // More than the client's retries: the call fails, and a 503 says the server did nothing.
  '503x3': { count: 3, fault: { status: 503 } },
  drop: { count: 1, fault: { drop: true } },
  delay: { count: 1, fault: { delayMs: 15 } },
};

export interface WorldOptions {
  readonly initial: Db;
  readonly deleteStatus: 200 | 204;
  /** Print every step and event as it happens. */
  readonly verbose?: boolean;
  /**
   * The provider before the base became the read the document took (docs/architecture.md, "The save path"): a read the document's version survived (Compare with Saved, any extension's
   * workspace.fs.readFile) moved its base although the document never took the text. The save then sends "undo what
   * I never saw" (it reverts or deletes a change made elsewhere), and the model must fail. Off by default.
   */
  readonly baseFromEveryRead?: boolean;
  /** Refuse even the DB a 204 DELETE leaves the store to work out (see `derived`). */
  readonly strict204?: boolean;
  /**
   * A store that does not read the server again after the person chose Save in the review (it sends what the
   * review showed, as before the re-read): the model must fail once the server changed while the review was open.
   */
  readonly noReadAfterReview?: boolean;
}

let runs = 0;

/** What the runs so far exercised, so a run that checks nothing is noticed. */
export const modelStats = {
  steps: 0,
  saves: 0,
  savesDone: 0,
  conflicts: 0,
  saveFailures: 0,
  overwrites: 0,
  externalChanges: 0,
  readsChecked: 0,
  released: 0,
  faultsInjected: 0,
  /** Saves that sent both a PUT and a DELETE. */
  twoCallPlans: 0,
  /** Saves that failed after part of them landed. */
  partialSaves: 0,
  /** Saves whose plan sent the DELETE before the PUT (the 20-key cap). */
  deleteFirstPlans: 0,
  /** Editor saves VS Code stopped with Compare / Overwrite. */
  editorConflicts: 0,
  compares: 0,
  restarts: 0,
  autoSavesRefused: 0,
  /** Saves refused because what they would leave breaks the 20-key cap. */
  overLimit: 0,
  /** Reviews answered Save at once. */
  reviewSaved: 0,
  /** Reviews answered Cancel. */
  reviewCancelled: 0,
  /** Reviews answered Save after someone else changed a key the plan does not touch while it was open. */
  reviewOtherChanged: 0,
  /** … changed a key of the plan to the person's value (the plan changes: shown again). */
  reviewPlanChanged: 0,
  /** … changed a key the person changed to another value (a conflict). */
  reviewBothChanged: 0,
  /** Reviews shown again because the server changed while the previous one was open. */
  reviewShownAgain: 0,
  /** Writes whose history record (`before`) was checked against the server. */
  historyChecked: 0,
};

export class World {
  readonly ref: SubscriptionRef;
  readonly store: DbStore;
  private readonly client: LogUpClient;
  private clock = 0;
  private readonly trace: string[] = [];
  private readonly violations: string[] = [];
  private readonly events: ServerEvent[] = [];
  private readonly states: { clock: number; state: string }[] = [];
  /**
   * A DELETE answered 204 carries no DB, so the store can only show the last DB it was answered minus the deleted
   * keys; if someone else wrote in between, the server never held that DB (the API offers nothing better short of
   * another GET). Accepted as of the clock the DELETE was answered, and only in that exact form.
   */
  private readonly derived = new Map<string, number>();
  private externalActive = false;
  // ---- wrapper state
  private readonly directives: Record<Method, HoldMode[]> = { getDb: [], putDb: [], deleteDb: [] };
  private readonly parked: Parked[] = [];
  private readonly calls: Call[] = [];
  private inflight = 0;
  private readonly opOfSignal = new WeakMap<AbortSignal, Op>();
  // ---- user side
  private readonly ops: Op[] = [];
  private readonly attempts: Attempt[] = [];
  private nextId = 1;
  /** The newest server change a save reported done: the store must never show anything older. */
  private floor = 0;
  private lastMtime = 0;
  private readonly verifications: { ticket: number; db: Db }[] = [];
  /** How the next reviews are answered (a `review` step queues one). */
  private readonly reviewAnswers: ReviewAnswer[] = [];
  /** With noReadAfterReview: the next readBeforeWrite answers with the last one's observation instead of reading. */
  private skipRead = false;
  /**
   * The one JSON document of the subscription as VS Code holds it: its text (as a DB), the DB that text was built on
   * (`seen`: what it last took from a read or saved), the version VS Code keeps for its conflict check, and whether
   * the provider can know the base (not after a restart with the document dirty, until it takes a read or is saved).
   */
  readonly editor = { open: false, text: {} as Db, seen: {} as Db, dirty: false, saving: false, edits: 0, version: { mtime: 0, size: 0 } as Version, knowsBase: false };
  /** The provider's documents: the real DbDocuments, replaced by a new one when the extension host restarts. */
  private docs: DbDocuments;
  private readonly key: string;
  /** The editor save whose writeFile is under way: what the provider's store.save is attributed to. */
  private saving: { op: Op; signal: AbortSignal; seen: Db; overwrite: boolean; chosen: readonly string[]; checkStart: number } | undefined;
  /** The server's DB the last pre-save check read. */
  private lastCheck: Db | undefined;

  private constructor(
    private readonly sandbox: SandboxHandle,
    private readonly options: WorldOptions,
  ) {
    this.ref = { idGate, idSubscription: `sub_model${++runs}_${process.pid}` };
    this.client = new LogUpClient({
      baseUrl: sandbox.url,
      idGate,
      secretKey: async () => DEMO_GATE.secretKey,
      // Retries at once: the model is about order, not about backoff.
      sleep: async () => undefined,
    });
    const client = this.wrappedClient();
    const reviewer: Reviewer = {
      applies: () => true,
      review: async (review) => {
        if (review.plan.putEntries.length > 0 && review.plan.deleteKeys.length > 0) modelStats.twoCallPlans++;
        if (review.plan.deleteFirst) modelStats.deleteFirstPlans++;
        if (!this.heldAt(stateOf(review.server), 0)) this.violate(`the review was shown a DB the server never held: ${show(review.server)}`);
        return this.answerReview(review);
      },
    };
    this.store = new DbStore({ clients: { get: async () => client }, reviewer, history: { record: (r) => this.recorded(r) }, log: quiet });
    if (options.noReadAfterReview) {
      // The regression the model must catch: after Save, the store goes on with the read the review was shown.
      const read = this.store.readBeforeWrite.bind(this.store);
      let last: Observation | undefined;
      this.store.readBeforeWrite = async (...args) => {
        if (this.skipRead && last) {
          this.skipRead = false;
          return last;
        }
        last = await read(...args);
        return last;
      };
    }
    this.key = `logup:/${idGate}/${this.ref.idSubscription}.json`;
    this.docs = this.newDocuments();
    this.store.onDidChange(({ ref }) => {
      if (ref.idSubscription !== this.ref.idSubscription) return;
      const current = this.store.current(ref);
      if (!current) return;
      if (current.mtime <= this.lastMtime) this.violate(`onDidChange saw version ${current.mtime} after ${this.lastMtime}: versions went down`);
      this.lastMtime = Math.max(this.lastMtime, current.mtime);
      this.note(`  store now ${show(current.db)} v${current.mtime}`);
    });
  }

  static async create(sandbox: SandboxHandle, options: WorldOptions): Promise<World> {
    const world = new World(sandbox, options);
    // The journal is not used here, and a soak would fill the memory with it.
    sandbox.clearJournal();
    sandbox.clearFaults();
    sandbox.setVariants({ deleteStatus: options.deleteStatus });
    sandbox.setDb(idGate, world.ref.idSubscription, options.initial);
    // The sandbox's own copy of the subscription, replaced by one that reports every change with the clock.
    const internal = (sandbox as unknown as { store: SandboxStore }).store;
    const sub = internal.gate(idGate)?.subscriptions.get(world.ref.idSubscription);
    if (!sub) throw new Error('the model subscription was not created');
    sub.db = new LoggedMap(sub.db, (key, value) => world.serverChanged(key, value));
    world.states.push({ clock: world.tick(), state: stateOf(options.initial) });
    world.note(`start: server ${show(options.initial)}, DELETE answers ${options.deleteStatus}`);
    // The document is open from the start, so edits and saves are not wasted steps.
    world.openEditor(false);
    await world.quiesce();
    return world;
  }

  // ---- steps -----------------------------------------------------------------------------------------------

  /** Runs one model step: the action, then waits until nothing is in flight, then checks every invariant. */
  async step(label: string, action: () => void | Promise<void>): Promise<void> {
    modelStats.steps++;
    this.tick();
    this.note(`> ${label}`);
    await action();
    await this.quiesce();
    this.checkNow();
  }

  /** Releases everything held, lets every action finish, and checks that the store then reads what the server holds. */
  async settle(): Promise<void> {
    // Real work here takes milliseconds: 3 s with nothing held is a hang, not a slow machine.
    const deadline = Date.now() + 3_000;
    for (const m of Object.values(this.directives)) m.length = 0;
    for (;;) {
      // One at a time, so a late request never reaches the server together with the store's own.
      this.parked.shift()?.release();
      await this.quiesce();
      if (this.parked.length === 0 && this.ops.every((o) => o.settled)) break;
      if (Date.now() > deadline) {
        this.violate(`stuck: ${this.ops.filter((o) => !o.settled).map((o) => o.label).join(', ')} never finished with nothing held`);
        break;
      }
    }
    this.checkNow();
    this.sandbox.clearFaults();
    const read = await this.store.read(this.ref);
    const server = this.serverDb();
    if (!dbEquals(read.db, server)) this.violate(`with nothing in flight, a read says ${show(read.db)} but the server holds ${show(server)}`);
    this.checkNow();
  }

  async dispose(): Promise<void> {
    // A failed run leaves work behind: let it end now, so it cannot take the next run's faults.
    for (const m of Object.values(this.directives)) m.length = 0;
    for (const p of this.parked.splice(0)) p.release();
    await this.quiesce().catch(() => undefined);
    this.sandbox.clearFaults();
    await this.client.close();
    this.store.dispose();
  }

  // ---- actions (each starts work in the background; the step waits for what is not held) ------------------

  /** Someone else changes keys on the server (a value sets, null deletes). */
  external(patch: Record<string, DbValue | null>): void {
    modelStats.externalChanges++;
    this.externalActive = true;
    try {
      this.sandbox.patchDb(idGate, this.ref.idSubscription, patch);
    } finally {
      this.externalActive = false;
    }
  }

  /** Queues how the next review is answered. */
  review(answer: ReviewAnswer): void {
    this.reviewAnswers.push(answer);
  }

  hold(method: Method, mode: HoldMode): void {
    this.directives[method].push(mode);
  }

  /** Lets the n-th held request (mod the number held) go on: held answers are released in any order. */
  release(n: number): void {
    if (this.parked.length === 0) return;
    modelStats.released++;
    const [p] = this.parked.splice(n % this.parked.length, 1);
    this.note(`  release ${p!.kind} ${p!.label}`);
    p!.release();
  }

  fault(route: SandboxRoute, kind: FaultKind): void {
    modelStats.faultsInjected++;
    const { count, fault } = FAULTS[kind];
    this.sandbox.failNext(route, count, fault);
  }

  /**
   * VS Code opens the document (readFile, then stat: docs/harness.md, H16), or reverts it (stat, then readFile; the
   * document is reported dirty until the text is in). Typing meanwhile makes VS Code drop what it read.
   */
  openEditor(revert: boolean): void {
    const e = this.editor;
    if (e.saving || (e.open && !revert)) return;
    const edits = e.edits;
    this.background(revert ? 'revert' : 'open', async () => {
      let text: string;
      let version: Version;
      if (e.open) {
        version = await this.host((docs) => docs.stat(this.key, this.ref, this.editorText()));
        text = await this.readFile();
      } else {
        text = await this.readFile();
        version = await this.host((docs) => docs.stat(this.key, this.ref, undefined));
      }
      if (e.edits !== edits) return this.note('  editor: typed meanwhile, the read is dropped');
      const wasOpen = e.open;
      this.takeRead(text, version);
      // Revert: the text comes in while the document is still dirty, then VS Code calls it clean.
      if (wasOpen && e.dirty) this.docs.documentChanged(this.key, { text, dirty: true });
      e.dirty = false;
      this.docs.documentChanged(this.key, this.openText());
    });
  }

  /**
   * A clean document reloads (the store's onDidChange fired): stat; readFile when the version differs from the one
   * VS Code holds. VS Code drops the text it read if the user typed meanwhile (the document stays dirty).
   */
  reloadEditor(): void {
    const e = this.editor;
    if (!e.open || e.dirty || e.saving) return;
    this.background('reload', () => this.reloadNow());
  }

  /** File: Compare with Saved (or the conflict dialog's Compare): stat and readFile; the document takes nothing. */
  compareEditor(): void {
    const e = this.editor;
    if (!e.open || e.saving) return;
    modelStats.compares++;
    this.background('compare with saved', async () => {
      await this.host((docs) => docs.stat(this.key, this.ref, this.editorText()));
      const text = await this.readFile();
      // The old provider (see WorldOptions.baseFromEveryRead) took every read the document's version survived as the base.
      if (this.options.baseFromEveryRead) this.docs.documentChanged(this.key, { text, dirty: false });
    });
  }

  /**
   * A window reload with hot exit, Restart Extension Host or an update: a new provider knows nothing; VS Code keeps
   * the document (a dirty one from its backup, with the version it held) and the new host is told it is open.
   */
  restartProvider(): void {
    const e = this.editor;
    if (e.saving) return;
    modelStats.restarts++;
    this.docs = this.newDocuments();
    if (!e.open) return;
    // A document restored from VS Code's backup reaches the new host as clean first, then dirty.
    if (e.dirty) this.docs.documentChanged(this.key, { ...this.openText(), dirty: false });
    this.docs.documentChanged(this.key, this.openText());
    // No base until the document takes a read or is saved, clean or not.
    e.knowsBase = false;
  }

  editEditor(key: string, value: DbValue | null): void {
    const e = this.editor;
    if (!e.open || e.saving) return;
    e.text = withEntry(e.text, key, value ?? undefined);
    e.edits++;
    e.dirty = true;
    this.docs.documentChanged(this.key, this.openText());
  }

  /**
   * Saves the document as VS Code does, with the real provider (DbDocuments): onWillSave with the reason, the
   * pre-save stat, VS Code's own check of the version it returns (Compare / Overwrite, docs/harness.md, H14–H15;
   * skipped by files.saveConflictResolution: overwriteFileOnDisk), writeFile, the stat after it, and the reload of
   * a merged DB. An auto-save must write nothing.
   */
  saveEditor(mode: SaveMode, overwrite: boolean, gap: boolean): void {
    const e = this.editor;
    if (!e.open || !e.dirty || e.saving) return;
    e.saving = true;
    const text = e.text;
    const serialized = serializeDb(text);
    const dirtyText = { text: serialized, dirty: true };
    this.background(`editor save (${mode})`, async (op, signal) => {
      try {
        this.docs.willSave(this.key, mode === 'auto' ? 'auto' : 'manual');
        let checkStart = this.tick();
        this.lastCheck = undefined;
        let stat = await this.host((docs) => docs.stat(this.key, this.ref, dirtyText));
        // VS Code's stat and writeFile are two calls: other work may run in between.
        if (gap) await new Promise<void>((release) => this.parked.push({ label: 'editor: between stat and writeFile', kind: 'gap', release }));
        const newer = stat.mtime > e.version.mtime && stat.size !== e.version.size;
        let chosen: readonly string[] = [];
        let forced = false;
        if (newer && mode !== 'overwriteOnDisk') {
          modelStats.editorConflicts++;
          this.note(`  editor: VS Code shows Compare / Overwrite${overwrite ? ', the user compares and chooses Overwrite' : ', the user does not overwrite'}`);
          if (!overwrite) return;
          // Compare reads the server (the document takes nothing); Overwrite saves again, past VS Code's check.
          await this.readFile();
          checkStart = this.tick();
          this.lastCheck = undefined;
          stat = await this.host((docs) => docs.stat(this.key, this.ref, dirtyText));
          // Overwrite means: my version of what is in conflict now (what the stat VS Code makes with it read).
          chosen = this.lastCheck ? this.chosenKeys(text, this.lastCheck) : [];
          forced = true;
        } else if (mode === 'overwriteOnDisk' && this.lastCheck) {
          // The folder's setting chose for the person: only keys in conflict may be forced.
          chosen = this.chosenKeys(text, this.lastCheck);
          forced = chosen.length > 0;
        }
        this.saving = { op, signal, seen: e.seen, overwrite: forced, chosen, checkStart };
        try {
          await this.docs.writeFile(this.key, this.ref, serialized, dirtyText);
        } catch (error) {
          if (mode === 'auto') {
            if (!(error instanceof DocumentNotSavedError && error.reason === 'autoSave')) this.violate(`an auto-save failed otherwise: ${String(error)}`);
            modelStats.autoSavesRefused++;
            return;
          }
          if (error instanceof DocumentNotSavedError) {
            // Only the 20-key cap can make what the model types invalid.
            if (error.reason !== 'invalid' || Object.keys(text).length <= 20) this.violate(`the save of ${show(text)} was refused: ${error.message}`);
            modelStats.overLimit++;
            return;
          }
          throw error;
        } finally {
          this.saving = undefined;
        }
        if (mode === 'auto') this.violate('an auto-save was written');
        e.version = await this.host((docs) => docs.stat(this.key, this.ref, { text: serialized, dirty: false }));
        e.seen = text;
        e.knowsBase = true;
        e.dirty = false;
        this.docs.documentChanged(this.key, this.openText());
        // onDidSaveTextDocument: the provider touches the store when others' changes were merged; VS Code reloads.
        const before = this.store.current(this.ref);
        this.docs.didSave(this.key, this.ref);
        if (this.store.current(this.ref) !== before) await this.reloadNow();
      } finally {
        e.saving = false;
      }
    });
  }

  /** A tree edit of one key (Edit Value / Add Key / Delete Key): made on the DB the tree shows. */
  treeEdit(key: string, value: DbValue | null, overwrite: boolean): void {
    this.background(`tree ${key}=${JSON.stringify(value)}`, async (op, signal) => {
      const shown = this.store.current(this.ref) ?? (await this.store.load(this.ref, signal));
      const next = value ?? undefined;
      const checkStart = this.tick();
      try {
        await this.save(op, signal, { origin: 'tree', base: shown.db, seen: shown.db, edited: withEntry(shown.db, key, next), overwrite: false, checkStart });
      } catch (error) {
        if (!(error instanceof ConflictError) || !overwrite) throw error;
        this.note(`  tree: conflict on ${key}, user chose Overwrite`);
        const server = error.server;
        await this.save(op, signal, { origin: 'tree', base: server.db, seen: server.db, edited: withEntry(server.db, key, next), overwrite: true, checkStart: this.tick() }, server);
      }
    }, true);
  }

  /** The user cancels the n-th tree edit still under way (its progress notification's Cancel). */
  cancelTree(n: number): void {
    const running = this.ops.filter((o) => o.cancellable && !o.settled && !o.controller.signal.aborted);
    if (running.length === 0) return;
    const op = running[n % running.length]!;
    this.note(`  cancel ${op.label}`);
    op.controller.abort();
  }

  /** A verification answer carries the DB: the ticket is taken when it is sent, the DB is what the server held then. */
  verify(): void {
    this.verifications.push({ ticket: this.store.ticket(), db: this.serverDb() });
  }

  deliverVerification(n: number): void {
    if (this.verifications.length === 0) return;
    const [v] = this.verifications.splice(n % this.verifications.length, 1);
    this.store.record(this.ref, v!.db, v!.ticket);
  }

  // ---- the user side's helpers ----------------------------------------------------------------------------

  /**
   * The person's answer to a review, for the save at the head of the store's queue; for a Save after a change, the
   * change is made on the server while the review is open (as someone else's), then Save is chosen.
   */
  private answerReview(review: SaveReview): boolean {
    const attempt = this.attempts.find((a) => !a.storeSettled);
    if (!attempt) {
      this.violate('a review was shown with no save under way');
      return false;
    }
    if (review.previous) modelStats.reviewShownAgain++;
    const answer = this.reviewAnswers.shift() ?? 'save';
    if (answer === 'cancel') {
      modelStats.reviewCancelled++;
      attempt.cancelled = true;
      this.note(`  review of save#${attempt.id}: Cancel`);
      return false;
    }
    const change = this.changeDuringReview(answer, review, attempt);
    if (change) {
      this.note(`  review of save#${attempt.id} open; elsewhere ${change.key}=${JSON.stringify(change.value ?? null)}`);
      this.external({ [change.key]: change.value ?? null });
    } else {
      modelStats.reviewSaved++;
    }
    // A read called after Save may join a GET already under way: only a change before that GET must be seen.
    attempt.reviewedAt = this.readLowerBound();
    if (this.options.noReadAfterReview) this.skipRead = true;
    this.note(`  review of save#${attempt.id}: Save`);
    return true;
  }

  /** The change someone else makes while the review is open, by the answer's kind (none for 'save', or when none fits). */
  private changeDuringReview(answer: ReviewAnswer, review: SaveReview, attempt: Attempt): { key: string; value: DbValue | undefined } | undefined {
    const server = this.serverDb();
    const planKeys = [...review.plan.putEntries.map((e) => e.key), ...review.plan.deleteKeys].sort();
    const mine = changedKeys(attempt.base, attempt.edited);
    const other = (v: DbValue | undefined, w: DbValue | undefined): DbValue => ([1, 2, 3, 4, 'x', true] as DbValue[]).find((c) => c !== v && c !== w)!;
    if (answer === 'other') {
      const key = [...Object.keys(server).sort(), 'a', 'b', 'c', 'd'].find((k) => !mine.includes(k) && !planKeys.includes(k));
      if (key === undefined) return undefined;
      modelStats.reviewOtherChanged++;
      return { key, value: other(hasKey(server, key) ? server[key] : undefined, undefined) };
    }
    const key = planKeys[0];
    if (answer === 'save' || key === undefined) return undefined;
    const theirs = hasKey(attempt.edited, key) ? attempt.edited[key] : undefined;
    if (answer === 'plan') {
      modelStats.reviewPlanChanged++;
      return { key, value: theirs };
    }
    modelStats.reviewBothChanged++;
    return { key, value: other(theirs, hasKey(server, key) ? server[key] : undefined) };
  }

  /** The history of a write: its `before` is what the server held after the person's last Save in the review. */
  private recorded(record: WriteRecord): void {
    if (record.ref.idSubscription !== this.ref.idSubscription) return;
    const attempt = this.attempts.find((a) => !a.storeSettled);
    if (!attempt) return this.violate('a write was recorded with no save under way');
    if (attempt.cancelled) this.violate(`save#${attempt.id} recorded a write after the person chose Cancel`);
    modelStats.historyChecked++;
    if (attempt.reviewedAt !== undefined && !this.heldAt(stateOf(record.before), attempt.reviewedAt)) {
      this.violate(`save#${attempt.id}'s history says the server held ${show(record.before)} before the write, which it no longer held when the person chose Save (clock ${attempt.reviewedAt})`);
    }
  }

  private background(label: string, work: (op: Op, signal: AbortSignal) => Promise<void>, cancellable = false): void {
    const controller = new AbortController();
    const op: Op = { id: this.nextId++, label, controller, cancellable, attempt: undefined, settled: false, promise: Promise.resolve() };
    this.opOfSignal.set(controller.signal, op);
    this.ops.push(op);
    op.promise = work(op, controller.signal)
      .catch((error: unknown) => this.expectedFailure(op, error))
      .finally(() => {
        op.settled = true;
      });
  }

  private expectedFailure(op: Op, error: unknown): void {
    if (error instanceof ModelViolation) return;
    const e = error as Error;
    if (error instanceof InvalidDbError) {
      // Only the 20-key cap can refuse what the model types: the document's keys, or those the merge would leave.
      const edited = op.attempt?.edited ?? this.editor.text;
      if (new Set([...Object.keys(edited), ...Object.keys(this.serverDb())]).size <= 20) this.violate(`${op.label}: refused as invalid: ${e.message}`);
      else modelStats.overLimit++;
    } else if (!(error instanceof ConflictError || error instanceof SaveFailedError || error instanceof SaveCancelledError || error instanceof HostRestarted || e.name?.startsWith('LogUp'))) {
      this.violate(`${op.label}: unexpected ${e.name}: ${e.message}`);
    }
    this.note(`  ${op.label} failed: ${e.name}: ${e.message}`);
  }

  /** The earliest clock at which a read called now may have been answered by the server (it may join a GET under way). */
  private readLowerBound(): number {
    const now = this.tick();
    const joinable = this.calls.filter((c) => c.method === 'getDb' && !c.signed && c.issued !== undefined && c.delivered === undefined);
    return Math.min(now, ...joinable.map((c) => c.issued!));
  }

  private async reloadNow(): Promise<void> {
    const e = this.editor;
    const edits = e.edits;
    const version = await this.host((docs) => docs.stat(this.key, this.ref, this.editorText()));
    if (version.mtime === e.version.mtime && version.size === e.version.size) return;
    const text = await this.readFile();
    if (e.edits !== edits || e.dirty || !e.open) return this.note('  editor: typed meanwhile, the reload is dropped');
    this.takeRead(text, version);
    this.docs.documentChanged(this.key, this.openText());
  }

  /** The document now holds what a read returned. */
  private takeRead(text: string, version: Version): void {
    const e = this.editor;
    const db = analyzeOk(text);
    e.open = true;
    e.text = db;
    e.seen = db;
    e.knowsBase = true;
    e.version = version;
  }

  /** The provider's readFile, as VS Code calls it; the text must be a DB the server held. */
  private async readFile(): Promise<string> {
    const lower = Math.max(this.readLowerBound(), this.floor);
    const text = await this.host((docs) => docs.readFile(this.key, this.ref));
    modelStats.readsChecked++;
    this.checkFresh('a read', analyzeOk(text), lower);
    return text;
  }

  /** A call to the provider; when the extension host restarted meanwhile, VS Code's call failed with it. */
  private async host<T>(call: (docs: DbDocuments) => Promise<T>): Promise<T> {
    const docs = this.docs;
    const answer = await call(docs);
    if (docs !== this.docs) throw new HostRestarted();
    return answer;
  }

  private editorText(): EditorText | undefined {
    return this.editor.open ? this.openText() : undefined;
  }

  private openText(): EditorText {
    return { text: serializeDb(this.editor.text), dirty: this.editor.dirty };
  }

  /**
   * The keys the person decides on in Compare / Overwrite, as this model sees them: with a base the provider knows,
   * the keys both sides changed; without one, every key where the document and the server differ.
   */
  private chosenKeys(text: Db, server: Db): string[] {
    const e = this.editor;
    if (!e.knowsBase) return changedKeys(server, text);
    return changedKeys(e.seen, text).filter((k) => !sameAt(e.seen, server, k) && !sameAt(server, text, k));
  }

  /** The DbDocuments the provider makes, on the store the way this model watches it. */
  private newDocuments(): DbDocuments {
    const store = this.store;
    const ref = this.ref;
    const check = async (): Promise<Observation> => {
      const lower = Math.max(this.readLowerBound(), this.floor);
      const observation = await store.readBeforeWrite(ref);
      this.checkFresh('a pre-save check', observation.db, lower);
      this.lastCheck = observation.db;
      return observation;
    };
    const documentStore: DocumentStore = {
      read: (r) => store.read(r),
      load: (r) => store.load(r),
      stamp: (r, db) => store.stamp(r, db),
      touch: (r) => store.touch(r),
      readBeforeWrite: () => check(),
      save: async (_r, request) => {
        const saving = this.saving;
        if (!saving) {
          this.violate('the provider saved outside a save VS Code made');
          throw new Error('unexpected save');
        }
        const { base, edited, server } = request;
        const { op, signal, seen, overwrite, chosen, checkStart } = saving;
        return this.save(op, signal, { origin: 'editor', base, seen, edited, overwrite, chosen, checkStart }, server);
      },
    };
    return new DbDocuments(documentStore);
  }

  private async save(
    op: Op,
    signal: AbortSignal,
    request: { origin: 'editor' | 'tree'; base: Db; seen: Db; edited: Db; overwrite: boolean; chosen?: readonly string[]; checkStart: number },
    server?: Observation,
  ): Promise<SaveResult> {
    const attempt: Attempt = { id: this.nextId++, ...request, calledAt: this.tick(), mutations: [], answers: server ? [server.db] : [], deletedUnanswered: [], storeSettled: false };
    this.attempts.push(attempt);
    op.attempt = attempt;
    modelStats.saves++;
    if (request.overwrite) modelStats.overwrites++;
    this.note(`  save#${attempt.id} (${op.label}) ${show(request.base)} → ${show(request.edited)}${request.overwrite ? ' [Overwrite]' : ''}`);
    try {
      // The signal tells the wrapper which save sent its check GET (DbStore passes it to the client and nowhere else;
      // an editor save has none in the provider, and nothing here cancels one).
      const saving = this.store.save(this.ref, { base: request.base, edited: request.edited, origin: request.origin, signal, ...(server ? { server } : {}) });
      // Attached at once, so it runs before the store's queue can start the next save: write requests carry no
      // signal (a write runs to its outcome), and are attributed to the save at the head of the queue.
      const over = (): void => {
        attempt.storeSettled = true;
      };
      saving.then(over, over);
      const result = await saving;
      this.saved(attempt, result.observation);
      return result;
    } catch (error) {
      if (attempt.cancelled && !(error instanceof SaveCancelledError)) this.violate(`save#${attempt.id} was cancelled in the review but ended in ${String(error)}`);
      this.saveFailed(attempt, error);
      throw error;
    }
  }

  private saved(attempt: Attempt, observation: Observation): void {
    modelStats.savesDone++;
    this.note(`  save#${attempt.id} done: ${show(observation.db)}`);
    for (const key of changedKeys(attempt.base, attempt.edited)) {
      // Someone else (or a late request of an earlier save) may have written the key after this save began.
      const concurrent = this.events.some((e) => e.key === key && e.actor !== attempt && e.clock >= attempt.checkStart);
      if (!concurrent && !sameAt(observation.db, attempt.edited, key)) this.violate(`save#${attempt.id} reported done, but its result ${show(observation.db)} lacks the user's ${key}`);
    }
    const last = Math.max(attempt.checkStart, ...attempt.mutations);
    this.checkFresh(`save#${attempt.id}'s result`, observation.db, last);
    this.raiseFloor(attempt);
  }

  /** Once a save is over, the store must never show anything older than what its answered writes made. */
  private raiseFloor(attempt: Attempt): void {
    for (const call of this.calls) if (call.attempt === attempt && call.ok) this.floor = Math.max(this.floor, ...call.mutations);
  }

  private saveFailed(attempt: Attempt, error: unknown): void {
    if (error instanceof SaveCancelledError) {
      if (!attempt.cancelled) this.violate(`save#${attempt.id} said it was cancelled in the review, but the person chose Save`);
      if (attempt.mutations.length > 0) this.violate(`save#${attempt.id} was cancelled in the review, but its requests changed the server`);
      return;
    }
    if (error instanceof ConflictError) modelStats.conflicts++;
    else modelStats.saveFailures++;
    this.raiseFloor(attempt);
    if (error instanceof SaveFailedError) {
      if (error.landed) modelStats.partialSaves++;
      const changed = attempt.mutations.length > 0;
      if (!error.landed && !error.uncertain && changed) {
        this.violate(`save#${attempt.id} said "${error.message}", but its requests changed the server`);
      }
      if (error.landed && !changed) this.violate(`save#${attempt.id} said part of it landed ("${error.message}"), but nothing reached the server`);
    }
    if (error instanceof ConflictError) {
      if (attempt.mutations.length > 0) this.violate(`save#${attempt.id} ended in a conflict after writing`);
      if (!this.heldAt(stateOf(error.server.db), 0)) this.violate(`save#${attempt.id}'s conflict shows a DB the server never held: ${show(error.server.db)}`);
      const changed = changedKeys(attempt.base, attempt.edited);
      for (const key of error.keys) {
        if (!changed.includes(key)) this.violate(`save#${attempt.id}'s conflict names ${key}, which the user did not change`);
      }
    }
  }

  // ---- the wrapped client ---------------------------------------------------------------------------------

  private wrappedClient(): LogUpClient {
    const c = this.client;
    const wrap = <T>(method: Method, options: { signal?: AbortSignal } | undefined, invoke: () => Promise<T>, keys?: readonly string[]): Promise<T> => {
      const op = options?.signal ? this.opOfSignal.get(options.signal) : undefined;
      // Saves of one subscription run one after another, so a write belongs to the oldest save not yet over.
      const writer = method === 'getDb' ? undefined : this.attempts.find((a) => !a.storeSettled);
      if (writer && op?.attempt && op.attempt !== writer) this.violate(`save#${op.attempt.id} wrote while save#${writer.id} was not over`);
      if (writer?.cancelled) this.violate(`save#${writer.id} sent ${method} after the person chose Cancel in the review`);
      const call: Call = { id: this.nextId++, method, op, attempt: op?.attempt ?? writer, signed: options?.signal !== undefined, mutations: [], ...(keys ? { keys } : {}) };
      this.calls.push(call);
      const mode = this.directives[method].shift();
      const deliver = (promise: Promise<T>): Promise<T> =>
        promise.then(
          (v) => ((call.delivered = this.tick()), (call.ok = true), v),
          (e: unknown) => ((call.delivered = this.tick()), Promise.reject(e)),
        );
      const path = `/subscription/${this.ref.idSubscription}/db`;
      const timeout = (): LogUpTimeoutError => new LogUpTimeoutError(method, path, 15_000);
      // What the client throws when the caller's signal fires while it waits (before sending, or for the answer).
      const cancelled = (): LogUpCancelledError => new LogUpCancelledError(method, path);
      this.note(`  ${method}#${call.id}${call.attempt ? ` (save#${call.attempt.id})` : ''}${mode ? ` ${mode}` : ''}`);
      switch (mode) {
        case undefined:
          return deliver(this.issue(call, invoke));
        case 'holdBefore':
          return deliver(new Promise<T>((resolve, reject) => {
            this.park({ label: `${method}#${call.id}`, kind: 'before', release: () => this.issue(call, invoke).then(resolve, reject) }, options?.signal, () => reject(cancelled()));
          }));
        case 'holdAfter':
          return deliver(new Promise<T>((resolve, reject) => {
            this.issue(call, invoke).then(
              (v) => this.park({ label: `${method}#${call.id}`, kind: 'after', release: () => resolve(v) }, options?.signal, () => reject(cancelled())),
              (e: unknown) => this.park({ label: `${method}#${call.id}`, kind: 'after', release: () => reject(e) }, options?.signal, () => reject(cancelled())),
            );
          }));
        case 'loseAnswer':
          return deliver(this.issue(call, invoke).then(() => Promise.reject(timeout())));
        case 'lateLand':
          this.parked.push({ label: `${method}#${call.id}`, kind: 'late', release: () => void this.issue(call, invoke).catch(() => undefined) });
          return deliver(Promise.reject(timeout()));
      }
    };
    return Object.assign(Object.create(c) as LogUpClient, {
      getDb: (id: string, keys?: readonly string[], o?: { signal?: AbortSignal }) => wrap('getDb', o, () => c.getDb(id, keys, o)),
      putDb: (id: string, entries: Parameters<LogUpClient['putDb']>[1], o?: { signal?: AbortSignal }) => wrap('putDb', o, () => c.putDb(id, entries, o)),
      deleteDb: (id: string, keys: readonly string[], o?: { signal?: AbortSignal }) => wrap('deleteDb', o, () => c.deleteDb(id, keys, o), keys),
    });
  }

  /** Holds `parked` until a release step; if the caller's signal fires first, the caller gets a cancellation at once. */
  private park(parked: Parked, signal: AbortSignal | undefined, cancel: () => void): void {
    if (signal?.aborted) return cancel();
    this.parked.push(parked);
    signal?.addEventListener('abort', () => {
      const i = this.parked.indexOf(parked);
      if (i < 0) return;
      this.parked.splice(i, 1);
      this.note(`  ${parked.label} cancelled while held`);
      cancel();
    }, { once: true });
  }

  private issue<T>(call: Call, invoke: () => Promise<T>): Promise<T> {
    call.issued = this.tick();
    this.inflight++;
    const answered = invoke().finally(() => {
      this.inflight--;
      call.completed = this.tick();
      this.note(`  ${call.method}#${call.id} answered`);
    });
    return answered.then((answer) => {
      const attempt = call.attempt;
      if (attempt) {
        if (call.method === 'deleteDb' && answer === undefined) attempt.deletedUnanswered.push(call.keys ?? []);
        else attempt.answers.push(answer as Db);
        for (const db of attempt.answers) {
          for (const keys of attempt.deletedUnanswered) this.derived.set(stateOf(withoutKeys(db, keys)), call.completed!);
        }
      }
      return answer;
    });
  }

  /** Waits until no request is in flight and the store's follow-up work has run (or is waiting on a held request). */
  private async quiesce(): Promise<void> {
    // Real work here takes milliseconds: 3 s with nothing held is a hang, not a slow machine.
    const deadline = Date.now() + 3_000;
    let idle = 0;
    while (idle < 3) {
      await new Promise((resolve) => setImmediate(resolve));
      idle = this.inflight === 0 ? idle + 1 : 0;
      if (Date.now() > deadline) throw new ModelViolation(this.report(`a request is still in flight after 3 s`));
    }
  }

  // ---- the server's history ---------------------------------------------------------------------------------

  private serverChanged(key: string, value: DbValue | undefined): void {
    const clock = this.tick();
    let actor: Actor;
    let by: Call | undefined;
    if (this.externalActive) {
      actor = 'external';
    } else {
      // A set comes from a PUT, a deletion from a DELETE; requests of two saves at once would be a broken queue.
      const method = value === undefined ? 'deleteDb' : 'putDb';
      const writing = this.calls.filter((c) => c.method === method && c.issued !== undefined && c.completed === undefined);
      const [call] = writing;
      if (writing.length !== 1 || !call?.attempt) {
        this.violate(`the server changed ${key} while ${writing.length} ${method} requests of saves were in flight`);
        actor = 'external';
      } else {
        actor = call.attempt;
        by = call;
        call.mutations.push(clock);
      }
    }
    const previous = [...this.events].reverse().find((e) => e.key === key);
    const event: ServerEvent = { clock, key, value, actor, ...(by ? { call: by } : {}) };
    this.events.push(event);
    this.states.push({ clock, state: stateOf(this.serverDb()) });
    if (typeof actor !== 'object') return;
    actor.mutations.push(clock);
    this.note(`  server: ${key} ${value === undefined ? 'deleted' : `= ${JSON.stringify(value)}`} by save#${actor.id}`);
    if (actor.cancelled) this.violate(`save#${actor.id} changed ${key} after the person chose Cancel in the review`);
    // The store sends only the user's change: from what the user saw to what the user saved.
    const seen = actor.seen;
    // With Overwrite in the editor, the person chose their version of the keys in conflict; of no other key.
    const chose = actor.overwrite && (actor.chosen?.includes(key) ?? true);
    const theirs = hasKey(actor.edited, key) ? actor.edited[key] : undefined;
    if (chose && value === theirs) {
      // the person's own version of a key they decided on
    } else if (value === undefined && !(hasKey(seen, key) && !hasKey(actor.edited, key))) {
      this.violate(`save#${actor.id} deleted ${key}, which the user did not delete (seen ${show(seen)}, base ${show(actor.base)}, saved ${show(actor.edited)})`);
    } else if (value !== undefined && (sameAt(seen, actor.edited, key) || actor.edited[key] !== value)) {
      this.violate(`save#${actor.id} wrote ${key} = ${JSON.stringify(value)}, which is not the user's change (seen ${show(seen)}, base ${show(actor.base)}, saved ${show(actor.edited)})`);
    }
    // A change made elsewhere (or by another of the user's actions: the tree, an earlier save), before this save's
    // check began, that the user had not seen, must not be replaced: the merge makes it a conflict.
    const had = hasKey(seen, key) ? seen[key] : undefined;
    // After Save in the review the store reads again: a change made while the review was open counts as known too.
    const checked = Math.max(actor.checkStart, actor.reviewedAt ?? 0);
    const known = previous && (previous.clock < checked || (previous.call?.ok === true && previous.call.delivered! < actor.calledAt));
    if (previous && known && previous.actor !== actor && previous.value !== value && previous.value !== had && !chose) {
      const by = previous.actor === 'external' ? 'elsewhere' : typeof previous.actor === 'object' ? `by save#${previous.actor.id}` : 'before';
      this.violate(
        `save#${actor.id} replaced ${key} = ${JSON.stringify(previous.value)}, changed ${by} before the save began, with ${JSON.stringify(value)}; ` +
          `the user had seen ${JSON.stringify(had)} and did not choose Overwrite${(actor.reviewedAt ?? 0) > actor.checkStart ? ' (before the person chose Save in the review)' : ''}`,
      );
    }
  }

  private serverDb(): Db {
    return this.sandbox.getDb(idGate, this.ref.idSubscription) ?? {};
  }

  /** True when the server held `state` at some clock at or after `from` (or a 204 DELETE left it as the best guess then). */
  private heldAt(state: string, from: number): boolean {
    if (!this.options.strict204 && (this.derived.get(state) ?? -1) >= from) return true;
    return this.states.some((s, i) => s.state === state && (i === this.states.length - 1 || this.states[i + 1]!.clock > from));
  }

  private checkFresh(what: string, db: Db, from: number): void {
    const state = stateOf(db);
    if (!this.heldAt(state, 0)) this.violate(`${what} is ${show(db)}, a DB the server never held`);
    else if (!this.heldAt(state, from)) this.violate(`${what} is ${show(db)}, which the server no longer held when it was asked for (clock ${from})`);
  }

  private checkNow(): void {
    const e = this.editor;
    if (e.open && !e.saving) {
      // The base of the next save is the DB the document's text was built on, or unknown when it cannot be known.
      const base = this.docs.baseOf(this.key);
      if (e.knowsBase && !(base && dbEquals(base, e.seen))) this.violate(`the provider's base is ${show(base)}, but the document was built on ${show(e.seen)}`);
      if (!e.knowsBase && base) this.violate(`the provider's base is ${show(base)} for a document restored into a new extension host`);
    }
    const current = this.store.current(this.ref);
    if (current) {
      if (current.mtime < this.lastMtime) this.violate(`the store's version went down: ${current.mtime} after ${this.lastMtime}`);
      this.lastMtime = Math.max(this.lastMtime, current.mtime);
      this.checkFresh('the store', current.db, this.floor);
    }
    if (this.violations.length > 0) throw new ModelViolation(this.report(this.violations.join('\n')));
  }

  // ---- bookkeeping ------------------------------------------------------------------------------------------

  private tick(): number {
    return ++this.clock;
  }

  private violate(message: string): void {
    this.note(`  !! ${message}`);
    this.violations.push(message);
  }

  private note(line: string): void {
    this.trace.push(`${String(this.clock).padStart(4)} ${line}`);
    if (this.options.verbose) console.log(this.trace[this.trace.length - 1]);
  }

  private report(message: string): string {
    return `${message}\n  server now ${show(this.serverDb())}\n  trace (clock, step, events):\n${this.trace.slice(-150).map((l) => `    ${l}`).join('\n')}`;
  }
}

/** The DB a text the provider served holds (it always is one). */
function analyzeOk(text: string): Db {
  const analysis = analyzeDbDocument(text);
  if (!analysis.ok) throw new ModelViolation(`the provider served a text that is not a DB: ${text}`);
  return analysis.db;
}
