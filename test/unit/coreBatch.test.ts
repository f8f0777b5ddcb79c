// The pure rules of a batch change: which subscriptions (a file of ids), which change, what it means for each DB
// (planned with a save's rules), the concurrency limiter, and the summary and report a person reads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyChange, checkChange, changesBase, changesResult, holdsChanges, parseChangeFile, planForSubscription, reverseChanges, type BatchChange } from '../../src/core/batchChange';
import { reportCsv, summaryText, totalsLine, type BatchRow } from '../../src/core/batchReport';
import { parseTargetList } from '../../src/core/batchTargets';
import type { Db } from '../../src/core/db';
import { forEachLimited } from '../../src/core/limiter';
import { mergeSave } from '../../src/core/merge';

const ids = (text: string): readonly string[] => {
  const r = parseTargetList(text);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.list.ids;
};
const refusal = (text: string): string => {
  const r = parseTargetList(text);
  assert.ok(!r.ok, 'refused');
  return r.message;
};

describe('parseTargetList', () => {
  it('reads one id a line, skipping blanks and # comments, each id once', () => {
    const r = parseTargetList('sub_a\r\n\n# retired\nsub_b\n  sub_a  \n');
    assert.ok(r.ok);
    assert.deepEqual(r.list, { ids: ['sub_a', 'sub_b'], duplicates: 1 });
  });
  it('reads the idSubscription column of a CSV file, wherever it is, with quotes', () => {
    assert.deepEqual(ids('email,idSubscription,plan\n"a,b@x.io",sub_a,pro\nc@x.io,"sub_b",free\n\n'), ['sub_a', 'sub_b']);
    assert.deepEqual(ids('idSubscription\nsub_a\nsub_a\n'), ['sub_a']);
    assert.deepEqual(ids('name;idSubscription\nx;sub_c\n'), ['sub_c']);
  });
  it('refuses a CSV file without the column, and says which column it needs', () => {
    assert.match(refusal('email,id\nx,sub_a\n'), /no "idSubscription" column/);
  });
  it('reads a JSON array of ids, and refuses other JSON in words that say what to write', () => {
    assert.deepEqual(ids('["sub_a", "sub_b", "sub_a"]'), ['sub_a', 'sub_b']);
    assert.match(refusal('[1, "sub_a"]'), /Item 1 .* not a string/);
    assert.match(refusal('["sub_a",'), /not valid JSON/);
  });
  it('refuses the whole file when one id is not an id, naming where it is', () => {
    const message = refusal('sub_a\n../etc/passwd\nsub b\nsub_c\n');
    assert.match(message, /line 2: "\.\.\/etc\/passwd", line 3: "sub b"/);
    assert.match(message, /1 to 128 letters/);
    assert.match(refusal('["sub_a", "x%2F"]'), /item 2: "x%2F"/);
  });
  it('refuses an empty file', () => {
    assert.match(refusal(' \n\n'), /lists no subscription ids/);
    assert.match(refusal('idSubscription\n'), /lists no subscription ids/);
  });
});

describe('checkChange and parseChangeFile', () => {
  it('reads a change file of set and delete', () => {
    const r = parseChangeFile('{"set": {"plan": "pro", "seats": 3}, "delete": ["trial", "trial"]}');
    assert.ok(r.ok);
    assert.deepEqual(r.change, { kind: 'edit', set: [{ key: 'plan', value: 'pro' }, { key: 'seats', value: 3 }], delete: ['trial'] });
  });
  it('refuses what a DB cannot hold, before anything is read', () => {
    const check = (text: string): string => {
      const r = parseChangeFile(text);
      assert.ok(!r.ok, text);
      return r.message;
    };
    assert.match(check('{"set": {"x": 1.5}}'), /not an integer/);
    assert.match(check('{"set": {"x": null}}'), /can't be null/);
    assert.match(check(`{"set": {"${'k'.repeat(33)}": 1}}`), /33 characters long/);
    assert.match(check('{"set": {"a": 1}, "delete": ["a"]}'), /both set and deleted/);
    assert.match(check('{"set": {}, "delete": []}'), /sets and deletes nothing/);
    assert.match(check('{"set": {"a": 1}, "rename": {}}'), /only have "set" and "delete"/);
    assert.match(check('{"delete": "a"}'), /"delete" must be an array/);
    assert.match(check('[1]'), /must be a JSON object/);
  });
  it('refuses a rename onto the same key', () => {
    const r = checkChange({ kind: 'rename', from: 'a', to: 'a' });
    assert.ok(!r.ok);
  });
  it('keeps __proto__ an ordinary key', () => {
    const r = parseChangeFile('{"set": {"__proto__": "x"}}');
    assert.ok(r.ok);
    const db = applyChange(r.change, {});
    assert.deepEqual(Object.keys(db), ['__proto__']);
    assert.equal(Object.getPrototypeOf(db), Object.prototype);
  });
});

const set = (entries: Record<string, Db[string]>, del: string[] = []): BatchChange => ({
  kind: 'edit', set: Object.entries(entries).map(([key, value]) => ({ key, value })), delete: del,
});
const twenty = (): Db => Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]));

describe('planForSubscription', () => {
  it('set: changes old → new, sends only what differs; a DB that holds it already needs nothing', () => {
    const p = planForSubscription(set({ plan: 'pro', seats: 3 }), { plan: 'free', seats: 3, other: true });
    assert.equal(p.kind, 'change');
    assert.ok(p.kind === 'change');
    assert.deepEqual(p.changes, [{ key: 'plan', kind: 'changed', before: 'free', after: 'pro' }]);
    assert.deepEqual(p.plan, { deleteKeys: [], putEntries: [{ key: 'plan', value: 'pro' }], deleteFirst: false });
    assert.deepEqual(planForSubscription(set({ plan: 'pro' }), { plan: 'pro' }), { kind: 'already' });
  });
  it('a value of another type is a change (1 is not "1")', () => {
    assert.equal(planForSubscription(set({ seats: 1 }), { seats: '1' }).kind, 'change');
  });
  it('delete: a DB without the key needs nothing', () => {
    assert.deepEqual(planForSubscription(set({}, ['trial']), { plan: 'x' }), { kind: 'already' });
    const p = planForSubscription(set({}, ['trial']), { trial: true });
    assert.ok(p.kind === 'change');
    assert.deepEqual(p.plan.deleteKeys, ['trial']);
  });
  it('a new key on a DB of 20 keys is refused with the exact limit and what to do', () => {
    const p = planForSubscription(set({ plan: 'pro' }), twenty());
    assert.ok(p.kind === 'refused');
    assert.deepEqual(p.problems, ['After the PUT the server would hold 21 keys; LogUp allows at most 20. To add or change keys, delete 1 more key in the same save.']);
  });
  it('deleting one of 20 keys while adding one sends the DELETE first', () => {
    const p = planForSubscription(set({ plan: 'pro' }, ['k00']), twenty());
    assert.ok(p.kind === 'change');
    assert.equal(p.plan.deleteFirst, true);
  });
  it('a DB already over the limits can still be changed where the change leaves the rest alone', () => {
    const over = { ...twenty(), k20: 20, bad: 1.5 } as Db;
    assert.equal(planForSubscription(set({}, ['k20']), over).kind, 'change');
    assert.equal(planForSubscription(set({ k01: 'x' }), over).kind, 'refused');
  });
  it('rename keeps the value; already renamed or nothing to rename is already so; onto an existing key is a conflict', () => {
    const rename: BatchChange = { kind: 'rename', from: 'tier', to: 'plan' };
    const p = planForSubscription(rename, { tier: 'pro', x: 1 });
    assert.ok(p.kind === 'change');
    assert.deepEqual(p.changes, [
      { key: 'plan', kind: 'added', after: 'pro' },
      { key: 'tier', kind: 'deleted', before: 'pro' },
    ]);
    assert.deepEqual(planForSubscription(rename, { plan: 'pro' }), { kind: 'already' });
    assert.deepEqual(planForSubscription(rename, {}), { kind: 'already' });
    const c = planForSubscription(rename, { tier: 'pro', plan: 'free' });
    assert.ok(c.kind === 'conflict');
    assert.deepEqual(c.keys, ['plan']);
    assert.match(c.reason, /"plan" already/);
  });
  it('a rename on a full DB sends the DELETE first, so the key count never passes 20', () => {
    const db = { ...twenty() };
    const p = planForSubscription({ kind: 'rename', from: 'k00', to: 'first' }, db);
    assert.ok(p.kind === 'change');
    assert.equal(p.plan.deleteFirst, true);
  });
  it('the changed keys alone are enough for the save\'s merge: someone else\'s change on another key is kept, on a key of the plan it is a conflict', () => {
    const p = planForSubscription(set({ plan: 'pro' }, ['trial']), { plan: 'free', trial: true, name: 'a' });
    assert.ok(p.kind === 'change');
    const base = changesBase(p.changes);
    const ours = changesResult(p.changes);
    const merged = mergeSave(base, { plan: 'free', trial: true, name: 'b', extra: 1 }, ours);
    assert.ok(merged.kind === 'merged');
    assert.deepEqual(merged.result, { plan: 'pro', name: 'b', extra: 1 });
    assert.deepEqual(mergeSave(base, { plan: 'team', trial: true }, ours), { kind: 'conflict', keys: ['plan'] });
    // Already holding the batch's values: nothing to send (a resumed batch writes nothing twice).
    const done = mergeSave(base, { plan: 'pro', name: 'b' }, ours);
    assert.ok(done.kind === 'merged' && done.plan.putEntries.length === 0 && done.plan.deleteKeys.length === 0);
    assert.equal(holdsChanges({ plan: 'pro', name: 'b' }, p.changes), true);
    assert.equal(holdsChanges({ plan: 'pro', trial: true }, p.changes), false);
  });
});

describe('reverseChanges', () => {
  it('takes each key back: added → deleted, deleted → set again, changed → old value', () => {
    const changes = [
      { key: 'n', kind: 'added' as const, after: 1 },
      { key: 'plan', kind: 'changed' as const, before: 'free', after: 'pro' },
      { key: 'trial', kind: 'deleted' as const, before: true },
    ];
    const back = reverseChanges(changes);
    assert.deepEqual(changesResult(back), changesBase(changes));
    assert.deepEqual(changesBase(back), changesResult(changes));
    assert.deepEqual(back.map((c) => c.kind), ['deleted', 'changed', 'added']);
  });
});

describe('forEachLimited', () => {
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

  it('never runs more than the limit at once, and runs every item once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachLimited(Array.from({ length: 50 }, (_, i) => i), 4, async (item) => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < (item % 3) + 1; i++) await tick();
      seen.push(item);
      running--;
    });
    assert.equal(most, 4);
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  });
  it('after a stop starts nothing new, and lets the items in flight finish', async () => {
    let stop = false;
    const started: number[] = [];
    const finished: number[] = [];
    await forEachLimited(Array.from({ length: 20 }, (_, i) => i), 3, async (item) => {
      started.push(item);
      if (item === 4) stop = true;
      await tick();
      await tick();
      finished.push(item);
    }, () => stop);
    // 0–2 start; as each ends the next starts: 3, then 4 (which stops the run), and nothing after it.
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.deepEqual([...finished].sort((a, b) => a - b), started);
  });
  it('rejects with the first error once the others in flight have ended', async () => {
    const finished: number[] = [];
    await assert.rejects(forEachLimited([0, 1, 2, 3, 4], 2, async (i) => {
      await tick();
      if (i === 1) throw new Error('boom');
      await tick();
      finished.push(i);
    }), /boom/);
    // 1 fails while 0 is in flight: 0 still ends, and 2 is never started.
    assert.deepEqual(finished, [0]);
  });
  it('refuses a limit below 1', async () => {
    await assert.rejects(forEachLimited([1], 0, async () => undefined), RangeError);
  });
});

describe('summaryText and reportCsv', () => {
  const rows: BatchRow[] = [
    { idSubscription: 'sub_a', state: 'change', changes: [{ key: 'plan', kind: 'changed', before: 'free', after: 'pro' }] },
    { idSubscription: 'sub_b', state: 'already' },
    { idSubscription: 'sub_c', state: 'refused', detail: 'After the PUT the server would hold 21 keys; LogUp allows at most 20.' },
    { idSubscription: 'sub_d', state: 'notFound' },
    { idSubscription: 'sub_e', state: 'change', changes: [{ key: 'trial', kind: 'deleted', before: true }, { key: 'n', kind: 'added', after: 1 }] },
  ];
  it('puts the totals at the top, then each state with its subscriptions', () => {
    assert.equal(totalsLine(rows), '2 will change, 1 already so, 1 refused, 1 not found');
    assert.equal(summaryText(['Gate: demo', 'Change: set "plan" to "pro"'], rows), [
      'Gate: demo',
      'Change: set "plan" to "pro"',
      '',
      'Total: 5 subscriptions: 2 will change, 1 already so, 1 refused, 1 not found.',
      '',
      '## will change (2)',
      'sub_a: "plan": "free" → "pro"',
      'sub_e: "trial": true → (deleted); "n": (new) → 1',
      '',
      '## already so (1)',
      'sub_b',
      '',
      '## refused (1)',
      'sub_c: After the PUT the server would hold 21 keys; LogUp allows at most 20.',
      '',
      '## not found (1)',
      'sub_d',
      '',
    ].join('\n'));
  });
  it('writes a CSV row per key changed, quoted where needed, never a formula', () => {
    const csv = reportCsv([...rows.slice(0, 3), { idSubscription: 'sub_f', state: 'done', changes: [{ key: '=cmd', kind: 'added', after: 'a,"b"' }] }]);
    assert.equal(csv, [
      'idSubscription,state,key,before,after,detail',
      'sub_a,change,plan,"""free""","""pro""",',
      'sub_b,already,,,,',
      'sub_c,refused,,,,After the PUT the server would hold 21 keys; LogUp allows at most 20.',
      `sub_f,done,'=cmd,,"""a,\\""b\\""""",`,
      '',
    ].join('\r\n'));
  });
});
