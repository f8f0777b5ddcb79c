// Random batch changes against the sandbox and DbStore: random DBs and changes, changes made by someone else between
// the dry run and each subscription's save, 429/503/500 answers, a Cancel part-way, and a reload that resumes from
// whatever journal the file held at that moment (possibly older than the run). After the resumed run, three
// invariants: nothing written twice; no key only someone else changed is written; every subscription ends in
// exactly one recorded state that matches the server. Then, in some scenarios, Undo This Batch: someone changes keys
// after the batch and while the undo runs, the person answers the one question (skip or write anyway), and each key
// the batch changed ends as the undo rule says: back if still as the batch left it, theirs if they changed it and the
// person skipped, back over theirs if they chose Write Anyway, and untouched if it changed again right before the
// undo's write (a conflict). Used by the unit layer with a fixed seed
// (test/unit/batchModel.test.ts) and by `npm run soak -- --batch` with fresh seeds.
import fc from 'fast-check';
import type { LogUpClient } from '../../src/api/logUpClient';
import { holdsChanges, type BatchChange } from '../../src/core/batchChange';
import type { BatchState } from '../../src/core/batchReport';
import { hasKey, type Db, type DbValue } from '../../src/core/db';
import { isPending, parseJournal, serializeJournal, settleUndo, undoJournal, type BatchJournal } from '../../src/db/batchJournal';
import { checkUndo, dryRunBatch, runBatch, type BatchStore } from '../../src/db/batchRunner';
import { DbStore, NO_REVIEW } from '../../src/db/dbStore';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import type { SandboxHandle, SandboxRoute } from '../../src/sandbox/sandbox';

const idGate = DEMO_GATE.idGate;
const quiet = { info: () => undefined, warn: () => undefined };
const fastSleep = async (_ms: number, signal?: AbortSignal): Promise<void> => {
  if (signal?.aborted) throw new Error('aborted');
};

type Patch = Record<string, DbValue | null>;

export interface BatchScenario {
  readonly dbs: readonly (Db | null)[];
  readonly change: BatchChange;
  /** Someone else's change to subscription `sub`: before the run starts, or right before its own save is sent. */
  readonly external: readonly { readonly sub: number; readonly when: 'beforeRun' | 'atSave'; readonly patch: Patch }[];
  /** Injected before the `at`-th save call of the run (counting across the run and the resume). */
  readonly faults: readonly { readonly at: number; readonly route: SandboxRoute; readonly status: 429 | 503 | 500; readonly count: number }[];
  /** Cancel when the `n`-th save starts. */
  readonly cancelAt: number | undefined;
  /** Resume from the journal as the file held it after this many of its writes (a crash), instead of the last one. */
  readonly crashAfter: number | undefined;
  readonly concurrency: number;
  /** Undo This Batch after the run: changes made by someone else after the batch (`afterBatch`) or right before the undo's save (`atSave`), and the person's choice. */
  readonly undo: { readonly choice: 'skip' | 'overwrite'; readonly external: readonly { readonly sub: number; readonly when: 'afterBatch' | 'atSave'; readonly patch: Patch }[] } | undefined;
}

const key = fc.constantFrom('a', 'b', 'c', 'd');
const value: fc.Arbitrary<DbValue> = fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom('x', 'y', true));
const filler = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`f${i}`, i]));
const db: fc.Arbitrary<Db | null> = fc.oneof(
  { weight: 8, arbitrary: fc.dictionary(key, value, { maxKeys: 4 }) },
  { weight: 2, arbitrary: fc.dictionary(key, value, { minKeys: 2, maxKeys: 4 }).map((d) => ({ ...filler, ...d })) },
  { weight: 1, arbitrary: fc.constant(null) },
);
const change: fc.Arbitrary<BatchChange> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ set: fc.uniqueArray(fc.tuple(key, value), { maxLength: 2, selector: ([k]) => k }), del: fc.uniqueArray(key, { maxLength: 2 }) })
    .filter(({ set, del }) => set.length + del.length > 0 && !set.some(([k]) => del.includes(k)))
    .map(({ set, del }): BatchChange => ({ kind: 'edit', set: set.map(([k, v]) => ({ key: k, value: v })), delete: del })) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('b', 'e')).filter(([a, b]) => a !== b).map(([from, to]): BatchChange => ({ kind: 'rename', from, to })) },
);

export const batchScenario: fc.Arbitrary<BatchScenario> = fc.record({
  dbs: fc.array(db, { minLength: 1, maxLength: 7 }),
  change,
  external: fc.array(fc.record({
    sub: fc.nat(6),
    when: fc.constantFrom<'beforeRun' | 'atSave'>('beforeRun', 'atSave', 'atSave'),
    patch: fc.dictionary(key, fc.option(value, { nil: null, freq: 3 }), { minKeys: 1, maxKeys: 2 }),
  }), { maxLength: 4 }),
  faults: fc.array(fc.record({
    at: fc.nat(8),
    route: fc.constantFrom<SandboxRoute>('getDb', 'putDb', 'putDb', 'deleteDb'),
    status: fc.constantFrom<429 | 503 | 500>(429, 429, 503, 500),
    count: fc.integer({ min: 1, max: 4 }),
  }), { maxLength: 4 }),
  cancelAt: fc.option(fc.nat(6), { nil: undefined }),
  crashAfter: fc.option(fc.nat(10), { nil: undefined }),
  concurrency: fc.integer({ min: 1, max: 4 }),
  undo: fc.option(fc.record({
    choice: fc.constantFrom<'skip' | 'overwrite'>('skip', 'overwrite'),
    external: fc.array(fc.record({
      sub: fc.nat(6),
      when: fc.constantFrom<'afterBatch' | 'atSave'>('afterBatch', 'afterBatch', 'atSave'),
      patch: fc.dictionary(key, fc.option(value, { nil: null, freq: 3 }), { minKeys: 1, maxKeys: 2 }),
    }), { maxLength: 4 }),
  }), { nil: undefined, freq: 2 }),
});

export class BatchModelViolation extends Error {}

/** Coverage: how often each final state and each event occurred, so a test can tell the model still reaches them. */
export const batchModelStats: Record<string, number> = {};
const count = (what: string): void => void (batchModelStats[what] = (batchModelStats[what] ?? 0) + 1);

let runNumber = 0;

/** Runs one scenario; throws a BatchModelViolation naming the invariant it broke. */
export async function runBatchScenario(sandbox: SandboxHandle, client: LogUpClient, s: BatchScenario): Promise<void> {
  const run = ++runNumber;
  const ids = s.dbs.map((_, i) => `sub_m${run}_${i}`);
  s.dbs.forEach((d, i) => d && sandbox.setDb(idGate, ids[i]!, d));
  sandbox.clearFaults();
  const violate = (message: string): never => {
    throw new BatchModelViolation(`${message}\nscenario: ${JSON.stringify(s)}\nserver: ${JSON.stringify(ids.map((id) => sandbox.getDb(idGate, id)))}`);
  };

  // What the server would hold without the batch, key by key.
  const withoutBatch = s.dbs.map((d) => (d ? { ...d } : null));
  // The keys someone else changed since the dry run: their value now differs from the one the dry run read.
  const theirKeys = (i: number): Set<string> => {
    const before = s.dbs[i] ?? {};
    const now = withoutBatch[i] ?? {};
    return new Set([...Object.keys(before), ...Object.keys(now)].filter((k) => hasKey(before, k) !== hasKey(now, k) || before[k] !== now[k]));
  };
  const external = (i: number, patch: Patch): void => {
    const id = ids[i];
    if (id === undefined || !sandbox.getDb(idGate, id)) return;
    sandbox.patchDb(idGate, id, patch);
    count('external');
    for (const [k, v] of Object.entries(patch)) {
      const expected = withoutBatch[i]!;
      if (v === null) delete expected[k];
      else expected[k] = v;
    }
  };

  const dryStore = new DbStore({ clients: { get: async () => client }, reviewer: NO_REVIEW, history: { record: () => undefined }, log: quiet });
  const journal = await dryRunBatch(dryStore, idGate, ids, s.change, { concurrency: s.concurrency, sleep: fastSleep });
  for (const e of s.external) if (e.when === 'beforeRun') external(e.sub, e.patch);
  sandbox.clearJournal();

  const controller = new AbortController();
  let saves = 0;
  const firstSave = new Set<number>();
  const atSave = (idSubscription: string): void => {
    const n = saves++;
    if (s.cancelAt === n) controller.abort();
    for (const f of s.faults) if (f.at === n) sandbox.failNext(f.route, f.count, f.status === 500 ? { status: 500 } : { status: f.status, headers: { 'retry-after': '0' } });
    // Each change made elsewhere happens once, at the subscription's first save (a retry or the resume does not
    // bring it back: someone reverting a key to its old value would rightly be written over again).
    const i = ids.indexOf(idSubscription);
    if (firstSave.has(i)) return;
    firstSave.add(i);
    for (const e of s.external) if (e.when === 'atSave' && e.sub === i) external(i, e.patch);
  };
  const storeFor = (store: DbStore): BatchStore => ({
    read: (ref, signal) => store.read(ref, signal),
    save: (ref, request) => {
      atSave(ref.idSubscription);
      return store.save(ref, request);
    },
  });
  const snapshots: string[] = [];
  const options = { concurrency: s.concurrency, sleep: fastSleep, busyRetries: 3, persist: async (j: BatchJournal) => void snapshots.push(serializeJournal(j)) };
  await runBatch(storeFor(new DbStore({ clients: { get: async () => client }, reviewer: NO_REVIEW, history: { record: () => undefined }, log: quiet })), journal, { ...options, signal: controller.signal });
  const firstRunEnd = sandbox.journal.length;
  if (controller.signal.aborted) count('cancelled');

  // The reload: the journal as the file held it (after a crash, possibly an older write of it), and a new store.
  let resumed = journal;
  if (s.crashAfter !== undefined && snapshots.length > 0) {
    resumed = parseJournal(snapshots[Math.min(s.crashAfter, snapshots.length - 1)]!) ?? violate('the journal file could not be read back');
    count('crash');
  } else {
    resumed = parseJournal(serializeJournal(journal)) ?? violate('the journal could not be read back');
  }
  const decidedByResume = new Set(resumed.items.filter(isPending).map((i) => i.idSubscription));
  if (decidedByResume.size > 0) count('resumed');
  sandbox.clearFaults();
  await runBatch(storeFor(new DbStore({ clients: { get: async () => client }, reviewer: NO_REVIEW, history: { record: () => undefined }, log: quiet })), resumed, options);

  // Invariant 3: each subscription once, in one final state.
  const final: readonly BatchState[] = ['done', 'already', 'partial', 'conflict', 'refused', 'notFound', 'failed'];
  if (resumed.items.length !== ids.length || resumed.items.some((item, i) => item.idSubscription !== ids[i])) violate('the journal does not list each subscription once');
  resumed.items.forEach((item, i) => {
    const id = ids[i]!;
    if (!final.includes(item.state)) violate(`${id} ended in ${item.state}, not a final state`);
    count(item.state);
    const server = sandbox.getDb(idGate, id);
    const writes = sandbox.journal
      .map((e, n) => ({ e, n }))
      .filter(({ e }) => e.idSubscription === id && (e.route === 'putDb' || e.route === 'deleteDb') && e.status >= 200 && e.status < 300);
    // Invariant 1: nothing written twice (one PUT and one DELETE at most, across the run and the resume).
    if (writes.filter(({ e }) => e.route === 'putDb').length > 1 || writes.filter(({ e }) => e.route === 'deleteDb').length > 1) violate(`${id} was written twice`);
    // Invariant 2: no key only someone else changed is written; keys outside the change are never touched.
    const changed = new Set((item.changes ?? []).map((c) => c.key));
    const expected = withoutBatch[i];
    const theirs = theirKeys(i);
    if (server && expected) {
      for (const k of new Set([...Object.keys(server), ...Object.keys(expected)])) {
        const mine = changed.has(k) && !theirs.has(k);
        if (!mine && (hasKey(server, k) !== hasKey(expected, k) || server[k] !== expected[k])) {
          // A key both changed may end at the batch's value only if someone else set exactly that value.
          const target = item.changes?.find((c) => c.key === k)?.after;
          if (!(theirs.has(k) && target === expected[k])) violate(`${id}: key ${k} is ${JSON.stringify(server[k])}, but without the batch it would be ${JSON.stringify(expected[k])}`);
        }
      }
    }
    // The state matches the server, and states that write nothing wrote nothing in the run that decided them.
    const decidedFrom = decidedByResume.has(id) ? firstRunEnd : 0;
    const wroteThen = writes.some(({ n }) => n >= decidedFrom);
    if (item.state === 'done' && !(server && holdsChanges(server, item.changes ?? []))) violate(`${id} is done but does not hold the batch's values`);
    if (item.state === 'already' && !(server && holdsChanges(server, item.changes ?? []))) violate(`${id} is already so but does not hold the batch's values`);
    if (['conflict', 'refused', 'notFound', 'already'].includes(item.state) && wroteThen) violate(`${id} is ${item.state} but was written`);
    if (item.state === 'notFound' && server) violate(`${id} exists but is not found`);
  });
  await runUndoScenario(sandbox, client, s, resumed, violate);
}


/**
 * Undo This Batch of `batch` (a finished run), with someone else's changes after the batch and right before the
 * undo's saves, checked key by key against the undo rule.
 */
async function runUndoScenario(sandbox: SandboxHandle, client: LogUpClient, s: BatchScenario, batch: BatchJournal, violate: (message: string) => never): Promise<void> {
  const plan = s.undo;
  if (!plan) return;
  const ids = batch.items.map((i) => i.idSubscription);
  const patch = (i: number, p: Patch): void => {
    const id = ids[i];
    if (id !== undefined && sandbox.getDb(idGate, id)) sandbox.patchDb(idGate, id, p);
  };
  for (const e of plan.external) if (e.when === 'afterBatch') patch(e.sub, e.patch);
  sandbox.clearFaults();
  const store = new DbStore({ clients: { get: async () => client }, reviewer: NO_REVIEW, history: { record: () => undefined }, log: quiet });
  const undo = await checkUndo(store, undoJournal(batch, `undo-${batch.id}`, 0), { concurrency: s.concurrency, sleep: fastSleep });
  if (undo.items.some((i) => (i.changedSince?.length ?? 0) > 0)) count(`undo:changedSince:${plan.choice}`);
  settleUndo(undo, plan.choice);
  // What each subscription holds when the person answered, and what someone changes right before its undo save.
  const answered = new Map(ids.map((id) => [id, sandbox.getDb(idGate, id)]));
  const patchedAtSave = new Map<string, Patch>();
  const start = sandbox.journal.length;
  await runBatch({
    read: (ref, signal) => store.read(ref, signal),
    save: (ref, request) => {
      const i = ids.indexOf(ref.idSubscription);
      for (const e of plan.external) {
        if (e.when !== 'atSave' || e.sub !== i || patchedAtSave.has(ref.idSubscription)) continue;
        patch(i, e.patch);
        patchedAtSave.set(ref.idSubscription, e.patch);
      }
      return store.save(ref, request);
    },
  }, undo, { concurrency: s.concurrency, sleep: fastSleep });

  const final: readonly BatchState[] = ['done', 'already', 'skipped', 'conflict', 'refused', 'notFound', 'failed', 'partial'];
  for (const item of undo.items) {
    const id = item.idSubscription;
    if (!final.includes(item.state)) violate(`undo: ${id} ended in ${item.state}`);
    count(`undo:${item.state}`);
    const writes = sandbox.journal.slice(start).filter((e) => e.idSubscription === id && (e.route === 'putDb' || e.route === 'deleteDb') && e.status >= 200 && e.status < 300);
    if (writes.filter((e) => e.route === 'putDb').length > 1 || writes.filter((e) => e.route === 'deleteDb').length > 1) violate(`undo: ${id} was written twice`);
    if (['already', 'skipped', 'conflict', 'refused', 'notFound'].includes(item.state) && writes.length > 0) violate(`undo: ${id} is ${item.state} but was written`);
    // The check settled every key changed before the question: a conflict needs a change right before the write.
    if (item.state === 'conflict' && !patchedAtSave.has(id)) violate(`undo: ${id} is a conflict, but nothing changed after the person answered`);
    if (item.state === 'skipped' && plan.choice !== 'skip') violate(`undo: ${id} is skipped, but the person chose to write anyway`);
    const server = sandbox.getDb(idGate, id) ?? {};
    const pre = answered.get(id) ?? {};
    const late = patchedAtSave.get(id) ?? {};
    // What the batch did to this subscription: its journal's changes, old → new.
    const did = batch.items.find((b) => b.idSubscription === id)?.changes ?? [];
    const batchKeys = new Set(did.map((c) => c.key));
    const at = (db: Db, k: string): DbValue | undefined => (hasKey(db, k) ? db[k] : undefined);
    const lateAt = (k: string): DbValue | undefined | 'untouched' => (Object.hasOwn(late, k) ? (late[k] ?? undefined) : 'untouched');
    for (const k of new Set([...Object.keys(server), ...Object.keys(pre), ...Object.keys(late)])) {
      const theirLate = lateAt(k);
      const other = theirLate === 'untouched' ? at(pre, k) : theirLate;
      if (!batchKeys.has(k)) {
        if (at(server, k) !== other) violate(`undo: ${id}: key ${k} outside the batch is ${JSON.stringify(at(server, k))}, should be ${JSON.stringify(other)}`);
        continue;
      }
      const c = did.find((d) => d.key === k)!;
      // The rule, from what the server held when the person answered.
      const now = at(pre, k);
      const ruled = now === c.after ? c.before : now === c.before ? c.before : plan.choice === 'overwrite' ? c.before : now;
      const got = at(server, k);
      if (item.state === 'done') {
        // A change right before the write stays (a patch that set what the key held already changed nothing).
        const expected = theirLate === 'untouched' || theirLate === now ? ruled : theirLate;
        if (got !== expected) violate(`undo: ${id}: key ${k} is ${JSON.stringify(got)}, the rule says ${JSON.stringify(expected)} (${plan.choice})`);
      } else if (got !== other && got !== ruled) {
        violate(`undo: ${id} (${item.state}): key ${k} is ${JSON.stringify(got)}, neither what it held (${JSON.stringify(other)}) nor the rule's ${JSON.stringify(ruled)}`);
      }
    }
  }
}

/** Runs `numRuns` scenarios from `seed`; resolves with fast-check's details (failed, counterexample, seed). */
export async function runBatchModel(sandbox: SandboxHandle, client: LogUpClient, options: { seed: number; numRuns?: number; timeLimitMs?: number; path?: string }): Promise<fc.RunDetails<[BatchScenario]>> {
  return fc.check(fc.asyncProperty(batchScenario, (s) => runBatchScenario(sandbox, client, s)), {
    seed: options.seed,
    numRuns: options.numRuns ?? 100,
    ...(options.timeLimitMs !== undefined ? { interruptAfterTimeLimit: options.timeLimitMs } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
    endOnFailure: true,
  });
}
