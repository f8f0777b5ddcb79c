// The write history's file: what the store's writes leave in it, how it stays bounded, atomic and private, and how
// two windows share it. Driven by a real DbStore against the sandbox, on a temporary folder.
import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { LogUpClient } from '../../src/api/logUpClient';
import type { DbStore, WriteRecord } from '../../src/db/dbStore';
import { SaveFailedError } from '../../src/db/saveErrors';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { parseHistory } from '../../src/history/historyList';
import type { Log } from '../../src/core/log';
import { WriteHistory } from '../../src/history/writeHistory';
import { storeOn } from './support';

const idGate = DEMO_GATE.idGate;
const DAY = 24 * 60 * 60 * 1000;

describe('WriteHistory', () => {
  let sandbox: SandboxHandle;
  let client: LogUpClient;
  let store: DbStore;
  let dir: string;
  let file: string;
  let limits = { maxEntries: 500, maxDays: 30 };
  const warnings: string[] = [];
  const log: Log = { info: () => undefined, warn: (m) => void warnings.push(m) };
  let n = 0;
  const made: WriteHistory[] = [];

  before(async () => {
    sandbox = await startSandbox();
    client = new LogUpClient({ baseUrl: sandbox.url, idGate, secretKey: async () => DEMO_GATE.secretKey });
  });
  after(async () => {
    await client.close();
    await sandbox.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logup-history-'));
    file = join(dir, 'globalStorage', 'write-history.json');
    store = storeOn(client, { history: { record: (record) => made.forEach((h) => h.record(record, 'production')) } });
    limits = { maxEntries: 500, maxDays: 30 };
    warnings.length = 0;
  });
  afterEach(async () => {
    await Promise.all(made.splice(0).map((h) => h.flush()));
    await rm(dir, { recursive: true, force: true });
  });

  function historyOn(path = file, now?: () => number): WriteHistory {
    const history = new WriteHistory(path, () => limits, log, now);
    made.push(history);
    return history;
  }

  async function fresh(db: Record<string, string | number | boolean>): Promise<{ idGate: string; idSubscription: string }> {
    const ref = { idGate, idSubscription: `sub_hist${++n}` };
    sandbox.setDb(idGate, ref.idSubscription, db);
    await store.read(ref);
    return ref;
  }

  async function onDisk(): Promise<ReturnType<typeof parseHistory>['entries']> {
    return parseHistory(await readFile(file, 'utf8')).entries;
  }

  it('a save is recorded with its keys old → new, on disk, readable by its owner only, with no temporary file left', async () => {
    const history = historyOn();
    const ref = await fresh({ a: 1, gone: 'x' });
    await store.save(ref, { base: { a: 1, gone: 'x' }, edited: { a: 2, b: true }, origin: 'editor' });
    await history.flush();
    const [entry] = await onDisk();
    assert.deepEqual(entry?.changes, [
      { key: 'a', call: 'put', before: 1, after: 2, state: 'done' },
      { key: 'b', call: 'put', after: true, state: 'done' },
      { key: 'gone', call: 'delete', before: 'x', state: 'done' },
    ]);
    assert.equal(entry?.environment, 'production');
    assert.equal(entry?.idSubscription, ref.idSubscription);
    assert.deepEqual(history.list(), [entry]);
    if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dir, 'globalStorage')), ['write-history.json']);
    assert.ok(!(await readFile(file, 'utf8')).includes(DEMO_GATE.secretKey), 'no secret in the file');
  });

  it('a partial failure (the second call fails) is recorded as partial, with the call that failed', async () => {
    const history = historyOn();
    const ref = await fresh({ a: 1, gone: 'x' });
    sandbox.failNext('deleteDb', 1, { status: 400 });
    await assert.rejects(store.save(ref, { base: { a: 1, gone: 'x' }, edited: { a: 2 }, origin: 'editor' }), SaveFailedError);
    // A 5xx may have been applied: the key is recorded as uncertain, not as failed.
    sandbox.failNext('deleteDb', 1, { status: 500 });
    await assert.rejects(store.save(ref, { base: { a: 2, gone: 'x' }, edited: { a: 3 }, origin: 'editor' }), SaveFailedError);
    await history.flush();
    const [uncertain, entry] = await onDisk();
    assert.equal(entry?.outcome, 'partial');
    assert.deepEqual(entry?.changes.map((c) => [c.key, c.state]), [['a', 'done'], ['gone', 'failed']]);
    assert.match(entry?.failure ?? '', /deleting 1 key failed/);
    assert.equal(uncertain?.outcome, 'partial');
    assert.deepEqual(uncertain?.changes.map((c) => [c.key, c.state]), [['a', 'done'], ['gone', 'uncertain']]);
  });

  it('two windows on one file keep each other\'s writes; Clear in one is not undone by the other', async () => {
    const one = historyOn();
    const two = historyOn();
    const ref = await fresh({ a: 1 });
    const first = one.record(fakeRecord(ref, Date.now() - 2));
    const second = two.record(fakeRecord(ref, Date.now() - 1));
    await Promise.all([one.flush(), two.flush()]);
    assert.deepEqual((await onDisk()).map((e) => e.id).sort(), [first.id, second.id].sort());
    await two.clear();
    one.record(fakeRecord(ref, Date.now()));
    await one.flush();
    assert.equal((await onDisk()).length, 1, 'only the write made after the Clear');
    await two.reload();
    assert.equal(two.list().length, 1, 'the other window sees it after a reload');
  });

  it('Clear deletes the file; removing a gate deletes only its writes', async () => {
    const history = historyOn();
    const ref = await fresh({ a: 1 });
    history.record(fakeRecord(ref, Date.now() - 1));
    history.record(fakeRecord({ idGate: 'gate_other', idSubscription: 'sub_o' }, Date.now()));
    await history.removeGate(idGate);
    assert.deepEqual((await onDisk()).map((e) => e.idGate), ['gate_other']);
    await history.clear();
    await assert.rejects(stat(file), /ENOENT/);
    assert.deepEqual(history.list(), []);
  });

  it('keeps at most maxEntries, none older than maxDays, and nothing at all with 0', async () => {
    const now = Date.now();
    const history = historyOn(file, () => now);
    const ref = { idGate, idSubscription: 'sub_bound' };
    history.record(fakeRecord(ref, now - 40 * DAY));
    for (let i = 0; i < 5; i++) history.record(fakeRecord(ref, now - i));
    limits = { maxEntries: 3, maxDays: 30 };
    await history.flush();
    assert.deepEqual((await onDisk()).map((e) => e.at), [now, now - 1, now - 2]);
    limits = { maxEntries: 0, maxDays: 30 };
    await history.reload();
    await assert.rejects(stat(file), /ENOENT/, 'no history, no file');
  });

  it('an unreadable file is reported and replaced, not fatal', async () => {
    await writeFile(join(dir, 'w.json'), '{"version": 1, "entries": [ broken');
    const history = historyOn(join(dir, 'w.json'));
    assert.deepEqual(await history.load(), []);
    assert.match(warnings.join('\n'), /unreadable/);
    history.record(fakeRecord({ idGate, idSubscription: 'sub_c' }, Date.now()));
    await history.flush();
    assert.equal(parseHistory(await readFile(join(dir, 'w.json'), 'utf8')).entries.length, 1);
  });

  it('a file of a version it cannot read is moved aside on reload, never deleted, and its bytes are kept', async () => {
    const newer = '{"version": 2, "entries": [{"id": "x", "at": 1, "shape": "of a later version"}]}\n';
    await mkdir(join(dir, 'globalStorage'), { recursive: true });
    await writeFile(file, newer);
    const now = Date.UTC(2026, 11, 5, 8, 30, 0);
    const history = historyOn(file, () => now);
    assert.deepEqual(await history.load(), []);
    await history.reload();
    const names = await readdir(join(dir, 'globalStorage'));
    assert.deepEqual(names, ['write-history.json.unreadable-2026-12-05T08-30-00-000Z'], 'moved aside, nothing else left');
    assert.equal(await readFile(join(dir, 'globalStorage', names[0]!), 'utf8'), newer, 'byte for byte');
    assert.match(warnings.join('\n'), /moved it to .*unreadable-/);
  });

  it('a reload that changes nothing does not write, so what the file holds beyond this version\'s fields stays', async () => {
    await mkdir(join(dir, 'globalStorage'), { recursive: true });
    const at = Date.now() - 1000;
    const entry = { id: 'e1', at, idGate, idSubscription: 'sub_keep', origin: 'tree', outcome: 'done', changes: [{ key: 'k', call: 'put', after: 2, state: 'done' }], addedLater: 'by a newer version' };
    const text = `${JSON.stringify({ version: 1, entries: [entry] }, null, 2)}\n`;
    await writeFile(file, text);
    const history = historyOn(file);
    assert.equal((await history.load()).length, 1);
    await history.reload();
    await history.reload();
    assert.equal(await readFile(file, 'utf8'), text, 'the file is as it was');
  });

  it('a batch\'s record is kept beside the writes: replaced by a resumed run\'s, shared by windows, dropped with its gate and by Clear', async () => {
    const one = historyOn();
    const two = historyOn();
    const ref = await fresh({ a: 1 });
    one.record({ ...fakeRecord(ref, Date.now()), batchId: 'B' });
    const rows = [{ idSubscription: ref.idSubscription, state: 'done' as const }, { idSubscription: 'sub_other', state: 'cancelled' as const }];
    await one.recordBatch({ id: 'B', at: Date.now() - 5, idGate, environment: 'production', rows });
    await one.recordBatch({ id: 'B', at: Date.now() - 5, idGate, environment: 'production', rows: [rows[0]!, { idSubscription: 'sub_other', state: 'conflict', detail: '"plan" changed' }] });
    await two.recordBatch({ id: 'G', at: Date.now(), idGate: 'gate_other', rows: [{ idSubscription: 'sub_o', state: 'already' }] });
    const onFile = parseHistory(await readFile(file, 'utf8'));
    assert.deepEqual(onFile.batches.map((b) => [b.id, Object.fromEntries(b.totals), b.rows.map((r) => r.state)]), [['G', { already: 1 }, ['already']], ['B', { done: 1, conflict: 1 }, ['conflict']]],
      'the resumed run\'s record replaced the first; the other window\'s kept; a row with a write is counted, not kept');
    assert.equal(onFile.entries.length, 1, 'the write is still there');
    await one.reload();
    assert.deepEqual(one.batchRecords().map((b) => b.id), ['G', 'B']);
    await one.removeGate('gate_other');
    assert.deepEqual(one.batchRecords().map((b) => b.id), ['B']);
    await two.clear();
    await assert.rejects(stat(file), /ENOENT/);
    await one.reload();
    assert.deepEqual(one.batchRecords(), []);
  });

  it('an undo\'s entry names the write it undid (the save request says which); an undo that wrote nothing labels nothing', async () => {
    const history = historyOn();
    const ref = await fresh({ a: 1 });
    await store.save(ref, { base: { a: 1 }, edited: { a: 2 }, origin: 'editor' });
    await history.flush();
    const [original] = history.list();
    assert.ok(original);
    // An undo whose plan is empty writes nothing, so nothing is recorded and nothing is labelled.
    await store.save(ref, { base: { a: 2 }, edited: { a: 2 }, origin: 'undo', undoOf: 'nothing-to-undo' });
    await store.save(ref, { base: { a: 2 }, edited: { a: 1 }, origin: 'undo', undoOf: original.id });
    await history.flush();
    assert.deepEqual(history.list().map((e) => [e.origin, e.undoOf]), [['undo', original.id], ['editor', undefined]]);
  });
});

function fakeRecord(ref: { idGate: string; idSubscription: string }, at: number): WriteRecord {
  return {
    ref, origin: 'tree', at, before: { k: 1 }, outcome: 'done', after: { k: 2 },
    plan: { deleteKeys: [], putEntries: [{ key: 'k', value: 2 }], deleteFirst: false },
  };
}
