// The DbStore model (test/model/) with a fixed seed: random sequences of editor saves, tree edits, changes made on
// the server by someone else, held and reordered answers and injected faults, against the sandbox and DbStore,
// checking every invariant after every step. The same seed every time, so a failure here is a regression and
// replays with the command it prints; `npm run soak` explores fresh seeds for longer.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { describeFailure, runDbStoreModel } from '../model/dbStoreModel';
import { modelStats } from '../model/world';

const SEED = 20_240_611;
const RUNS = 400;
const STEPS = 40;

describe('DbStore model: random sequences against the sandbox', () => {
  let sandbox: SandboxHandle;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox.close();
  });

  it(`${RUNS} runs of up to ${STEPS} steps keep every invariant after every step (seed ${SEED})`, async () => {
    const details = await runDbStoreModel(sandbox, { numRuns: RUNS, maxCommands: STEPS, seed: SEED });
    if (details.failed) assert.fail(describeFailure(details, { maxCommands: STEPS }));
    assert.equal(details.numRuns, RUNS);
    // A model that stopped exercising the store would pass for nothing: the runs must reach each kind of outcome.
    for (const [what, n] of Object.entries(modelStats)) assert.ok(n > 0, `no run exercised ${what}`);
    assert.ok(modelStats.conflicts >= 10 && modelStats.overwrites >= 10 && modelStats.saveFailures >= 10, JSON.stringify(modelStats));
  });

  it('finds the old hole (a Compare read made the base) in a provider whose base moves with every read (Compare with Saved)', async () => {
    const details = await runDbStoreModel(sandbox, { numRuns: 200, maxCommands: STEPS, seed: SEED, baseFromEveryRead: true });
    assert.ok(details.failed, 'the model must fail on the provider as it was');
    assert.match(String((details.errorInstance as Error).message), /base is|not the user's change|replaced/);
  });

  it('finds a store that sends what the review showed without reading the server again after Save', async () => {
    const details = await runDbStoreModel(sandbox, { numRuns: 200, maxCommands: STEPS, seed: SEED, noReadAfterReview: true });
    assert.ok(details.failed, 'the model must fail on a store that does not read again after the review');
    assert.match(String((details.errorInstance as Error).message), /before the person chose Save in the review|no longer held when the person chose Save/);
  });
});
