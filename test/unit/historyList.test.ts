// The history as a list: bounds, grouping for the view, and a file format read defensively.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchRecord, boundBatchRecords, MAX_BATCH_RECORDS, MAX_DETAILS, MAX_ROWS, recordJson, type BatchRecord } from '../../src/history/batchRecords';
import type { HistoryEntry } from '../../src/history/historyEntry';
import {
  boundHistory, entriesOf, groupBySubscription, HISTORY_FORMAT_VERSION, historyRows, parseHistory, serializeHistory,
} from '../../src/history/historyList';

const DAY = 24 * 60 * 60 * 1000;
const NOW = 1_800_000_000_000;

function entry(id: string, at: number, idSubscription = 'sub_a', idGate = 'gate_a'): HistoryEntry {
  return { id, at, idGate, idSubscription, origin: 'editor', outcome: 'done', changes: [{ key: 'k', call: 'put', before: 1, after: 2, state: 'done' }] };
}

describe('boundHistory', () => {
  const entries = [entry('old', NOW - 40 * DAY), entry('a', NOW - 3000), entry('b', NOW - 1000), entry('c', NOW - 2000)];

  it('keeps the newest first, at most maxEntries', () => {
    assert.deepEqual(boundHistory(entries, { maxEntries: 2, maxDays: 30 }, NOW).map((e) => e.id), ['b', 'c']);
  });
  it('drops writes older than maxDays', () => {
    assert.deepEqual(boundHistory(entries, { maxEntries: 500, maxDays: 30 }, NOW).map((e) => e.id), ['b', 'c', 'a']);
    assert.deepEqual(boundHistory(entries, { maxEntries: 500, maxDays: 41 }, NOW).map((e) => e.id), ['b', 'c', 'a', 'old']);
  });
  it('maxEntries 0 keeps nothing', () => {
    assert.deepEqual(boundHistory(entries, { maxEntries: 0, maxDays: 30 }, NOW), []);
  });
});

describe('groupBySubscription', () => {
  it('groups by gate and subscription, the group with the newest write first, each newest first', () => {
    const groups = groupBySubscription([
      entry('a1', 1, 'sub_a'), entry('b1', 2, 'sub_b'), entry('a2', 3, 'sub_a'), entry('other', 4, 'sub_b', 'gate_b'),
      { ...entry('a3', 0, 'sub_a'), environment: 'staging' },
    ]);
    assert.deepEqual(groups.map((g) => [g.idGate, g.idSubscription, g.entries.map((e) => e.id)]), [
      ['gate_b', 'sub_b', ['other']],
      ['gate_a', 'sub_a', ['a2', 'a1', 'a3']],
      ['gate_a', 'sub_b', ['b1']],
    ]);
    assert.equal(groups[1]?.environment, undefined, 'the environment of the newest write');
  });
  it('filters one subscription', () => {
    assert.deepEqual(entriesOf([entry('a1', 1), entry('b', 2, 'sub_b'), entry('a2', 3)], 'gate_a', 'sub_a').map((e) => e.id), ['a2', 'a1']);
  });
});

describe('historyRows', () => {
  const inBatch = (id: string, at: number, sub: string, batchId: string, outcome: HistoryEntry['outcome'] = 'done'): HistoryEntry =>
    ({ ...entry(id, at, sub), origin: 'batch', outcome, batchId });

  it('puts a batch under one row, a write per subscription, with its first time and outcome totals', () => {
    const rows = historyRows([
      entry('e1', 1, 'sub_a'),
      inBatch('b3', 12, 'sub_c', 'B', 'failed'), inBatch('b1', 10, 'sub_a', 'B'), inBatch('b2', 11, 'sub_b', 'B', 'partial'),
      entry('e2', 20, 'sub_a'),
    ]);
    assert.deepEqual(rows.map((r) => (r.kind === 'batch' ? ['batch', r.batch.id] : ['subscription', r.group.idSubscription])), [
      ['subscription', 'sub_a'], ['batch', 'B'],
    ]);
    const [, batch] = rows;
    assert.ok(batch?.kind === 'batch');
    assert.deepEqual(batch.batch.entries.map((e) => e.idSubscription), ['sub_a', 'sub_b', 'sub_c']);
    assert.equal(batch.batch.at, 10);
    assert.deepEqual(Object.fromEntries(batch.batch.totals), { done: 1, partial: 1, failed: 1 }, 'without its record, each subscription by its write\'s outcome');
    assert.deepEqual(batch.batch.unwritten, []);
    // The batch's write to sub_a is not repeated under sub_a's own row.
    const [single] = rows;
    assert.ok(single?.kind === 'subscription');
    assert.deepEqual(single.group.entries.map((e) => e.id), ['e2', 'e1']);
  });

  it('keeps two batches apart, the newest first; writes without a batch id (older files) stay by subscription', () => {
    const rows = historyRows([inBatch('a', 1, 'sub_a', 'OLD'), inBatch('b', 5, 'sub_a', 'NEW'), { ...entry('c', 3, 'sub_b'), origin: 'batch' }]);
    assert.deepEqual(rows.map((r) => (r.kind === 'batch' ? r.batch.id : r.group.idSubscription)), ['NEW', 'sub_b', 'OLD']);
  });

  it('with its record, shows every subscription of a batch: the ones it wrote to and the ones it did not, with why', () => {
    const record = batchRecord({
      id: 'B', at: 9, idGate: 'gate_a', environment: 'production',
      rows: [
        { idSubscription: 'sub_a', state: 'done' },
        { idSubscription: 'sub_b', state: 'conflict', detail: '"plan" changed on the server' },
        { idSubscription: 'sub_c', state: 'already' },
        { idSubscription: 'sub_d', state: 'partial' },
      ],
    });
    assert.deepEqual(record.rows.map((r) => r.idSubscription), ['sub_b', 'sub_c'], 'the record keeps only the rows that wrote nothing');
    const rows = historyRows([inBatch('b1', 10, 'sub_a', 'B'), inBatch('b4', 11, 'sub_d', 'B', 'partial')], [record]);
    assert.equal(rows.length, 1);
    const batch = rows[0]!.kind === 'batch' ? rows[0]!.batch : assert.fail('a batch row');
    assert.equal(batch.at, 9, 'when it ran');
    assert.equal(batch.environment, 'production');
    assert.deepEqual(Object.fromEntries(batch.totals), { done: 1, partial: 1, conflict: 1, already: 1 });
    assert.deepEqual(batch.entries.map((e) => e.id), ['b1', 'b4']);
    assert.deepEqual(batch.unwritten, record.rows);
    assert.equal(batch.undone.size, 0);
  });

  it('lists a subscription a resumed run found already written before the interruption, whose write the history never heard of', () => {
    const record = batchRecord({ id: 'R', at: 9, idGate: 'gate_a', rows: [
      { idSubscription: 'sub_a', state: 'done', detail: 'Nothing sent: it already held these values (written before the batch was interrupted).' },
      { idSubscription: 'sub_b', state: 'done' },
    ] });
    const [row] = historyRows([inBatch('b2', 10, 'sub_b', 'R')], [record]);
    const batch = row?.kind === 'batch' ? row.batch : assert.fail('a batch row');
    assert.deepEqual(batch.unwritten.map((r) => [r.idSubscription, r.state]), [['sub_a', 'done']]);
    assert.equal(batch.unlisted, 0);
    assert.deepEqual(Object.fromEntries(batch.totals), { done: 2 });
  });

  it('shows a batch that wrote to none (every one a conflict), and marks undone the subscriptions a later undo put back', () => {
    const none = batchRecord({ id: 'NONE', at: 30, idGate: 'gate_a', rows: [{ idSubscription: 'sub_a', state: 'conflict' }] });
    const undo = batchRecord({ id: 'U', at: 20, idGate: 'gate_a', undoOf: 'B', rows: [{ idSubscription: 'sub_a', state: 'done' }, { idSubscription: 'sub_b', state: 'skipped' }] });
    const failedUndo = batchRecord({ id: 'U2', at: 21, idGate: 'gate_a', undoOf: 'C', rows: [{ idSubscription: 'sub_a', state: 'failed' }] });
    const rows = historyRows([
      inBatch('b1', 10, 'sub_a', 'B'), inBatch('b2', 10, 'sub_b', 'B'), inBatch('c1', 12, 'sub_a', 'C'), inBatch('u1', 20, 'sub_a', 'U'), inBatch('u2', 21, 'sub_a', 'U2', 'failed'),
    ], [none, undo, failedUndo]);
    const batches = rows.map((r) => (r.kind === 'batch' ? r.batch : assert.fail('only batches')));
    assert.deepEqual(batches.map((b) => [b.id, [...b.undone], b.undoOf ?? null]), [['NONE', [], null], ['U2', [], 'C'], ['U', [], 'B'], ['C', [], null], ['B', ['sub_a'], null]],
      'B is undone on sub_a only (the undo skipped sub_b); C\'s undo failed, so C is not undone');
    assert.deepEqual(batches[0]!.unwritten.map((r) => r.idSubscription), ['sub_a']);
  });
});

describe('batch records', () => {
  const record = (id: string, at: number, idGate = 'gate_a'): BatchRecord => batchRecord({ id, at, idGate, rows: [{ idSubscription: 'sub_a', state: 'done' }, { idSubscription: 'sub_b', state: 'conflict' }] });

  it('keeps none when the history keeps no writes, none older than its days, at most MAX_BATCH_RECORDS, newest first', () => {
    assert.deepEqual(boundBatchRecords([record('a', NOW)], { maxEntries: 0, maxDays: 30 }, NOW), []);
    assert.deepEqual(boundBatchRecords([record('old', NOW - 31 * DAY), record('new', NOW)], { maxEntries: 10, maxDays: 30 }, NOW).map((r) => r.id), ['new']);
    const many = Array.from({ length: MAX_BATCH_RECORDS + 5 }, (_, i) => record(`r${i}`, NOW - i));
    const kept = boundBatchRecords(many, { maxEntries: 10, maxDays: 30 }, NOW);
    assert.equal(kept.length, MAX_BATCH_RECORDS);
    assert.equal(kept[0]!.id, 'r0');
  });

  it('cuts a long detail; the file round-trips records and leaves `batches` out when there are none', () => {
    const long = batchRecord({ id: 'a', at: NOW, idGate: 'gate_a', undoOf: 'z', environment: 'staging', rows: [{ idSubscription: 'sub_a', state: 'refused', detail: 'x'.repeat(1000) }] });
    assert.equal(long.rows[0]!.detail!.length, 200);
    assert.ok(long.rows[0]!.detail!.endsWith('…'));
    const many = batchRecord({ id: 'm', at: NOW, idGate: 'gate_a', rows: [
      ...Array.from({ length: 30 }, (_, i) => ({ idSubscription: `sub_done${i}`, state: 'done' as const })),
      ...Array.from({ length: MAX_ROWS + 50 }, (_, i) => ({ idSubscription: `sub_${i}`, state: 'conflict' as const, detail: 'why' })),
    ] });
    assert.equal(many.rows.length, MAX_ROWS, 'at most MAX_ROWS subscriptions without a write are listed');
    assert.equal(many.rows.filter((r) => r.detail !== undefined).length, MAX_DETAILS, 'the first ones with their detail');
    assert.deepEqual(Object.fromEntries(many.totals), { done: 30, conflict: MAX_ROWS + 50 }, 'the counts have them all');
    const [row] = historyRows([], [many]);
    assert.equal(row?.kind === 'batch' && row.batch.unlisted, 50, 'the view says how many more it does not list');
    assert.deepEqual(parseHistory(serializeHistory([], [long])), { entries: [], batches: [long], dropped: 0 });
    assert.deepEqual(JSON.parse(serializeHistory([], [long])).batches[0].totals, { refused: 1 }, 'the counts as an object in the file');
    assert.ok(!('batches' in JSON.parse(serializeHistory([entry('e', NOW)]))), 'a history without batches is written as before');
  });

  it('drops a malformed record, keeps the others, and carries no unknown field along', () => {
    const good = record('good', NOW);
    const json = recordJson(good) as Record<string, unknown>;
    const { batches, dropped } = parseHistory(JSON.stringify({
      version: HISTORY_FORMAT_VERSION,
      entries: [],
      batches: [
        { ...json, secretKey: 'must-not-survive' }, { ...json, at: 'now' }, { ...json, rows: [{ idSubscription: 'sub_a', state: 'exploded' }] }, { ...json, undoOf: 3 },
        { ...json, totals: { done: -1 } }, { ...json, totals: { done: 1.5 } }, { ...json, totals: undefined },
      ],
    }));
    assert.equal(dropped, 6);
    assert.deepEqual(batches, [good]);
    assert.deepEqual(parseHistory(JSON.stringify({ version: HISTORY_FORMAT_VERSION, entries: [], batches: {} })).dropped, 1);
  });
});

describe('the history file', () => {
  it('round-trips every field, keys like __proto__ included', () => {
    const full: HistoryEntry = {
      id: 'x', at: NOW, idGate: 'gate_a', environment: 'production', idSubscription: 'sub_a', origin: 'undo', outcome: 'partial',
      changes: [
        { key: '__proto__', call: 'put', after: 'p', state: 'done' },
        { key: 'constructor', call: 'delete', before: 1.5, state: 'uncertain' },
        { key: 'z', call: 'put', before: false, after: true, state: 'notSent' },
      ],
      failure: 'DELETE failed: 500', undoOf: 'y', batchId: 'batch-1',
    };
    const text = serializeHistory([full]);
    assert.deepEqual(parseHistory(text), { entries: [full], batches: [], dropped: 0 });
    const agent: HistoryEntry = { ...full, id: 'y', origin: 'agent' };
    assert.deepEqual(parseHistory(serializeHistory([agent])).entries, [agent], "an agent's write survives a reload");
    assert.deepEqual(JSON.parse(text).version, HISTORY_FORMAT_VERSION);
  });

  it('drops malformed entries, keeps the others, and carries no unknown field along', () => {
    const good = entry('good', NOW);
    const text = JSON.stringify({
      version: HISTORY_FORMAT_VERSION,
      entries: [
        { ...good, secretKey: 'must-not-survive', changes: [{ ...good.changes[0], accessToken: 'nor-this' }] },
        { ...good, id: 7 },
        { ...good, batchId: 3 },
        { ...good, origin: 'elsewhere' },
        { ...good, changes: [{ key: 'k', call: 'put', state: 'done' }] }, // a PUT without its value
        { ...good, changes: [{ key: 'k', call: 'delete', after: 1, state: 'done' }] }, // a DELETE with one
        { ...good, changes: [{ key: 'k', call: 'put', after: [1], state: 'done' }] },
        null,
      ],
    });
    const { entries, dropped } = parseHistory(text);
    assert.equal(dropped, 7);
    assert.deepEqual(entries, [good]);
    assert.ok(!serializeHistory(entries).includes('must-not-survive'));
    assert.ok(!serializeHistory(entries).includes('nor-this'));
  });

  it('reads a file that is not JSON, or of another version, as empty', () => {
    assert.deepEqual(parseHistory('{"version": 1, "entr'), { entries: [], batches: [], dropped: 1 });
    assert.deepEqual(parseHistory(JSON.stringify({ version: 99, entries: [entry('a', 1)] })), { entries: [], batches: [], dropped: 1 });
    assert.deepEqual(parseHistory('[]'), { entries: [], batches: [], dropped: 1 });
  });
});
