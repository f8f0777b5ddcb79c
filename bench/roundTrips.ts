// Section 1: requests per user action, counted from the sandbox journal, next to the minimum the API allows.
// The real extension (activate → Ctx, commands, SubscriptionFileSystem, DbStore, ClientRegistry, LogUpClient) runs
// against bench/vscodeStub.ts, which replays VS Code's FileService call order for opening and saving a document.
import * as vscode from 'vscode';
import { activate } from '../src/extension';
import type { Ctx } from '../src/ctx';
import { serializeDb } from '../src/core/dbDocument';
import type { Db } from '../src/core/db';
import { startSandbox, type SandboxHandle, type SandboxRoute } from '../src/sandbox/sandbox';
import { StubDocument, closeAllDocuments, stubContext } from './vscodeStub';

/** Requests by route; routes not listed are zero. */
export type Counts = Partial<Record<SandboxRoute, number>>;

export interface RoundTripRow {
  action: string;
  actual: Counts;
  minimum: Counts;
  note?: string;
}

const SECRET = 'bench-secret-not-real';
const GATE = 'gate_bench';
const CLOCK_GATE = 'gate_benchClock';
const BASE_DB: Db = { name: 'Ada', country: 'italy', age: 36, vip: true, plan: 'pro' };

function counted(...sandboxes: SandboxHandle[]): Counts {
  const counts: Counts = {};
  for (const s of sandboxes) {
    for (const e of s.journal) {
      if (e.route === 'control' || e.route === 'unknown') continue;
      counts[e.route] = (counts[e.route] ?? 0) + 1;
    }
  }
  return counts;
}

async function main(): Promise<void> {
  const api = await startSandbox({ seed: false });
  // A second server whose tokens live one second, for the "expired by the clock" row.
  const clock = await startSandbox({ seed: false, tokenLifetimeSeconds: 1 });
  api.addGate(GATE, SECRET);
  clock.addGate(CLOCK_GATE, SECRET);
  for (let i = 0; i < 60; i++) {
    api.setDb(GATE, `sub_${i}`, { ...BASE_DB, n: i });
    clock.setDb(CLOCK_GATE, `sub_${i}`, { ...BASE_DB, n: i });
  }
  api.addLogupToken(GATE, 'lut_bench_verify', { idSubscription: 'sub_verified', idActor: 'acr_verified' });

  const context = stubContext();
  const ctx = activate(context as unknown as vscode.ExtensionContext) as Ctx;
  await ctx.gates.save({ idGate: GATE, label: GATE, baseUrl: api.url, environment: 'development' }, SECRET);
  await ctx.gates.save({ idGate: CLOCK_GATE, label: CLOCK_GATE, baseUrl: clock.url, environment: 'development' }, SECRET);

  const rows: RoundTripRow[] = [];
  const row = async (action: string, minimum: Counts, work: () => Promise<unknown>, note?: string): Promise<void> => {
    api.clearJournal();
    clock.clearJournal();
    await work();
    rows.push({ action, actual: counted(api, clock), minimum, ...(note ? { note } : {}) });
  };
  const ref = (i: number, idGate = GATE) => ({ idGate, idSubscription: `sub_${i}` });
  const open = async (i: number): Promise<StubDocument> =>
    ((await vscode.commands.executeCommand('logup.openDb', ref(i))) as { document: StubDocument }).document;
  const save = async (document: StubDocument, db: Db, text = serializeDb(db)): Promise<void> => {
    document.setText(text);
    if (!(await document.save())) throw new Error(`the save of ${document.uri.toString()} failed: ${ctx.lastError ?? ''}`);
  };

  await row('Open a DB (no token cached yet)', { token: 1, getDb: 1 }, () => open(0));
  await row('Open a DB (token cached)', { getDb: 1 }, () => open(1));
  await ctx.tree.getChildren({ kind: 'subscription', idGate: GATE, subscription: { idSubscription: 'sub_2' } });
  await row('Open a DB already expanded in the tree', { getDb: 1 }, () => open(2));

  const document = await open(3);
  let db: Db = { ...BASE_DB, n: 3 };
  await row('Save: additions only', { getDb: 1, putDb: 1 }, () => save(document, (db = { ...db, extra: 'x', score: 7 })));
  const { vip: _vip, plan: _plan, ...fewer } = db;
  await row('Save: deletions only', { getDb: 1, deleteDb: 1 }, () => save(document, (db = fewer)));
  await row('Save: additions and deletions', { getDb: 1, deleteDb: 1, putDb: 1 }, () => save(document, (db = (({ extra: _e, ...rest }) => ({ ...rest, tier: 'gold' }))(db))));
  await row('Save: no change (reformatted text)', { getDb: 1 }, () => save(document, db, JSON.stringify(db)));

  await row('Verify a token', { verification: 1 }, async () =>
    vscode.commands.executeCommand('logup.verifyToken', { input: 'lut_bench_verify', idGate: GATE }));

  // Expired by the clock: the client knows the lifetime, so one refresh precedes all 50 calls.
  await ctx.store.read(ref(0, CLOCK_GATE));
  await new Promise((r) => setTimeout(r, 1100));
  await row('50 concurrent reads, token expired (clock)', { token: 1, getDb: 50 }, () =>
    Promise.all(Array.from({ length: 50 }, (_, i) => ctx.store.read(ref(i + 10, CLOCK_GATE)))));

  // Revoked on the server before its time: every call learns it from a 401, so each is sent twice, but the 50
  // refusals share one token request.
  api.expireTokens();
  await row('50 concurrent reads, token revoked (401)', { token: 1, getDb: 100 }, () =>
    Promise.all(Array.from({ length: 50 }, (_, i) => ctx.store.read(ref(i + 10)))),
  'each first try is refused (401) and sent once more');

  closeAllDocuments();
  ctx.dispose();
  await Promise.all([api.close(), clock.close()]);
  process.stdout.write(`${JSON.stringify(rows)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
