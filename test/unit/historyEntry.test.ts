// A write as the history keeps it: what each key was and became, how far each call got, and what an undo starts from.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Db } from '../../src/core/db';
import { applyPlan, planSave } from '../../src/core/savePlan';
import { undoCheck, undoPlan } from '../../src/core/undo';
import type { WriteRecord } from '../../src/db/dbStore';
import { changeText, entrySummary, outcomeText } from '../../src/core/historyText';
import { entryFromRecord, entrySides, isUndoable, undoneIds, writtenChange, type HistoryEntry } from '../../src/history/historyEntry';

const ref = { idGate: 'gate_a', idSubscription: 'sub_a' };
const BEFORE: Db = { name: 'Ada', age: 36, plan: 'pro', keep: true };
const EDITED: Db = { name: 'Ada', age: 37, score: 7, keep: true };
const PLAN = planSave(BEFORE, EDITED); // PUT age, score; then DELETE plan

function record(fields: Partial<WriteRecord> = {}): WriteRecord {
  return { ref, origin: 'editor', at: 1_700_000_000_000, before: BEFORE, plan: PLAN, outcome: 'done', after: applyPlan(BEFORE, PLAN), ...fields };
}

describe('entryFromRecord', () => {
  it('lists each key set with old → new and each key deleted with its old value, sorted, nothing else', () => {
    const entry = entryFromRecord(record(), { environment: 'production', id: 'e1' });
    assert.deepEqual(entry, {
      id: 'e1', at: 1_700_000_000_000, idGate: 'gate_a', environment: 'production', idSubscription: 'sub_a', origin: 'editor', outcome: 'done',
      changes: [
        { key: 'age', call: 'put', before: 36, after: 37, state: 'done' },
        { key: 'plan', call: 'delete', before: 'pro', state: 'done' },
        { key: 'score', call: 'put', after: 7, state: 'done' },
      ],
    });
    assert.deepEqual(entry.changes.map(changeText), ['36 → 37', 'deleted (was "pro")', 'added 7']);
    assert.equal(entrySummary(entry), 'Set age, score; deleted plan');
    assert.equal(outcomeText(entry), 'done');
    assert.equal(entryFromRecord(record({ origin: 'batch', batchId: 'b1' })).batchId, 'b1', 'a batch write keeps its batch id');
  });

  it('a partial write: the PUT landed, the DELETE after it failed', () => {
    const after = applyPlan(BEFORE, { ...PLAN, deleteKeys: [] });
    const entry = entryFromRecord(record({ outcome: 'partial', after, failure: 'DELETE … failed: 500 boom' }));
    assert.deepEqual(entry.changes.map((c) => [c.key, c.state]), [['age', 'done'], ['plan', 'failed'], ['score', 'done']]);
    assert.equal(entry.failure, 'DELETE … failed: 500 boom');
    assert.equal(outcomeText(entry), 'partly done: the DELETE of 1 key failed');
    assert.match(entrySummary(entry), /^Partly done: /);
  });

  it('a failed first call: it failed (or may have been applied), the second was never sent', () => {
    const failed = entryFromRecord(record({ outcome: 'failed', after: BEFORE, failure: 'x' }));
    assert.deepEqual(failed.changes.map((c) => [c.key, c.state]), [['age', 'failed'], ['plan', 'notSent'], ['score', 'failed']]);
    assert.equal(outcomeText(failed), 'failed: the PUT of 2 keys failed');
    assert.ok(!isUndoable(failed), 'nothing landed, nothing to undo');

    const uncertain = entryFromRecord(record({ outcome: 'failed', after: BEFORE, uncertain: true, failure: 'timeout' }));
    assert.deepEqual(uncertain.changes.map((c) => [c.key, c.state]), [['age', 'uncertain'], ['plan', 'notSent'], ['score', 'uncertain']]);
    assert.equal(outcomeText(uncertain), 'failed: the PUT of 2 keys failed (may have been applied)');
    assert.ok(isUndoable(uncertain), 'the server may hold it: undo checks and offers');
  });

  it('a PUT and a DELETE sent together: each key gets the outcome its own call had', () => {
    const after = applyPlan(BEFORE, { ...PLAN, putEntries: [] });
    const entry = entryFromRecord(record({ outcome: 'partial', after, failure: 'PUT … failed: 500', calls: { put: 'failed', delete: 'done' } }));
    assert.deepEqual(entry.changes.map((c) => [c.key, c.state]), [['age', 'failed'], ['plan', 'done'], ['score', 'failed']]);
  });

  it('follows the plan order when the DELETE went first', () => {
    const full: Db = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    const edited: Db = { ...full, n1: 1, n2: 2 };
    delete edited.k0;
    delete edited.k1;
    const plan = planSave(full, edited);
    assert.equal(plan.deleteFirst, true);
    const afterDelete = applyPlan(full, { ...plan, putEntries: [] });
    const entry = entryFromRecord(record({ before: full, plan, outcome: 'partial', after: afterDelete, failure: 'PUT failed' }));
    assert.deepEqual(entry.changes.map((c) => [c.key, c.state]), [['k0', 'done'], ['k1', 'done'], ['n1', 'failed'], ['n2', 'failed']]);
  });

  it('keeps a failure text bounded, and none for a write that was done', () => {
    assert.equal(entryFromRecord(record({ outcome: 'failed', after: BEFORE, failure: 'x'.repeat(5000) })).failure?.length, 500);
    assert.equal(entryFromRecord(record({ failure: 'stale' })).failure, undefined);
  });

  it('keys named like Object members are ordinary keys', () => {
    const before = JSON.parse('{"__proto__": 1, "constructor": "c"}') as Db;
    const edited = JSON.parse('{"__proto__": 2, "toString": true}') as Db;
    const plan = planSave(before, edited);
    const entry = entryFromRecord(record({ before, plan, after: applyPlan(before, plan) }));
    assert.deepEqual(entry.changes.map(changeText), ['1 → 2', 'deleted (was "c")', 'added true']);
    const sides = entrySides(entry);
    assert.deepEqual(Object.keys(sides.after).sort(), ['__proto__', 'toString']);
    assert.equal(Object.getPrototypeOf(sides.after), Object.prototype);
  });

  it('the History view shows invisible characters escaped, as the write review does, so a value reads as what was sent', () => {
    // A right-to-left override makes "admin\u202Eeurt" display as "admintrue"; a zero-width space hides inside "pro".
    const sneaky: Db = { role: 'admin\u202Eeurt', plan: 'p\u200Bro' };
    const plan = planSave(BEFORE, { ...BEFORE, ...sneaky });
    const entry = entryFromRecord(record({ plan, after: applyPlan(BEFORE, plan) }));
    const words = entry.changes.map(changeText);
    assert.deepEqual(words, ['"pro" → "p\\u200Bro"', 'added "admin\\u202Eeurt"']);
    assert.ok(!words.join('').match(/[\u200B\u202E]/), 'no raw invisible character');
  });
});

describe('undo from a history entry (with core undoCheck / undoPlan)', () => {
  const entry = entryFromRecord(record());

  it('undoing a write the server still holds restores exactly what it changed', () => {
    const now = applyPlan(BEFORE, PLAN);
    const written = writtenChange(entry);
    const check = undoCheck(written, now);
    assert.deepEqual(check, { safe: ['age', 'plan', 'score'], changed: [], reverted: [] });
    const inverse = undoPlan(written, now, check.safe);
    assert.deepEqual(inverse.putEntries, [{ key: 'age', value: 36 }, { key: 'plan', value: 'pro' }]);
    assert.deepEqual(inverse.deleteKeys, ['score']);
    assert.deepEqual(applyPlan(now, inverse), BEFORE);
  });

  it('a key someone changed since is to ask about; keys others added are never touched', () => {
    const now = { ...applyPlan(BEFORE, PLAN), age: 40, other: 'someone' };
    const check = undoCheck(writtenChange(entry), now);
    assert.deepEqual(check, { safe: ['plan', 'score'], changed: ['age'], reverted: [] });
    const inverse = undoPlan(writtenChange(entry), now, check.safe);
    assert.deepEqual(applyPlan(now, inverse), { name: 'Ada', age: 40, plan: 'pro', keep: true, other: 'someone' });
  });

  it('a partial write is undone only where it landed', () => {
    const after = applyPlan(BEFORE, { ...PLAN, deleteKeys: [] });
    const partial = entryFromRecord(record({ outcome: 'partial', after }));
    const check = undoCheck(writtenChange(partial), after);
    assert.deepEqual(check, { safe: ['age', 'score'], changed: [], reverted: [] });
  });

  it('an uncertain call counts as applied only if the server shows it', () => {
    const uncertain = entryFromRecord(record({ outcome: 'failed', after: BEFORE, uncertain: true }));
    const applied = applyPlan(BEFORE, { ...PLAN, deleteKeys: [] });
    assert.deepEqual(undoCheck(writtenChange(uncertain), applied).safe, ['age', 'score']);
    assert.deepEqual(undoCheck(writtenChange(uncertain), BEFORE), { safe: [], changed: [], reverted: ['age', 'score'] });
  });

  it('the diff shows the touched keys before and as the server held them after', () => {
    assert.deepEqual(entrySides(entry), { before: { age: 36, plan: 'pro' }, after: { age: 37, score: 7 } });
  });

  it('an entry is undone once a later undo of it wrote something', () => {
    const undo: HistoryEntry = { ...entry, id: 'u', origin: 'undo', undoOf: entry.id };
    const failedUndo: HistoryEntry = { ...entry, id: 'f', origin: 'undo', undoOf: 'other', outcome: 'failed' };
    assert.deepEqual([...undoneIds([undo, failedUndo, entry])], [entry.id]);
    assert.match(entrySummary(undo), /^Undo: set age, score; deleted plan$/);
  });
});
