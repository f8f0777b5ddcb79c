// The save rules when the server's DB already breaks a limit: a save is checked only on what it sends, the same way
// by the document analysis (with a base) and by planProblems.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDbDocument, serializeDb, type DbAnalysis, type DbProblemCode } from '../../src/core/dbDocument';
import { DB_LIMITS, withEntry, type Db, type DbValue } from '../../src/core/db';
import { applyPlan, dbEquals, isEmptyPlan, planProblems, planSave } from '../../src/core/savePlan';

/** n keys k01…kNN with integer values. */
const keys = (n: number, from = 1): Db =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(from + i).padStart(2, '0')}`, from + i]));
const without = (db: Db, ...drop: string[]): Db => Object.fromEntries(Object.entries(db).filter(([k]) => !drop.includes(k)));
const parse = (json: string): Db => JSON.parse(json) as Db;

type Shown = { code: DbProblemCode; text: string };
/** Errors and warnings as (code, underlined text) pairs. */
function shown(text: string, result: DbAnalysis): { problems: Shown[]; warnings: Shown[] } {
  const pick = (list: readonly { code: DbProblemCode; offset: number; length: number }[]): Shown[] =>
    list.map((p) => ({ code: p.code, text: text.slice(p.offset, p.offset + p.length) }));
  return { problems: result.ok ? [] : pick(result.problems), warnings: pick(result.warnings) };
}

/** Analyses the edit's canonical text against base; the document must be accepted. */
function accepted(base: Db, edit: Db): { db: Db; warnings: Shown[]; text: string } {
  const text = serializeDb(edit);
  const result = analyzeDbDocument(text, { base });
  if (!result.ok) assert.fail(`refused: ${JSON.stringify(result.problems)}`);
  return { db: result.db, warnings: shown(text, result).warnings, text };
}

describe('a server DB over 20 keys', () => {
  const base = keys(22);

  it('opens with one warning on the 21st key, and saving it unchanged sends nothing', () => {
    const { db, warnings } = accepted(base, base);
    assert.deepEqual(warnings, [{ code: 'tooManyKeys', text: '"k21"' }]);
    const result = analyzeDbDocument(serializeDb(base), { base });
    assert.match(result.warnings[0]?.message ?? '', /22 keys, over LogUp's limit of 20.*Saving deletions is allowed.*remove 2 keys/);
    assert.ok(isEmptyPlan(planSave(base, db)));
  });
  it('a deletion that leaves 21 keys is allowed, still with the warning', () => {
    const { db, warnings } = accepted(base, without(base, 'k05'));
    assert.deepEqual(warnings.map((w) => w.code), ['tooManyKeys']);
    const plan = planSave(base, db);
    assert.deepEqual([plan.deleteKeys, plan.putEntries], [['k05'], []]);
    assert.deepEqual(planProblems(base, plan), []);
  });
  it('a change with enough deletions is allowed, and the deletions go first', () => {
    const edit = { ...without(base, 'k01', 'k02'), k03: 'changed' };
    const { db, warnings } = accepted(base, edit);
    assert.deepEqual(warnings, []);
    const plan = planSave(base, db);
    assert.equal(plan.deleteFirst, true);
    assert.deepEqual(planProblems(base, plan), []);
    assert.ok(dbEquals(applyPlan(base, plan), edit));
  });
  it('a change without enough deletions is refused, in the document and in the plan, saying deleting alone is allowed', () => {
    const edit = { ...without(base, 'k01'), k03: 'changed' };
    const text = serializeDb(edit);
    const result = analyzeDbDocument(text, { base });
    assert.deepEqual(shown(text, result).problems, [{ code: 'tooManyKeys', text: '"k22"' }]);
    assert.ok(!result.ok);
    assert.match(result.problems[0]?.message ?? '', /key 21 of 21.*Remove 1 key\. A save that only deletes keys is allowed\./);
    assert.match(planProblems(base, planSave(base, edit)).join('\n'), /After the PUT the server would hold 21 keys.*delete 1 more key/);
  });
  it('adding a key is refused even with no other change', () => {
    const text = serializeDb({ ...base, new: 1 });
    assert.deepEqual(shown(text, analyzeDbDocument(text, { base })).problems.map((p) => p.code), ['tooManyKeys', 'tooManyKeys', 'tooManyKeys']);
    assert.equal(planProblems(base, planSave(base, { ...base, new: 1 })).length, 1);
  });
  it('planProblems: a delete-only plan is always allowed; a PUT must come after enough deletions', () => {
    assert.deepEqual(planProblems(base, { deleteKeys: ['k01'], putEntries: [], deleteFirst: false }), []);
    assert.deepEqual(planProblems(keys(40), { deleteKeys: ['k01'], putEntries: [], deleteFirst: true }), []);
    const change = { deleteKeys: ['k01', 'k02'], putEntries: [{ key: 'k03', value: 'x' }], deleteFirst: true };
    assert.deepEqual(planProblems(base, change), []);
    assert.match(planProblems(base, { ...change, deleteFirst: false }).join('\n'), /22 keys.*send the DELETE first/);
  });
  it('without a base, the same document is refused as before', () => {
    const result = analyzeDbDocument(serializeDb(without(base, 'k05')));
    assert.ok(!result.ok);
    assert.deepEqual([result.problems.map((p) => p.code), result.warnings], [['tooManyKeys'], []]);
  });
});

describe('values and keys another client wrote out of the limits', () => {
  it('an unchanged 1.5 is a warning and stays in the DB; other changes are saved without it', () => {
    const base = parse('{"ratio": 1.5, "n": 1}');
    const { db, warnings, text } = accepted(base, { ratio: 1.5, n: 2 });
    assert.deepEqual(warnings, [{ code: 'floatValue', text: '1.5' }]);
    const warning = analyzeDbDocument(text, { base }).warnings[0];
    assert.match(warning?.message ?? '', /not an integer.*unchanged from the server's DB, so saving does not send it and is allowed/);
    assert.ok(Object.is(db.ratio, 1.5));
    const plan = planSave(base, db);
    assert.deepEqual(plan.putEntries, [{ key: 'n', value: 2 }]);
    assert.deepEqual(planProblems(base, plan), []);
  });
  it('deleting the out-of-limit key is allowed', () => {
    const base = parse('{"ratio": 1.5, "n": 1}');
    const { db, warnings } = accepted(base, { n: 1 });
    assert.deepEqual([warnings, planSave(base, db)], [[], { deleteKeys: ['ratio'], putEntries: [], deleteFirst: false }]);
  });
  it('a changed or retyped value must meet the limits', () => {
    const base = parse('{"ratio": 1.5, "s": "1.5", "i": 1}');
    for (const [edit, code] of [['{"ratio": 2.5}', 'floatValue'], ['{"s": 1.5}', 'floatValue'], ['{"i": 1.5}', 'floatValue'], ['{"new": 1.5}', 'floatValue']] as const) {
      const result = analyzeDbDocument(edit, { base });
      assert.ok(!result.ok, edit);
      assert.deepEqual([result.problems.map((p) => p.code), result.warnings], [[code], []], edit);
    }
    assert.ok(analyzeDbDocument('{"ratio": "1.5"}', { base }).ok, 'a fix is accepted');
  });
  it('every per-key limit follows the same rule: a warning while unchanged, an error once changed', () => {
    const longKey = 'k'.repeat(33);
    const base: Db = Object.fromEntries([
      [longKey, 1], ['', 'empty key'], ['big', 2 ** 60], ['huge', 1e21], ['long', 'x'.repeat(1025)],
      ['lone\ud800', 'key'], ['loneValue', 'a\udc00'],
    ]);
    // Each key, changed to another value that still breaks the same limit.
    const stillBad: [string, DbValue, DbProblemCode][] = [
      [longKey, 2, 'keyTooLong'], ['', 2, 'emptyKey'], ['big', 2 ** 61, 'unsafeInteger'], ['huge', 1e22, 'floatValue'],
      ['long', 'y'.repeat(1025), 'valueTooLong'], ['lone\ud800', 'other', 'keyNotWellFormed'], ['loneValue', 'b\udc00', 'valueNotWellFormed'],
    ];
    const { db, warnings } = accepted(base, base);
    assert.ok(dbEquals(db, base), 'the DB read back holds every value as the server does');
    assert.deepEqual(warnings.map((w) => w.code).sort(), stillBad.map(([, , code]) => code).sort());
    for (const [key, value, code] of stillBad) {
      const changed = withEntry(base, key, value);
      const result = analyzeDbDocument(serializeDb(changed), { base });
      assert.ok(!result.ok, key);
      assert.deepEqual(result.problems.map((p) => p.code), [code], key);
      assert.equal(result.warnings.length, stillBad.length - 1, 'the other keys stay warnings');
      assert.equal(planProblems(base, planSave(base, changed)).length, 1, key);
    }
  });
  it('structural problems stay errors whatever the base', () => {
    const base = parse('{"a": 1}');
    for (const text of ['{"a": 1, "a": 1}', '{"a": 1,}', '[1]', '', '{"a": null}', '{"a": 1} x']) {
      const result = analyzeDbDocument(text, { base });
      assert.equal(result.ok, false, text);
    }
  });
  it('keys named like Object members are compared as own keys only', () => {
    const base = parse('{"__proto__": 1.5, "constructor": "c"}');
    const { db, warnings } = accepted(base, base);
    assert.deepEqual(warnings.map((w) => w.text), ['1.5']);
    assert.ok(Object.hasOwn(db, '__proto__') && Object.getPrototypeOf(db) === Object.prototype);
    // Inherited members are not "unchanged": a base without those keys gives no pass to a bad value under their name.
    for (const key of ['toString', 'hasOwnProperty', 'valueOf', '__proto__', 'constructor']) {
      const result = analyzeDbDocument(`{${JSON.stringify(key)}: 1.5}`, { base: {} });
      assert.ok(!result.ok && result.problems[0]?.code === 'floatValue', key);
    }
  });
});

describe('one rule for the document and the plan (property)', () => {
  const key = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a', 'b', '1', '', 'k'.repeat(33), 'x\ud800'),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 4 }),
  );
  const good: fc.Arbitrary<DbValue> = fc.oneof(fc.boolean(), fc.integer({ min: -5, max: 5 }), fc.string({ maxLength: 5 }));
  const bad: fc.Arbitrary<DbValue> = fc.constantFrom(1.5, -0.25, 1e21, 2 ** 53, -(2 ** 60), 'x'.repeat(1025), '€'.repeat(342), '\ud800', 'a\udc00b');
  const value = fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: bad, weight: 1 });
  const list = (max: number): fc.Arbitrary<[string, DbValue][]> => fc.integer({ min: 0, max }).chain((n) =>
    fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, minLength: 0, maxLength: n }));
  const numbered = fc.integer({ min: 0, max: 24 }).map((n) => Object.entries(keys(n)));
  const baseAndEdit = fc.tuple(list(6), numbered).chain(([few, many]) => {
    const baseList = [...many, ...few];
    return fc.record({
      ops: fc.array(fc.constantFrom('keep', 'keep', 'delete', 'change'), { minLength: baseList.length, maxLength: baseList.length }),
      changes: fc.array(value, { minLength: baseList.length, maxLength: baseList.length }),
      added: list(3),
    }).map(({ ops, changes, added }) => {
      const edit = new Map<string, DbValue>();
      baseList.forEach(([k, v], i) => {
        if (ops[i] === 'keep') edit.set(k, v);
        else if (ops[i] === 'change') edit.set(k, changes[i] as DbValue);
      });
      for (const [k, v] of added) if (!baseList.some(([b]) => b === k)) edit.set(k, v);
      return { base: Object.fromEntries(baseList) as Db, edit: Object.fromEntries(edit) as Db };
    });
  });

  it('the document is accepted exactly when the plan breaks no limit, and then it reads back as the edit', () => {
    const seen = { accepted: 0, refused: 0, warned: 0 };
    fc.assert(
      fc.property(baseAndEdit, ({ base, edit }) => {
        const result = analyzeDbDocument(serializeDb(edit), { base });
        const plan = planSave(base, edit);
        const problems = planProblems(base, plan);
        assert.equal(result.ok, problems.length === 0, `document ${result.ok ? 'accepted' : 'refused'}, plan: ${problems.join(' ')}`);
        if (result.ok) {
          assert.ok(dbEquals(result.db, edit), 'reads back as the edit');
          assert.ok(dbEquals(applyPlan(base, plan), edit));
          seen.accepted++;
          if (result.warnings.length > 0) seen.warned++;
        } else {
          seen.refused++;
        }
        const alone = analyzeDbDocument(serializeDb(edit));
        const valid = Object.entries(edit).every(([k, v]) => planProblems({}, { deleteKeys: [], putEntries: [{ key: k, value: v }], deleteFirst: false }).length === 0);
        assert.equal(alone.ok, valid && Object.keys(edit).length <= DB_LIMITS.maxKeys, 'without a base every limit applies');
      }),
      { numRuns: 2000 },
    );
    for (const [what, n] of Object.entries(seen)) assert.ok(n >= 100, `only ${n} runs ${what}`);
  });
});
