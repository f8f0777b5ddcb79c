// The batch model (test/model/batchModel.ts) with a fixed seed: random batches with changes made by someone else
// during the run, 429/503/500 answers, Cancel and a reload that resumes from the journal file, checking that nothing
// is written twice, no key only someone else changed is written, and every subscription ends in one recorded state;
// then Undo This Batch with changes made since and the person's choice, each key checked against the undo rule.
// `npm run soak -- --batch` explores fresh seeds for longer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LogUpClient } from '../../src/api/logUpClient';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { batchModelStats, runBatchModel } from '../model/batchModel';
import { sandboxClient } from './support';

const SEED = 20_261_205;
const RUNS = 150;

describe('batch model: random batches against the sandbox', () => {
  let sandbox: SandboxHandle;
  let client: LogUpClient;
  before(async () => {
    sandbox = await startSandbox();
    client = sandboxClient(sandbox);
  });
  after(async () => {
    await client.close();
    await sandbox.close();
  });

  it(`${RUNS} random batches keep every invariant (seed ${SEED})`, async () => {
    const details = await runBatchModel(sandbox, client, { seed: SEED, numRuns: RUNS });
    if (details.failed) assert.fail(`seed ${details.seed} path ${details.counterexamplePath ?? ''}: ${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`);
    // A model that stopped reaching these would pass for nothing.
    for (const what of [
      'done', 'already', 'conflict', 'refused', 'notFound', 'failed', 'cancelled', 'crash', 'resumed', 'external',
      'undo:done', 'undo:skipped', 'undo:conflict', 'undo:already', 'undo:changedSince:skip', 'undo:changedSince:overwrite',
    ]) {
      assert.ok((batchModelStats[what] ?? 0) > 0, `no run reached ${what}: ${JSON.stringify(batchModelStats)}`);
    }
  });
});
