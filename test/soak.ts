// The long run of the DbStore model (test/model/): random sequences of what the editor does to the logup: provider
// (open, type, save with its reason, Compare with Saved, Revert, reload, a restart of the extension host with the
// document dirty), tree edits, changes made on the server by someone else, held and reordered answers and injected
// faults, against the sandbox, DbDocuments and DbStore, with fresh seeds until the time is up. Prints the seed and
// path of any failure, and how to replay it.
//
//   npm run soak                                   # 3 minutes
//   npm run soak -- --minutes=20 --steps=60
//   npm run soak -- --seed=123 --path=4:2:1 [--replay-path=…] [--verbose]   # replay one failure
//   npm run soak -- --base-from-every-read   # the old provider (a Compare read moved the base): must fail
//   npm run soak -- --strict-204       # also refuse the DB the store works out after a DELETE answered 204
//   npm run soak -- --no-read-after-review   # a store that sends what the review showed, without reading again: must fail
//   npm run soak -- --batch            # the batch change model (test/model/batchModel.ts) instead
import { parseArgs } from 'node:util';
import { startSandbox } from '../src/sandbox/sandbox';
import { sandboxClient } from './unit/support';
import { batchModelStats, runBatchModel } from './model/batchModel';
import { describeFailure, runDbStoreModel } from './model/dbStoreModel';
import { modelStats } from './model/world';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    steps: { type: 'string', default: '50' },
    seed: { type: 'string' },
    path: { type: 'string' },
    'replay-path': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'base-from-every-read': { type: 'boolean', default: false },
    'strict-204': { type: 'boolean', default: false },
    'no-read-after-review': { type: 'boolean', default: false },
    batch: { type: 'boolean', default: false },
  },
});

const minutes = Number(values.minutes);
const steps = Number(values.steps);
if (!(minutes > 0) || !Number.isInteger(steps) || steps < 1) {
  console.error('usage: npm run soak -- [--minutes=3] [--steps=50] [--seed=N --path=P [--replay-path=R]] [--verbose] [--base-from-every-read] [--strict-204] [--no-read-after-review]');
  process.exit(2);
}
const replaying = values.path !== undefined;
const seed = values.seed !== undefined ? Number(values.seed) : (Date.now() ^ (Math.random() * 0x100000000)) | 0;

/** The batch model for the same time: fresh seeds, or one replayed with --seed and --path. */
async function soakBatch(): Promise<void> {
  const sandbox = await startSandbox();
  const client = sandboxClient(sandbox);
  console.log(replaying ? `replaying batch seed ${seed} path ${values.path}` : `soak (batch): seed ${seed}, ${minutes} min`);
  try {
    const details = await runBatchModel(sandbox, client, {
      seed,
      numRuns: replaying ? 1 : 1_000_000,
      ...(replaying && values.path !== undefined ? { path: values.path } : { timeLimitMs: minutes * 60_000 }),
    });
    console.log(`exercised: ${Object.entries(batchModelStats).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (details.failed) {
      console.log(`\nseed ${details.seed} path ${details.counterexamplePath ?? ''}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`);
      console.log(`replay: npm run soak -- --batch --seed=${details.seed} --path=${details.counterexamplePath ?? ''}`);
      process.exitCode = 1;
    } else {
      console.log(`ok: ${details.numRuns} batches, no invariant broken (seed ${seed}).`);
    }
  } finally {
    await client.close();
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  if (values.batch) return soakBatch();
  const sandbox = await startSandbox({ seed: true });
  const started = Date.now();
  console.log(replaying ? `replaying seed ${seed} path ${values.path}` : `soak: seed ${seed}, up to ${steps} steps per run, ${minutes} min`);
  try {
    const details = await runDbStoreModel(sandbox, {
      numRuns: replaying ? 1 : 1_000_000,
      maxCommands: steps,
      seed,
      ...(values.path !== undefined ? { path: values.path } : {}),
      ...(values['replay-path'] !== undefined ? { replayPath: values['replay-path'] } : {}),
      ...(replaying ? {} : { timeLimitMs: minutes * 60_000 }),
      verbose: values.verbose,
      baseFromEveryRead: values['base-from-every-read'],
      strict204: values['strict-204'],
      noReadAfterReview: values['no-read-after-review'],
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`exercised: ${Object.entries(modelStats).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (details.failed) {
      console.log(`\n${describeFailure(details, { maxCommands: steps, baseFromEveryRead: values['base-from-every-read'], strict204: values['strict-204'], noReadAfterReview: values['no-read-after-review'] })}`);
      process.exitCode = 1;
    } else {
      console.log(`ok: ${details.numRuns} runs in ${seconds} s, no invariant broken (seed ${seed}).`);
    }
  } finally {
    await sandbox.close();
  }
}

void main();
