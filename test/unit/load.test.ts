// Load: 50 concurrent saves on 50 subscriptions across 2 gates while the access tokens expire under them, against
// the real sandbox (which enforces every DB limit with a 400). Each save is what DbStore does: GET, plan with
// core/savePlan, then the DELETE and the PUT in the plan's order, one LogUpClient per gate as the extension has.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogUpClient } from '../../src/api/logUpClient';
import { analyzeDbDocument, serializeDb } from '../../src/core/dbDocument';
import { DB_LIMITS, type Db, type DbValue } from '../../src/core/db';
import { keyProblem, valueProblem } from '../../src/core/limits';
import { planProblems, planSave } from '../../src/core/savePlan';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { sandboxClient, type JournalEntry } from './support';

const GATES = [
  { idGate: 'gate_loadA', secretKey: 'load-secret-a-4hT9' },
  { idGate: 'gate_loadB', secretKey: 'load-secret-b-Qx27' },
] as const;
const PER_GATE = 25;

// Values at and near every limit: 1024 ASCII bytes, 341 × "€" (1023 bytes), 256 emoji (1024 bytes), safe-integer ends.
const VALUES: readonly DbValue[] = ['x'.repeat(1024), '€'.repeat(341), '😀'.repeat(256), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, true, false, '', 0, 'plain'];

/** A DB of 20 keys for every third subscription (its edits must DELETE first), otherwise 8 to 17 keys. */
function baseDb(i: number): Db {
  const size = i % 3 === 0 ? DB_LIMITS.maxKeys : 8 + (i % 10);
  const db: Db = {};
  for (let j = 0; j < size; j++) db[j === 0 ? `${'😀'.repeat(31)}${i % 10}` : `key_${String(j).padStart(2, '0')}`] = VALUES[(i + j) % VALUES.length]!;
  return db;
}

/** Deletes the first two keys, changes the type of the third, adds two keys at the length limits. */
function editOf(db: Db, i: number, round: number): Db {
  const keys = Object.keys(db).sort();
  const edited: Db = { ...db };
  delete edited[keys[0]!];
  delete edited[keys[1]!];
  const third = keys[2]!;
  edited[third] = typeof db[third] === 'string' ? i * 1000 + round : `was ${String(db[third])}`;
  edited[`${'n'.repeat(28)}r${round}${String(i).padStart(2, '0')}`] = '€'.repeat(341);
  edited[`new_${round}_${i}`] = round % 2 === 0;
  const check = analyzeDbDocument(serializeDb(edited));
  assert.ok(check.ok, 'the edit itself is within the limits');
  return edited;
}

type Step = () => Promise<void>;

/** Resolves every waiter once `n` callers have arrived, after running `onAll` (e.g. expiring every token). */
function barrier(n: number, onAll: () => void): Step {
  let arrived = 0;
  let release: () => void = () => undefined;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    arrived++;
    if (arrived === n) {
      onAll();
      release();
    }
    await all;
  };
}

/** One save as DbStore makes it, pausing at `beforeFirst` and `beforeSecond` so tokens can expire between calls. */
async function save(client: LogUpClient, id: string, edited: Db, beforeFirst: Step, beforeSecond: Step): Promise<void> {
  const base = await client.getDb(id);
  const plan = planSave(base, edited);
  assert.deepEqual(planProblems(base, plan), [], `${id}: the plan keeps every limit`);
  assert.ok(plan.deleteKeys.length > 0 && plan.putEntries.length > 0, 'every save sends both calls');
  const calls = [() => client.deleteDb(id, plan.deleteKeys), () => client.putDb(id, plan.putEntries)];
  if (!plan.deleteFirst) calls.reverse();
  await beforeFirst();
  await calls[0]!();
  await beforeSecond();
  await calls[1]!();
}

function tokenCalls(journal: readonly JournalEntry[], idGate: string): number {
  return journal.filter((e) => e.route === 'token' && e.gate === idGate).length;
}

/** Every PUT the sandbox received respects the limits (checked here with core/limits, and by the sandbox itself). */
function assertNoLimitBroken(journal: readonly JournalEntry[]): void {
  for (const entry of journal.filter((e) => e.route === 'putDb')) {
    const data = (entry.body as { data: { key: string; value: unknown }[] }).data;
    assert.ok(data.length <= DB_LIMITS.maxKeys);
    for (const { key, value } of data) {
      assert.equal(keyProblem(key), undefined, key);
      assert.equal(valueProblem(value), undefined, key);
    }
  }
  assert.deepEqual(journal.filter((e) => e.status === 400 || e.status === 413), [], 'the sandbox refused nothing');
}

test('50 concurrent saves across 2 gates while tokens expire: all succeed, one token per gate per expiry', { timeout: 60_000 }, async (t) => {
  let onAnswered: (entry: JournalEntry) => void = () => undefined;
  const sandbox: SandboxHandle = await startSandbox({ seed: false }, { onResponse: (entry) => onAnswered(entry) });
  const clients = GATES.map((g) => sandboxClient(sandbox, { idGate: g.idGate, secretKey: async () => g.secretKey }));
  t.after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sandbox.close();
  });
  const subs = GATES.flatMap((g, gi) =>
    Array.from({ length: PER_GATE }, (_, k) => {
      const i = gi * PER_GATE + k;
      const id = `sub_load${String(i).padStart(2, '0')}`;
      sandbox.addGate(g.idGate, g.secretKey);
      sandbox.setDb(g.idGate, id, baseDb(i));
      return { gate: g.idGate, client: clients[gi]!, id, i };
    }),
  );
  assert.equal(subs.length, 50);
  const gateOf = new Map(subs.map((s) => [s.id, s.gate]));

  // Round 1: the 50 GETs share one token per gate; every token expires before the first writes and again before
  // the second ones, so 50 writes at a time meet a 401 together.
  const expiries: number[] = [];
  const expire = (): void => {
    expiries.push(sandbox.journal.length);
    sandbox.expireTokens();
  };
  const first = barrier(subs.length, expire);
  const second = barrier(subs.length, expire);
  const round1 = subs.map((s) => ({ ...s, edited: editOf(baseDb(s.i), s.i, 1) }));
  const results = await Promise.allSettled(round1.map((s) => save(s.client, s.id, s.edited, first, second)));
  assert.deepEqual(results.filter((r) => r.status === 'rejected'), [], 'every save succeeded');
  for (const s of round1) assert.deepEqual(sandbox.getDb(s.gate, s.id), s.edited, `${s.id} holds its edit`);

  assert.equal(expiries.length, 2);
  const windows = [sandbox.journal.slice(0, expiries[0]), sandbox.journal.slice(expiries[0], expiries[1]), sandbox.journal.slice(expiries[1])];
  for (const g of GATES) {
    assert.deepEqual(windows.map((w) => tokenCalls(w, g.idGate)), [1, 1, 1], `${g.idGate}: one token at the start and one per expiry`);
    for (const w of windows.slice(1)) {
      // A refused call carries no gate (its token was not accepted): attribute it by subscription.
      const refused = w.filter((e) => e.status === 401 && gateOf.get(e.idSubscription ?? '') === g.idGate).length;
      assert.ok(refused >= 1 && refused <= PER_GATE, `${g.idGate}: the expiry hit writes in flight (${refused} × 401), each retried once`);
    }
  }
  const writes = sandbox.journal.filter((e) => e.route === 'putDb' || e.route === 'deleteDb');
  assert.equal(writes.filter((e) => e.status !== 401).length, 100, 'each of the 100 writes applied exactly once');
  assertNoLimitBroken(sandbox.journal);

  // Round 2: no pauses; the tokens expire mid-run, when a third of the answers are out.
  sandbox.clearJournal();
  let answered = 0;
  let expiredAt = -1;
  onAnswered = () => {
    if (++answered === 50) {
      expiredAt = sandbox.journal.length;
      sandbox.expireTokens();
    }
  };
  const go: Step = async () => undefined;
  const round2 = round1.map((s) => ({ ...s, edited: editOf(s.edited, s.i, 2) }));
  const results2 = await Promise.allSettled(round2.map((s) => save(s.client, s.id, s.edited, go, go)));
  assert.deepEqual(results2.filter((r) => r.status === 'rejected'), [], 'every save succeeded');
  for (const s of round2) assert.deepEqual(sandbox.getDb(s.gate, s.id), s.edited, `${s.id} holds its second edit`);
  assert.ok(expiredAt > 0, 'the tokens expired mid-run');
  for (const g of GATES) {
    assert.equal(tokenCalls(sandbox.journal.slice(0, expiredAt), g.idGate), 0, `${g.idGate}: no token needed before the expiry`);
    assert.ok(tokenCalls(sandbox.journal.slice(expiredAt), g.idGate) <= 1, `${g.idGate}: at most one token after it`);
  }
  assert.ok(sandbox.journal.some((e) => e.status === 401), 'some calls met the expiry');
  assertNoLimitBroken(sandbox.journal);
});
