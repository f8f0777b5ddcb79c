import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { undoChanges, undoCheck, undoPlan } from '../../src/core/undo';
import { applyPlan, isEmptyPlan, planSave } from '../../src/core/savePlan';
import type { Db } from '../../src/core/db';

const parse = (json: string): Db => JSON.parse(json) as Db;

describe('undoCheck', () => {
  // The write changed a, added b, deleted c, and left d alone.
  const written = { before: { a: 1, c: 'gone', d: 'calm' }, after: { a: 2, b: true, d: 'calm' } };

  it('everything still as the write left it is safe to undo', () => {
    assert.deepEqual(undoCheck(written, written.after), { safe: ['a', 'b', 'c'], changed: [], reverted: [] });
  });
  it('keys changed since the write are to ask about; keys it did not touch are never listed', () => {
    const now = { a: 3, b: true, c: 'back with another value', d: 'someone edited', e: 'someone added' };
    assert.deepEqual(undoCheck(written, now), { safe: ['b'], changed: ['a', 'c'], reverted: [] });
  });
  it('a deletion since the write, or a different type, counts as a change', () => {
    assert.deepEqual(undoCheck(written, { b: 'true', d: 'calm' }), { safe: ['c'], changed: ['a', 'b'], reverted: [] });
    assert.deepEqual(undoCheck(written, { a: '2', d: 'calm' }), { safe: ['c'], changed: ['a'], reverted: ['b'] });
  });
  it('keys already back to how they were before the write need nothing', () => {
    assert.deepEqual(undoCheck(written, { a: 1, b: true, d: 'calm' }), { safe: ['b', 'c'], changed: [], reverted: ['a'] });
  });
  it('reads keys named like Object members as own keys', () => {
    const proto = { before: parse('{"__proto__": 1}'), after: parse('{"constructor": 2}') };
    assert.deepEqual(undoCheck(proto, proto.after), { safe: ['__proto__', 'constructor'], changed: [], reverted: [] });
    assert.deepEqual(undoCheck(proto, {}), { safe: ['__proto__'], changed: [], reverted: ['constructor'] });
    assert.deepEqual(undoCheck(proto, parse('{"__proto__": 1, "constructor": 3}')), { safe: [], changed: ['constructor'], reverted: ['__proto__'] });
  });
});

describe('undoPlan', () => {
  const written = { before: { a: 1, c: 'gone' }, after: { a: 2, b: true } };

  it('with every key safe, it is the inverse plan and restores the DB before the write', () => {
    const plan = undoPlan(written, written.after, undoCheck(written, written.after).safe);
    assert.deepEqual(plan, planSave(written.after, written.before));
    assert.deepEqual(applyPlan(written.after, plan), written.before);
  });
  it('puts back only the keys asked for and leaves later changes elsewhere alone', () => {
    const now = { a: 5, b: true, other: 'later' };
    const { safe } = undoCheck(written, now);
    const plan = undoPlan(written, now, safe);
    assert.deepEqual(applyPlan(now, plan), { a: 5, c: 'gone', other: 'later' });
    assert.ok(isEmptyPlan(undoPlan(written, now, [])));
  });
  it('writes `__proto__` back as a plain key', () => {
    const proto = { before: parse('{"__proto__": "p"}'), after: {} };
    const after = applyPlan({}, undoPlan(proto, {}, ['__proto__']));
    assert.ok(Object.hasOwn(after, '__proto__'));
    assert.equal(Object.getPrototypeOf(after), Object.prototype);
  });
});

describe('undoChanges (one subscription of a batch)', () => {
  // The batch changed plan free → pro, added level, deleted trial.
  const changes = [
    { key: 'level', kind: 'added', after: 'gold' },
    { key: 'plan', kind: 'changed', before: 'free', after: 'pro' },
    { key: 'trial', kind: 'deleted', before: true },
  ] as const;

  it('takes every key the batch left untouched back to its value before, from what the server holds now', () => {
    const undo = undoChanges(changes, { plan: 'pro', level: 'gold', other: 1 });
    assert.deepEqual(undo.safe, [
      { key: 'level', kind: 'deleted', before: 'gold' },
      { key: 'plan', kind: 'changed', before: 'pro', after: 'free' },
      { key: 'trial', kind: 'added', after: true },
    ]);
    assert.deepEqual(undo.changedSince, []);
    assert.deepEqual(undo.reverted, []);
  });
  it('lists a key someone changed since with what it holds now, and one already back as reverted', () => {
    const undo = undoChanges(changes, { plan: 'team', level: 'silver', trial: true });
    assert.deepEqual(undo.safe, []);
    assert.deepEqual(undo.changedSince, [
      { key: 'level', kind: 'deleted', before: 'silver' },
      { key: 'plan', kind: 'changed', before: 'team', after: 'free' },
    ]);
    assert.deepEqual(undo.reverted, ['trial']);
    assert.deepEqual(undoChanges(changes, { plan: 'free', trial: true }).reverted, ['level', 'plan', 'trial'], 'a key back as before the batch needs nothing');
  });
  it('keeps `__proto__` a plain key', () => {
    const undo = undoChanges([{ key: '__proto__', kind: 'changed', before: 1, after: 2 }], parse('{"__proto__": 3}'));
    assert.deepEqual(undo.changedSince.map((c) => [c.key, c.before, c.after]), [['__proto__', 3, 1]]);
  });
});
