import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyPlan, dbEquals, describePlan, isEmptyPlan, planProblems, planSave, type SavePlan } from '../../src/core/savePlan';
import { analyzeDbDocument, serializeDb } from '../../src/core/dbDocument';
import { DB_LIMITS, sameAt, valueAt, withEntry, type Db, type DbValue } from '../../src/core/db';

/** n keys k01…kNN with integer values. */
const keys = (n: number, from = 1): Db =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(from + i).padStart(2, '0')}`, from + i]));

describe('planSave', () => {
  it('sends nothing when nothing changed, including for two empty DBs', () => {
    for (const [base, edited] of [[{}, {}], [{ a: 1, b: 'x' }, { b: 'x', a: 1 }]] as [Db, Db][]) {
      const plan = planSave(base, edited);
      assert.deepEqual(plan, { deleteKeys: [], putEntries: [], deleteFirst: false });
      assert.ok(isEmptyPlan(plan));
      assert.equal(describePlan(plan), 'no change');
    }
  });
  it('puts added and changed keys, deletes removed ones, leaves unchanged ones out, all sorted', () => {
    const plan = planSave({ keep: 1, change: 'old', gone: true, alsoGone: 0 }, { keep: 1, change: 'new', zAdded: 5, added: false });
    assert.deepEqual(plan.deleteKeys, ['alsoGone', 'gone']);
    assert.deepEqual(plan.putEntries, [{ key: 'added', value: false }, { key: 'change', value: 'new' }, { key: 'zAdded', value: 5 }]);
    assert.equal(plan.deleteFirst, false);
    assert.equal(describePlan(plan), 'delete 2 keys and add or change 3 keys');
  });
  it('treats a change of type as a change: 1 vs "1", true vs "true", 0 vs false', () => {
    const plan = planSave({ n: 1, b: true, z: 0, s: '' }, { n: '1', b: 'true', z: false, s: '' });
    assert.deepEqual(plan.putEntries, [{ key: 'b', value: 'true' }, { key: 'n', value: '1' }, { key: 'z', value: false }]);
    assert.ok(!dbEquals({ n: 1 }, { n: '1' }));
  });
  it('from and to an empty DB', () => {
    assert.deepEqual(planSave({}, { a: 1 }), { deleteKeys: [], putEntries: [{ key: 'a', value: 1 }], deleteFirst: false });
    assert.deepEqual(planSave({ a: 1, b: 2 }, {}), { deleteKeys: ['a', 'b'], putEntries: [], deleteFirst: false });
    assert.equal(describePlan(planSave({ a: 1 }, {})), 'delete 1 key');
  });
  it('does not confuse keys with Object.prototype members', () => {
    const base = JSON.parse('{"__proto__": 1, "constructor": 2}') as Db;
    const plan = planSave(base, { toString: 'x', constructor: 2 });
    assert.deepEqual(plan.deleteKeys, ['__proto__']);
    assert.deepEqual(plan.putEntries, [{ key: 'toString', value: 'x' }]);
    const after = applyPlan(base, plan);
    assert.deepEqual(Object.keys(after).sort(), ['constructor', 'toString']);
    assert.equal(Object.getPrototypeOf(after), Object.prototype);
  });

  describe('the 20-key limit during the save', () => {
    it('PUT goes first when the union stays at 20', () => {
      const plan = planSave(keys(19), { ...keys(18), k20: 20 });
      assert.deepEqual([plan.deleteKeys, plan.putEntries.map((e) => e.key), plan.deleteFirst], [['k19'], ['k20'], false]);
      assert.deepEqual(planProblems(keys(19), plan), []);
    });
    it('DELETE goes first when putting first would briefly hold 21 keys', () => {
      const base = keys(20);
      const edited = { ...keys(19), k21: 21 };
      const plan = planSave(base, edited);
      assert.equal(plan.deleteFirst, true);
      assert.deepEqual(planProblems(base, plan), []);
      assert.ok(dbEquals(applyPlan(base, plan), edited));
      // The same plan in the other order breaks the limit, which is why the order matters.
      assert.match(planProblems(base, { ...plan, deleteFirst: false }).join('\n'), /21 keys/);
    });
    it('replacing all 20 keys with 20 others deletes first', () => {
      const plan = planSave(keys(20), keys(20, 21));
      assert.equal(plan.deleteFirst, true);
      assert.deepEqual(planProblems(keys(20), plan), []);
    });
    it('changing values of a full DB needs no DELETE and stays PUT-only', () => {
      const edited = { ...keys(20), k01: 'changed' };
      const plan = planSave(keys(20), edited);
      assert.deepEqual([plan.deleteKeys, plan.deleteFirst], [[], false]);
      assert.deepEqual(planProblems(keys(20), plan), []);
    });
  });
});

describe('applyPlan and planProblems', () => {
  it('applies both orders to the same result when no key is in both lists', () => {
    const base = { a: 1, b: 2 };
    const plan: SavePlan = { deleteKeys: ['a'], putEntries: [{ key: 'c', value: 3 }], deleteFirst: false };
    assert.deepEqual(applyPlan(base, plan), { b: 2, c: 3 });
    assert.deepEqual(applyPlan(base, { ...plan, deleteFirst: true }), { b: 2, c: 3 });
    assert.deepEqual(base, { a: 1, b: 2 }, 'base untouched');
  });
  it('names every limit a hand-made plan would break', () => {
    const plan: SavePlan = {
      deleteKeys: ['x', 'x'],
      putEntries: [
        { key: '', value: 1 },
        { key: 'k'.repeat(33), value: 1 },
        { key: 'f', value: 1.5 },
        { key: 'big', value: 2 ** 53 },
        { key: 'long', value: '€'.repeat(342) },
        { key: 'nul', value: null as unknown as DbValue },
        { key: 'x', value: 1 },
      ],
      deleteFirst: false,
    };
    const text = planProblems(keys(15), plan).join('\n');
    for (const expected of [/can't be empty/, /33 characters/, /1\.5 is not an integer/, /safe integer/, /1026 bytes/, /can't be null/, /DELETE lists key "x" twice/, /both put and deleted/, /22 keys/]) {
      assert.match(text, expected);
    }
  });
});

describe('planSave property: thousands of random bases and edits', () => {
  const safeInt = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
  const key = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: DB_LIMITS.maxKeyLength }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 3 }),
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '1', '10', '9', 'é'.repeat(32), '😀'.repeat(32)),
  );
  /** Strings up to the byte limit, many of them close to it. */
  const nearLimit = fc.tuple(fc.constantFrom('a', 'é', '€', '😀'), fc.integer({ min: 0, max: 8 })).map(([c, slack]) => {
    const bytes = Buffer.byteLength(c);
    return c.repeat(Math.floor(DB_LIMITS.maxValueBytes / bytes) - slack);
  });
  const anyString = fc.string({ unit: 'binary', maxLength: 300 }).filter((s) => Buffer.byteLength(s) <= DB_LIMITS.maxValueBytes);
  const value: fc.Arbitrary<DbValue> = fc.oneof(fc.boolean(), safeInt, fc.integer({ min: -3, max: 3 }), anyString, nearLimit);
  // Sizes drawn uniformly from 0 to 20: fast-check's default sizing would almost never reach a full DB.
  const entries = fc.integer({ min: 0, max: DB_LIMITS.maxKeys }).chain((n) =>
    fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, minLength: n, maxLength: n }));
  const toDb = (list: readonly (readonly [string, DbValue])[]): Db => Object.fromEntries(list) as Db;

  /** An edit of base: each key kept, deleted, changed or retyped, plus new keys, at most 20 in all. */
  const baseAndEdit = entries.chain((baseList) =>
    fc.record({
      ops: fc.array(fc.constantFrom('keep', 'delete', 'change', 'retype'), { minLength: baseList.length, maxLength: baseList.length }),
      changes: fc.array(value, { minLength: baseList.length, maxLength: baseList.length }),
      added: entries,
    }).map(({ ops, changes, added }) => {
      const edit: [string, DbValue][] = [];
      baseList.forEach(([k, v], i) => {
        const op = ops[i];
        if (op === 'keep') edit.push([k, v]);
        else if (op === 'change') edit.push([k, changes[i] as DbValue]);
        else if (op === 'retype') edit.push([k, typeof v === 'string' ? v.length : String(v)]);
      });
      for (const [k, v] of added) {
        if (edit.length >= DB_LIMITS.maxKeys) break;
        if (!edit.some(([e]) => e === k)) edit.push([k, v]);
      }
      return { base: toDb(baseList), edit: toDb(edit) };
    }),
  );

  it('applying the plan gives the edit, no request breaks a limit, and both DBs round-trip through the text', () => {
    let deleteFirst = 0;
    fc.assert(
      fc.property(baseAndEdit, ({ base, edit }) => {
        const plan = planSave(base, edit);
        if (plan.deleteFirst) deleteFirst++;
        assert.ok(dbEquals(applyPlan(base, plan), edit), 'server ends with the edit');
        assert.deepEqual(planProblems(base, plan), []);
        assert.equal(isEmptyPlan(plan), dbEquals(base, edit));
        for (const db of [base, edit]) {
          const back = analyzeDbDocument(serializeDb(db));
          if (!back.ok) assert.fail(JSON.stringify(back.problems));
          assert.ok(dbEquals(back.db, db), 'round-trip');
        }
      }),
      { numRuns: 3000 },
    );
    // The interesting case (a full DB whose keys are swapped) must actually have been exercised.
    assert.ok(deleteFirst >= 30, `only ${deleteFirst} runs needed DELETE first`);
  });
});

describe('keys named like Object members are plain own keys everywhere', () => {
  const members = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
  const withMembers = (value: (i: number) => DbValue): Db => Object.fromEntries(members.map((k, i) => [k, value(i)])) as Db;

  it('planSave adds, changes and deletes them like any key, and applyPlan writes them as own keys', () => {
    const added = planSave({}, withMembers((i) => i));
    assert.deepEqual(added.putEntries.map((e) => e.key), [...members].sort());
    const after = applyPlan({}, added);
    assert.deepEqual(Object.keys(after).sort(), [...members].sort());
    assert.equal(Object.getPrototypeOf(after), Object.prototype, 'the prototype is not replaced');
    assert.equal(after.__proto__, 0);
    assert.ok(dbEquals(after, withMembers((i) => i)));

    const changed = planSave(after, withMembers((i) => `v${i}`));
    assert.deepEqual([changed.deleteKeys, changed.putEntries.length], [[], members.length]);
    const removed = planSave(after, {});
    assert.deepEqual(removed.deleteKeys, [...members].sort());
    assert.deepEqual(applyPlan(after, removed), {});
  });
  it('an absent member-named key is absent, not the inherited function or prototype', () => {
    assert.ok(isEmptyPlan(planSave({}, {})));
    assert.ok(!dbEquals({}, withMembers(() => 1)));
    assert.ok(!dbEquals(withMembers(() => 1), {}));
    assert.ok(dbEquals(withMembers(() => 'x'), withMembers(() => 'x')));
    assert.ok(!dbEquals(withMembers(() => 'x'), withMembers((i) => (i === 0 ? 'y' : 'x'))), '__proto__ values compared');
    // Deleting a key the server does not hold leaves the object alone.
    const after = applyPlan({ a: 1 }, { deleteKeys: ['constructor', '__proto__'], putEntries: [], deleteFirst: false });
    assert.deepEqual(Object.keys(after), ['a']);
    assert.equal(Object.getPrototypeOf(after), Object.prototype);
  });
  it('withEntry, valueAt and sameAt read and write own keys only', () => {
    const db = withEntry({}, '__proto__', 'p');
    assert.ok(Object.hasOwn(db, '__proto__'));
    assert.equal(Object.getPrototypeOf(db), Object.prototype);
    assert.equal(valueAt(db, '__proto__'), 'p');
    assert.equal(valueAt(db, 'constructor'), undefined);
    assert.deepEqual(Object.keys(withEntry(db, '__proto__', undefined)), []);
    assert.ok(sameAt({}, {}, 'toString'));
    assert.ok(!sameAt({}, withEntry({}, 'toString', 1), 'toString'));
    assert.ok(!sameAt({ n: 1 }, { n: '1' }, 'n'), 'type counts');
  });
});
