// Section 9: a batch change across 1,000 subscriptions with every answer delayed one round trip (RTT), at the
// default bench concurrency of 8: the dry run (one GET each) and the run (a fresh GET and one PUT each) against the
// round-trip floor, 1,000 × round trips per subscription / 8. Then the same batch on 200 subscriptions under a 20 %
// rate of 429 answers: nothing lost, nothing written twice. The batch runner and DbStore as they ship (no vscode).
import { LogUpClient } from '../src/api/logUpClient';
import { dryRunBatch, runBatch } from '../src/db/batchRunner';
import { DbStore, NO_REVIEW } from '../src/db/dbStore';
import { DEMO_GATE } from '../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../src/sandbox/sandbox';

export const BATCH_RTT_MS = Number(process.env.BENCH_RTT_MS ?? 50);
const SUBSCRIPTIONS = Number(process.env.BENCH_BATCH_SUBSCRIPTIONS ?? 1000);
const CONCURRENCY = 8;
const FAULTY_SUBSCRIPTIONS = 200;

export interface BatchScaleResult {
  rttMs: number;
  subscriptions: number;
  concurrency: number;
  dryRunMs: number;
  runMs: number;
  /** Round trips per subscription the API needs: dry run 1 (GET), run 2 (GET, PUT). */
  dryRunTrips: number;
  runTrips: number;
  tokenRequests: number;
  /** Heap growth over the batch (after a GC, when --expose-gc is given). */
  heapMb: number;
  faulty: { subscriptions: number; refused429: number; done: number; writtenTwice: number; lost: number };
}

const quiet = { info: () => undefined, warn: () => undefined };

function client(sb: SandboxHandle): LogUpClient {
  return new LogUpClient({ baseUrl: sb.url, idGate: DEMO_GATE.idGate, secretKey: async () => DEMO_GATE.secretKey });
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

async function main(): Promise<void> {
  const sb = await startSandbox({ subscriptions: SUBSCRIPTIONS, latencyMs: BATCH_RTT_MS });
  const ids = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `sub_${String(i + 1).padStart(Math.max(5, String(SUBSCRIPTIONS).length), '0')}`);
  const c = client(sb);
  const store = new DbStore({ clients: { get: async () => c }, reviewer: NO_REVIEW, history: { record: () => undefined }, log: quiet });
  const change = { kind: 'edit' as const, set: [{ key: 'plan', value: 'team' }], delete: [] };
  await c.checkCredentials(); // the token, outside the timed part
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let t = performance.now();
  const journal = await dryRunBatch(store, DEMO_GATE.idGate, ids, change, { concurrency: CONCURRENCY });
  const dryRunMs = performance.now() - t;
  t = performance.now();
  await runBatch(store, journal, { concurrency: CONCURRENCY });
  const runMs = performance.now() - t;
  gc();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  const tokenRequests = sb.count('token');
  if (journal.items.some((i) => i.state !== 'done')) throw new Error(`not every subscription was done: ${journal.items.find((i) => i.state !== 'done')?.state}`);
  await c.close();
  await sb.close();

  // Under a 20 % rate of 429 (Retry-After: 1), fewer subscriptions: each refusal waits a second.
  const fsb = await startSandbox({ subscriptions: FAULTY_SUBSCRIPTIONS });
  const fc = client(fsb);
  const fstore = new DbStore({ clients: { get: async () => fc }, reviewer: NO_REVIEW, history: { record: () => undefined }, log: quiet });
  const fids = ids.slice(0, FAULTY_SUBSCRIPTIONS);
  await fc.checkCredentials();
  fsb.setPressure(undefined, { percent: 20, status: 429 });
  const fjournal = await dryRunBatch(fstore, DEMO_GATE.idGate, fids, change, { concurrency: CONCURRENCY });
  await runBatch(fstore, fjournal, { concurrency: CONCURRENCY });
  const writes = (id: string): number => fsb.journal.filter((e) => e.idSubscription === id && e.route === 'putDb' && e.status === 200).length;
  const faulty = {
    subscriptions: FAULTY_SUBSCRIPTIONS,
    refused429: fsb.journal.filter((e) => e.status === 429).length,
    done: fjournal.items.filter((i) => i.state === 'done' || i.state === 'already').length,
    writtenTwice: fids.filter((id) => writes(id) > 1).length,
    lost: fids.filter((id) => fsb.getDb(DEMO_GATE.idGate, id)?.['plan'] !== 'team').length,
  };
  await fc.close();
  await fsb.close();
  const result: BatchScaleResult = {
    rttMs: BATCH_RTT_MS, subscriptions: SUBSCRIPTIONS, concurrency: CONCURRENCY, dryRunMs, runMs, dryRunTrips: 1, runTrips: 2, tokenRequests, heapMb, faulty,
  };
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
