// Section 10: what one write costs the history file when batch records are kept beside the writes. Every history
// change is a read-modify-write of the whole file under its lock (src/history/writeHistory.ts), once per write of a
// batch, so the file's size is paid by every write. Timed through WriteHistory itself on a temporary folder: the
// file is filled to the caps (logup.history.maxEntries' default of 500 writes, MAX_BATCH_RECORDS batches of 1,000
// subscriptions), then 40 writes are recorded one after the other, as a batch's saves record them.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchRow } from '../src/core/batchReport';
import type { WriteRecord } from '../src/db/saveTypes';
import { batchRecord, MAX_BATCH_RECORDS, type BatchRecord } from '../src/history/batchRecords';
import type { HistoryEntry } from '../src/history/historyEntry';
import { serializeHistory } from '../src/history/historyList';
import { WriteHistory } from '../src/history/writeHistory';

export interface HistoryFileRow {
  what: string;
  fileKb: number;
  /** Median and slowest time of one recorded write, file read to file renamed, in ms. */
  medianMs: number;
  maxMs: number;
}

const WRITES = 40;
const LIMITS = { maxEntries: 500, maxDays: 30 };
const now = Date.now();

const entries: HistoryEntry[] = Array.from({ length: LIMITS.maxEntries }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, at: now - 1000 - i, idGate: 'gate_shop', environment: 'production',
  idSubscription: `sub_customer${i}`, origin: 'batch', outcome: 'done', batchId: 'batch-0',
  changes: [{ key: 'plan', call: 'put', before: 'free', after: 'pro', state: 'done' }],
}));

function records(row: (i: number) => BatchRow): BatchRecord[] {
  const rows = Array.from({ length: 1000 }, (_, i) => row(i));
  return Array.from({ length: MAX_BATCH_RECORDS }, (_, b) => batchRecord({ id: `batch-${b}`, at: now - 1000 - b, idGate: 'gate_shop', environment: 'production', rows }));
}

const conflict = '"plan" changed on the server since the dry run (now "team"); nothing of this subscription was written.';
const CASES: { what: string; batches: () => BatchRecord[] }[] = [
  { what: `${LIMITS.maxEntries} writes, no batch record`, batches: () => [] },
  {
    what: `+ ${MAX_BATCH_RECORDS} batches of 1,000 (900 changed, 80 already so, 20 conflicts)`,
    batches: () => records((i) => ({ idSubscription: `sub_customer${i}`, state: i < 900 ? 'done' : i < 980 ? 'already' : 'conflict', ...(i >= 980 ? { detail: conflict } : {}) })),
  },
  {
    what: `+ ${MAX_BATCH_RECORDS} batches of 1,000 conflicts, each with its reason`,
    batches: () => records((i) => ({ idSubscription: `sub_customer${i}`, state: 'conflict', detail: `${conflict} ${'x'.repeat(200)}` })),
  },
];

function record(i: number): WriteRecord {
  return {
    ref: { idGate: 'gate_shop', idSubscription: `sub_new${i}` }, origin: 'batch', batchId: 'batch-new', at: now + i,
    before: { plan: 'free' }, after: { plan: 'pro' }, outcome: 'done',
    plan: { deleteKeys: [], putEntries: [{ key: 'plan', value: 'pro' }], deleteFirst: false },
  };
}

async function measure(what: string, batches: BatchRecord[]): Promise<HistoryFileRow> {
  const dir = await mkdtemp(join(tmpdir(), 'logup-bench-history-'));
  try {
    const file = join(dir, 'write-history.json');
    await writeFile(file, serializeHistory(entries, batches));
    const fileKb = (await stat(file)).size / 1024;
    const history = new WriteHistory(file, () => LIMITS, { info: () => undefined, warn: () => undefined });
    await history.load();
    const samples: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const start = performance.now();
      history.record(record(i), 'production');
      await history.flush();
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    return { what, fileKb, medianMs: samples[Math.floor(samples.length / 2)] ?? NaN, maxMs: samples.at(-1) ?? NaN };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void (async () => {
  const rows: HistoryFileRow[] = [];
  for (const c of CASES) rows.push(await measure(c.what, c.batches()));
  process.stdout.write(`${JSON.stringify(rows)}\n`);
})();
