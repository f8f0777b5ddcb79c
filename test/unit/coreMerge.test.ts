import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeChange, mergeSave, type MergeResult } from '../../src/core/merge';
import { applyPlan, dbEquals, isEmptyPlan, planProblems, planSave, type SavePlan } from '../../src/core/savePlan';
import { DB_LIMITS, type Db, type DbValue } from '../../src/core/db';

/** n keys k01…kNN with integer values. */
const keys = (n: number, from = 1): Db =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(from + i).padStart(2, '0')}`, from + i]));
const without = (db: Db, ...drop: string[]): Db => Object.fromEntries(Object.entries(db).filter(([k]) => !drop.includes(k)));
const parse = (json: string): Db => JSON.parse(json) as Db;

function merged(result: MergeResult): { plan: SavePlan; result: Db } {
  if (result.kind !== 'merged') assert.fail(`conflict on ${result.keys.join(', ')}`);
  return result;
}

describe('mergeSave', () => {
  it('with no change on the server, sends exactly the user\'s change', () => {
    const base = { a: 1, b: 'x', c: true };
    const ours = { a: 2, c: true, d: 'new' };
    const { plan, result } = merged(mergeSave(base, base, ours));
    assert.deepEqual(plan, planSave(base, ours));
    assert.deepEqual(result, ours);
  });
  it('keeps what the server added or changed in keys the user did not touch', () => {
    const base = { a: 1, b: 'x', gone: 0 };
    const theirs = { a: 1, b: 'server', added: true, gone: 0 };
    const ours = { a: 2, b: 'x' };
    const { plan, result } = merged(mergeSave(base, theirs, ours));
    assert.deepEqual(plan, { deleteKeys: ['gone'], putEntries: [{ key: 'a', value: 2 }], deleteFirst: false });
    assert.deepEqual(result, { a: 2, b: 'server', added: true });
    assert.ok(dbEquals(applyPlan(theirs, plan), result));
  });
  it('sends nothing for a key the server already changed exactly as the user did', () => {
    const base = { a: 1, b: 2, c: 3 };
    const theirs = { a: 'same', c: 3, d: 'both added' };
    const ours = { a: 'same', c: 3, d: 'both added' };
    const { plan, result } = merged(mergeSave(base, theirs, ours));
    assert.ok(isEmptyPlan(plan));
    assert.deepEqual(result, theirs);
  });
  it('a change of type on one side and the same value of another type on the other is a conflict', () => {
    assert.deepEqual(mergeSave({ n: 0 }, { n: '1' }, { n: 1 }), { kind: 'conflict', keys: ['n'] });
  });
  it('reports, sorted, every key both sides changed differently, whatever the kind of change', () => {
    const base = { edited: 1, deleted: 2, changed: 3, calm: 4 };
    const theirs = { changed: 'server', deleted: 'server', calm: 4, zAdded: 'server', aAdded: 1 };
    const ours = { edited: 'user', changed: 'user', calm: 5, zAdded: 'user', aAdded: 1 };
    // The server deleted "edited" the user edited, changed "deleted" the user deleted, both added "zAdded"
    // differently and changed "changed" differently; "aAdded" was added identically; "calm" only by the user.
    assert.deepEqual(mergeSave(base, theirs, ours), { kind: 'conflict', keys: ['changed', 'deleted', 'edited', 'zAdded'] });
  });
  it('orders the plan against the server\'s DB now: its additions can make the DELETE go first', () => {
    const base = keys(19);
    const theirs = { ...base, server: 'added' };
    const ours = { ...without(base, 'k01'), user: 'added' };
    const { plan, result } = merged(mergeSave(base, theirs, ours));
    assert.deepEqual([plan.deleteKeys, plan.putEntries, plan.deleteFirst], [['k01'], [{ key: 'user', value: 'added' }], true]);
    assert.equal(Object.keys(result).length, 20);
    assert.deepEqual(planProblems(theirs, plan), []);
    // Planned against the editor's base alone, the PUT would go first and briefly hold 21 keys on the server.
    assert.equal(planSave(base, ours).deleteFirst, false);
  });
  it('leaves the 20-key check to planProblems when the server\'s additions push the result over', () => {
    const base = keys(20);
    const theirs = { ...base, server: 1 };
    const { plan, result } = merged(mergeSave(base, theirs, { ...base, k01: 'x' }));
    assert.equal(Object.keys(result).length, 21);
    assert.match(planProblems(theirs, plan).join('\n'), /21 keys/);
  });
  it('handles keys named like Object members as plain keys', () => {
    const base = parse('{"__proto__": 1, "constructor": 2, "toString": 3}');
    const theirs = parse('{"__proto__": 1, "constructor": "server", "toString": 3, "hasOwnProperty": true}');
    const ours = parse('{"__proto__": "user", "constructor": 2, "valueOf": 0}');
    const { plan, result } = merged(mergeSave(base, theirs, ours));
    assert.deepEqual(plan.putEntries, [{ key: '__proto__', value: 'user' }, { key: 'valueOf', value: 0 }]);
    assert.deepEqual(plan.deleteKeys, ['toString']);
    assert.ok(dbEquals(result, parse('{"__proto__": "user", "constructor": "server", "hasOwnProperty": true, "valueOf": 0}')));
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.ok(dbEquals(applyPlan(theirs, plan), result));
    // The user adds "toString"; the server does not have it: that is no conflict with the inherited method.
    assert.equal(mergeSave({}, {}, { toString: 'x' }).kind, 'merged');
    assert.deepEqual(mergeSave({}, { constructor: 1 }, { constructor: 2 }), { kind: 'conflict', keys: ['constructor'] });
  });
});

describe('describeChange', () => {
  it('lists added, changed and deleted keys with their values, sorted by key; type counts', () => {
    assert.deepEqual(describeChange({ b: 1, c: 'x', d: true, same: 0 }, { a: 'new', b: '1', d: true, same: 0 }), [
      { key: 'a', kind: 'added', after: 'new' },
      { key: 'b', kind: 'changed', before: 1, after: '1' },
      { key: 'c', kind: 'deleted', before: 'x' },
    ]);
    assert.deepEqual(describeChange({ a: 1 }, { a: 1 }), []);
  });
  it('reads keys named like Object members as own keys', () => {
    assert.deepEqual(describeChange(parse('{"__proto__": 1, "toString": 2}'), parse('{"__proto__": 1, "constructor": 3}')), [
      { key: 'constructor', kind: 'added', after: 3 },
      { key: 'toString', kind: 'deleted', before: 2 },
    ]);
  });
});

describe('mergeSave property: random bases, server changes and user changes', () => {
  const key = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '1', '10', 'é', '😀'),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 }),
  );
  // Short strings only: the values each side writes in an overlap are longer, so they can never match a base value.
  const value: fc.Arbitrary<DbValue> = fc.oneof(fc.boolean(), fc.integer({ min: -3, max: 3 }), fc.string({ maxLength: 4 }));
  /** What one side leaves at a key: a value, or undefined for no key. */
  const state = fc.option(value, { nil: undefined, freq: 3 });
  const role = fc.constantFrom('none', 'theirs', 'ours', 'same', 'overlap');
  const slot = fc.record({ key, inBase: fc.nat(3).map((n) => n > 0), baseValue: value, role, theirs: state, ours: state, tag: fc.nat(99) });

  /** base, theirs and ours built from per-key roles; `overlap` keys are changed differently on both sides. */
  // Sizes drawn uniformly up to 26 keys: fast-check's default sizing would almost never reach a full DB.
  const slots = fc.integer({ min: 0, max: 26 }).chain((n) => fc.uniqueArray(slot, { selector: (s) => s.key, minLength: n, maxLength: n }));
  const scenario = (allowOverlap: boolean) => slots.map((slots) => {
    const base = new Map<string, DbValue>();
    const theirs = new Map<string, DbValue>();
    const ours = new Map<string, DbValue>();
    const both = new Map<string, DbValue>();
    const overlap: string[] = [];
    const put = (m: Map<string, DbValue>, k: string, v: DbValue | undefined): void => {
      if (v === undefined) m.delete(k);
      else m.set(k, v);
    };
    for (const s of slots) {
      const b = s.inBase ? s.baseValue : undefined;
      for (const m of [base, theirs, ours, both]) put(m, s.key, b);
      const r = s.role === 'overlap' && !allowOverlap ? 'none' : s.role;
      if (r === 'theirs' || r === 'same') {
        put(theirs, s.key, s.theirs);
        put(both, s.key, s.theirs);
      }
      if (r === 'ours') {
        put(ours, s.key, s.ours);
        put(both, s.key, s.ours);
      }
      if (r === 'same') put(ours, s.key, s.theirs);
      if (r === 'overlap') {
        // Two different changes: deletion vs value, or two values no base value can equal.
        const t = s.theirs === undefined && b !== undefined ? undefined : `server ${s.tag}`;
        const o = t === undefined || s.ours !== undefined ? `user ${s.tag}!` : b === undefined ? `user ${s.tag}` : undefined;
        put(theirs, s.key, t);
        put(ours, s.key, o);
        overlap.push(s.key);
      }
    }
    const db = (m: Map<string, DbValue>): Db => Object.fromEntries(m) as Db;
    return { base: db(base), theirs: db(theirs), ours: db(ours), both: db(both), overlap: overlap.sort() };
  });

  it('disjoint changes merge: the result holds both, the plan sends only the user\'s change, and keeps the limits', () => {
    let checkedLimits = 0;
    let deleteFirst = 0;
    fc.assert(
      fc.property(scenario(false), ({ base, theirs, ours, both }) => {
        const { plan, result } = merged(mergeSave(base, theirs, ours));
        assert.ok(dbEquals(result, both), 'both changes applied to base');
        assert.ok(dbEquals(applyPlan(theirs, plan), result), 'the plan turns the server\'s DB into the result');
        const userKeys = new Set(describeChange(base, ours).map((c) => c.key));
        for (const k of [...plan.deleteKeys, ...plan.putEntries.map((e) => e.key)]) assert.ok(userKeys.has(k), `${k} was not changed by the user`);
        if (Object.keys(result).length <= DB_LIMITS.maxKeys) {
          checkedLimits++;
          assert.deepEqual(planProblems(theirs, plan), []);
        }
        if (plan.deleteFirst) deleteFirst++;
      }),
      { numRuns: 3000 },
    );
    assert.ok(checkedLimits >= 1000, `limits checked in only ${checkedLimits} runs`);
    assert.ok(deleteFirst >= 20, `only ${deleteFirst} runs needed DELETE first`);
  });

  it('changes of the same key that differ are reported, exactly those keys', () => {
    let conflicts = 0;
    fc.assert(
      fc.property(scenario(true), ({ base, theirs, ours, both, overlap }) => {
        const result = mergeSave(base, theirs, ours);
        if (overlap.length === 0) {
          assert.ok(dbEquals(merged(result).result, both));
          return;
        }
        conflicts++;
        assert.deepEqual(result, { kind: 'conflict', keys: overlap });
      }),
      { numRuns: 3000 },
    );
    assert.ok(conflicts >= 1000, `only ${conflicts} runs had a conflict`);
  });
});
