// Random sequences of user actions, changes made elsewhere, held and reordered answers and injected faults, run
// against the sandbox and DbStore (test/model/world.ts decides the invariants). Used by the unit layer with a fixed
// seed (test/unit/dbStoreModel.test.ts) and by the soak (`npm run soak`, test/soak.ts) with fresh seeds.
import fc from 'fast-check';
import type { Db, DbValue } from '../../src/core/db';
import type { SandboxHandle } from '../../src/sandbox/sandbox';
import { World, type FaultKind, type HoldMode, type Method, type ReviewAnswer, type SaveMode } from './world';

type Cmd = fc.AsyncCommand<object, World>;

/** One step: a label for the counterexample, and what it does to the world. */
function command(label: string, act: (w: World) => void): Cmd {
  return {
    check: () => true,
    run: async (_model, world) => world.step(label, () => act(world)),
    toString: () => label,
  };
}

// Mostly four keys, so both sides often change the same one; sometimes one of 22 more, so DBs reach LogUp's 20-key
// cap (a save then sends its DELETE first, or is refused) and keys only one side touches are common.
const MANY = Array.from({ length: 22 }, (_, i) => `k${String(i + 1).padStart(2, '0')}`);
const key = fc.oneof({ arbitrary: fc.constantFrom('a', 'b', 'c', 'd'), weight: 3 }, { arbitrary: fc.constantFrom(...MANY), weight: 1 });
const value: fc.Arbitrary<DbValue> = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom('x', true));
const valueOrDelete = fc.option(value, { nil: null, freq: 3 });
const method = fc.constantFrom<Method>('getDb', 'putDb', 'deleteDb');
const holdMode = fc.constantFrom<HoldMode>('holdBefore', 'holdAfter', 'holdAfter', 'loseAnswer', 'lateLand');
// Faults mostly hit writes, where what the store then says about the server matters; '503x3' outlasts the retries.
const faultRoute = fc.constantFrom<Method>('getDb', 'putDb', 'putDb', 'deleteDb', 'deleteDb');
const faultKind = fc.constantFrom<FaultKind>('500', '503', '503x3', '503x3', 'drop', 'delay');

const show = (v: DbValue | null): string => (v === null ? 'deleted' : JSON.stringify(v));

// Typing in the document: one to three keys at once, so saves often send both a PUT and a DELETE.
const editorEdit = fc
  .uniqueArray(fc.tuple(key, valueOrDelete), { minLength: 1, maxLength: 3, selector: ([k]) => k })
  .map((entries) =>
    command(`editor.edit(${entries.map(([k, v]) => `${k}=${show(v)}`).join(',')})`, (w) => {
      for (const [k, v] of entries) w.editEditor(k, v);
    }),
  );

// Ctrl+S (or Save All) mostly; sometimes an auto-save a folder's settings turned on, or a folder set to overwriteFileOnDisk.
const saveMode = fc.constantFrom<SaveMode>('manual', 'manual', 'manual', 'manual', 'auto', 'overwriteOnDisk');
const editorSave = fc.tuple(saveMode, fc.boolean(), fc.boolean()).map(([mode, overwrite, gap]) =>
  command(`editor.save(${mode}, ${overwrite ? 'Overwrite on conflict' : 'no Overwrite'}${gap ? ', held before writeFile' : ''})`, (w) => w.saveEditor(mode, overwrite, gap)),
);

const commandArbs: fc.Arbitrary<Cmd>[] = [
  fc
    .uniqueArray(fc.tuple(key, valueOrDelete), { minLength: 1, maxLength: 2, selector: ([k]) => k })
    .map((entries) => command(`elsewhere(${entries.map(([k, v]) => `${k}=${show(v)}`).join(',')})`, (w) => w.external(Object.fromEntries(entries)))),
  fc.tuple(method, holdMode).map(([m, mode]) => command(`hold(${m},${mode})`, (w) => w.hold(m, mode))),
  fc.tuple(method, holdMode).map(([m, mode]) => command(`hold(${m},${mode})`, (w) => w.hold(m, mode))),
  fc.nat(7).map((n) => command(`release(${n})`, (w) => w.release(n))),
  fc.nat(7).map((n) => command(`release(${n})`, (w) => w.release(n))),
  fc.nat(7).map((n) => command(`release(${n})`, (w) => w.release(n))),
  fc.tuple(faultRoute, faultKind).map(([m, kind]) => command(`fault(${m},${kind})`, (w) => w.fault(m, kind))),
  fc.tuple(faultRoute, faultKind).map(([m, kind]) => command(`fault(${m},${kind})`, (w) => w.fault(m, kind))),
  fc.boolean().map((revert) => command(revert ? 'editor.revert' : 'editor.open', (w) => w.openEditor(revert))),
  fc.constant(command('editor.reload', (w) => w.reloadEditor())),
  fc.constant(command('editor.compareWithSaved', (w) => w.compareEditor())),
  fc.constant(command('extensionHost.restart', (w) => w.restartProvider())),
  editorEdit,
  editorEdit,
  editorSave,
  editorSave,
  fc.tuple(key, valueOrDelete, fc.boolean()).map(([k, v, o]) => command(`tree(${k}=${show(v)}${o ? ', Overwrite on conflict' : ''})`, (w) => w.treeEdit(k, v, o))),
  fc.tuple(key, valueOrDelete, fc.boolean()).map(([k, v, o]) => command(`tree(${k}=${show(v)}${o ? ', Overwrite on conflict' : ''})`, (w) => w.treeEdit(k, v, o))),
  fc.nat(3).map((n) => command(`tree.cancel(${n})`, (w) => w.cancelTree(n))),
  // How the next review is answered (unqueued: Save at once); 'other', 'plan', 'clash' change the server while it is open.
  fc.constantFrom<ReviewAnswer>('cancel', 'other', 'plan', 'clash', 'save').map((a) => command(`review(${a})`, (w) => w.review(a))),
  fc.constant(command('verify', (w) => w.verify())),
  fc.nat(3).map((n) => command(`verify.answer(${n})`, (w) => w.deliverVerification(n))),
  fc.constant<Cmd>({ check: () => true, run: async (_m, w) => w.settle(), toString: () => 'settle' }),
];

export interface Setup {
  readonly initial: Db;
  readonly deleteStatus: 200 | 204;
}

const setupArb: fc.Arbitrary<Setup> = fc.record({
  initial: fc.oneof(
    { arbitrary: fc.dictionary(key, value, { maxKeys: 4 }), weight: 3 },
    { arbitrary: fc.dictionary(fc.constantFrom(...MANY), value, { minKeys: 17, maxKeys: 20 }), weight: 1 },
  ) as fc.Arbitrary<Db>,
  deleteStatus: fc.constantFrom<200 | 204>(204, 200),
});

export interface ModelRunOptions {
  readonly numRuns: number;
  readonly maxCommands: number;
  readonly seed?: number;
  readonly path?: string;
  readonly replayPath?: string;
  /** Stop starting new runs after this long (the soak's bound); a run under way finishes. */
  readonly timeLimitMs?: number;
  readonly verbose?: boolean;
  /** The old provider (docs/architecture.md, "The save path"): every read the document's version survived moved the base (see WorldOptions). */
  readonly baseFromEveryRead?: boolean;
  /** No allowance for the DB a 204 DELETE leaves the store to work out (see WorldOptions). */
  readonly strict204?: boolean;
  /** A store that does not read again after Save in the review (see WorldOptions): must fail. */
  readonly noReadAfterReview?: boolean;
}

/** The property: every random sequence keeps every invariant after every step, and once everything is released. */
export function dbStoreProperty(sandbox: SandboxHandle, options: Pick<ModelRunOptions, 'maxCommands' | 'replayPath' | 'verbose' | 'baseFromEveryRead' | 'strict204' | 'noReadAfterReview'>): fc.IAsyncProperty<[Setup, Iterable<Cmd>]> {
  const commands = fc.commands(commandArbs, { maxCommands: options.maxCommands, size: 'max', ...(options.replayPath ? { replayPath: options.replayPath } : {}) });
  return fc.asyncProperty(setupArb, commands, async (setup, cmds) => {
    const world = await World.create(sandbox, { ...setup, verbose: options.verbose ?? false, baseFromEveryRead: options.baseFromEveryRead ?? false, strict204: options.strict204 ?? false, noReadAfterReview: options.noReadAfterReview ?? false });
    try {
      await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
      await world.settle();
    } finally {
      await world.dispose();
    }
  });
}

/** Runs the property; the details carry the seed and path of a failure (fc.check never throws for one). */
export function runDbStoreModel(sandbox: SandboxHandle, options: ModelRunOptions): Promise<fc.RunDetails<[Setup, Iterable<Cmd>]>> {
  return fc.check(dbStoreProperty(sandbox, options), {
    numRuns: options.numRuns,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.path !== undefined ? { path: options.path } : {}),
    ...(options.timeLimitMs !== undefined ? { interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false } : {}),
  });
}

/** A failure as a person needs it: what broke, the shrunk steps, and the command that replays it. */
export function describeFailure(details: fc.RunDetails<[Setup, Iterable<Cmd>]>, options: Pick<ModelRunOptions, 'maxCommands' | 'baseFromEveryRead' | 'strict204' | 'noReadAfterReview'>): string {
  const steps = String(details.counterexample?.[1] ?? '');
  const replayPath = /replayPath="([^"]*)"/.exec(steps)?.[1];
  const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return [
    `The DbStore model failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} times.`,
    `seed: ${details.seed}`,
    `path: ${details.counterexamplePath ?? ''}`,
    `setup: ${JSON.stringify(details.counterexample?.[0])}`,
    `steps: ${steps}`,
    '',
    why,
    '',
    'Replay (add --verbose to print every event as it happens):',
    `  npm run soak -- --seed=${details.seed} --path=${details.counterexamplePath ?? ''}` +
      `${replayPath ? ` --replay-path='${replayPath}'` : ''} --steps=${options.maxCommands}${options.baseFromEveryRead ? ' --base-from-every-read' : ''}${options.strict204 ? ' --strict-204' : ''}${options.noReadAfterReview ? ' --no-read-after-review' : ''}`,
  ].join('\n');
}
