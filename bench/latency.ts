// Section 6: how long a user waits for each action when the server is far away. The sandbox delays every answer by
// one round trip (RTT); the wall time of an action over the RTT is the number of round trips it waits in sequence,
// set beside the fewest the API allows. The real extension runs against bench/vscodeStub.ts, as in section 1.
// A second pass goes through a relay that makes every new connection cost two more round trips (TCP and TLS 1.3
// handshakes) and closes all connections before each action, as after a pause longer than the keep-alive timeout.
import { channel } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import * as vscode from 'vscode';
import { activate } from '../src/extension';
import type { Ctx } from '../src/ctx';
import { STATE_GATES, STATE_OPENED, secretKeyFor } from '../src/constants';
import { serializeDb } from '../src/core/dbDocument';
import type { Db } from '../src/core/db';
import { startSandbox } from '../src/sandbox/sandbox';
import type { TreeNode } from '../src/views/treeNodes';
import { startCostlyConnections, type CostlyConnections } from './connectionCost';
import type { Counts } from './roundTrips';
import { StubDocument, StubMemento, closeAllDocuments, stubContext } from './vscodeStub';

export const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 50);
const REPS = 7;
const CLOCK_REPS = 5;
/** Lifetime of the tokens of the clock gate: short, so a token's last stretch and its expiry come within the run. */
const CLOCK_LIFETIME_S = 1;

export interface LatencySample {
  ms: number;
  /** Milliseconds from the start of the action to the arrival of each request (sandbox journal), in order. */
  arrivals: number[];
  requests: Counts;
  connections: number;
}

export interface LatencyRow {
  action: string;
  /** The fewest round trips in sequence the API allows for this action. */
  minimum: number;
  /** The fewest when its requests cannot overlap (one HTTP/1.1 connection), where that is more than `minimum`. */
  serial?: number;
  note?: string;
  /** Sandbox latency only (connections are free on loopback): the measure the goal applies to. */
  warm: LatencySample[];
  /** Every action starts with no open connection, and each new one costs two round trips of handshakes. */
  cold: LatencySample[];
}

export interface LatencyResult {
  rttMs: number;
  reps: number;
  clockReps: number;
  setupMs: number;
  rows: LatencyRow[];
}

const SECRET = 'bench-secret-not-real';
const BASE_DB: Db = { name: 'Ada', country: 'italy', age: 36, vip: true, plan: 'pro' };
/** 20 keys: a save that adds 2 and deletes 2 must send the DELETE first. */
const FULL_DB: Db = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i + 1).padStart(2, '0')}`, i + 1]));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** New TCP connections accepted per local port, from Node's diagnostics channel (all servers run in this process). */
const accepted = new Map<number, number>();
channel('net.server.socket').subscribe((message) => {
  const port = (message as { socket: Socket }).socket.localPort ?? 0;
  accepted.set(port, (accepted.get(port) ?? 0) + 1);
});

interface Setup {
  /** The gates this pass uses: the normal one and the one with short-lived tokens. */
  gate: string;
  clockGate: string;
  /** The port whose accepted connections are the client's (the sandbox's, or the relay's). */
  ports: number[];
  /** Before each action: nothing (warm), or close every connection (cold). */
  beforeAction: () => Promise<void>;
}

async function main(): Promise<void> {
  const api = await startSandbox({ seed: false, latencyMs: RTT_MS });
  const clock = await startSandbox({ seed: false, latencyMs: RTT_MS, tokenLifetimeSeconds: CLOCK_LIFETIME_S });
  const setupMs = 2 * RTT_MS;
  const relays: CostlyConnections[] = [await startCostlyConnections(api.port, setupMs), await startCostlyConnections(clock.port, setupMs)];
  const [apiRelay, clockRelay] = relays as [CostlyConnections, CostlyConnections];

  const context = stubContext();
  const ctx = activate(context as unknown as vscode.ExtensionContext) as Ctx;
  const gates = {
    warm: { gate: 'gate_warm', clockGate: 'gate_warmClock', ports: [api.port, clock.port], beforeAction: async () => undefined },
    cold: {
      gate: 'gate_cold', clockGate: 'gate_coldClock', ports: [apiRelay.port, clockRelay.port],
      beforeAction: async () => {
        await Promise.all(relays.map((r) => r.dropAll()));
      },
    },
  } satisfies Record<string, Setup>;
  const local = (port: number): string => `http://127.0.0.1:${port}/v1_0`;
  for (const [s, apiUrl, clockUrl] of [[gates.warm, api.url, clock.url], [gates.cold, local(apiRelay.port), local(clockRelay.port)]] as const) {
    api.addGate(s.gate, SECRET);
    clock.addGate(s.clockGate, SECRET);
    await ctx.gates.save({ idGate: s.gate, label: s.gate, baseUrl: apiUrl, environment: 'development' }, SECRET);
    await ctx.gates.save({ idGate: s.clockGate, label: s.clockGate, baseUrl: clockUrl, environment: 'development' }, SECRET);
  }

  let subs = 0;
  /** A subscription no earlier action has touched, holding `db`. */
  const fresh = (s: Setup, db: Db = BASE_DB, idGate = s.gate): { idGate: string; idSubscription: string } => {
    const ref = { idGate, idSubscription: `sub_${++subs}` };
    (idGate === s.clockGate ? clock : api).setDb(idGate, ref.idSubscription, db);
    return ref;
  };
  const open = async (ref: { idGate: string; idSubscription: string }): Promise<StubDocument> =>
    ((await vscode.commands.executeCommand('logup.openDb', ref)) as { document: StubDocument }).document;
  const save = async (document: StubDocument): Promise<void> => {
    if (!(await document.save())) throw new Error(`the save of ${document.uri.toString()} failed: ${ctx.lastError ?? ''}`);
  };
  const count = (): Counts => {
    const counts: Counts = {};
    for (const e of [...api.journal, ...clock.journal]) {
      if (e.route === 'control' || e.route === 'unknown') continue;
      counts[e.route] = (counts[e.route] ?? 0) + 1;
    }
    return counts;
  };

  /**
   * Times `act` after `prepare` (not timed), `reps` times in each pass. `prepare` returns what `act` needs. An action
   * that fails is a bench failure: a fast error is not a fast action.
   */
  const rows: LatencyRow[] = [];
  async function row<T>(action: string, minimum: number, prepare: (s: Setup) => Promise<T>, act: (s: Setup, p: T) => PromiseLike<unknown>,
    options: { reps?: number; note?: string; serial?: number } = {}): Promise<void> {
    const result: LatencyRow = { action, minimum, warm: [], cold: [], ...(options.note ? { note: options.note } : {}), ...(options.serial ? { serial: options.serial } : {}) };
    for (const pass of ['warm', 'cold'] as const) {
      const s = gates[pass];
      for (let i = 0; i < (options.reps ?? REPS); i++) {
        const p = await prepare(s);
        await s.beforeAction();
        api.clearJournal();
        clock.clearJournal();
        const connectionsBefore = s.ports.reduce((n, port) => n + (accepted.get(port) ?? 0), 0);
        const startedAt = Date.now();
        const start = performance.now();
        await act(s, p);
        const ms = performance.now() - start;
        const arrivals = [...api.journal, ...clock.journal].map((e) => e.at - startedAt).sort((a, b) => a - b);
        const connections = s.ports.reduce((n, port) => n + (accepted.get(port) ?? 0), 0) - connectionsBefore;
        result[pass].push({ ms, arrivals, requests: count(), connections });
        closeAllDocuments();
      }
    }
    rows.push(result);
  }

  // Not timed: the first client of the run loads the api bundle (undici, zod) and warms its code paths.
  for (const s of Object.values(gates)) await open(fresh(s));
  closeAllDocuments();

  await row('Open a DB (no token cached yet)', 2, async (s) => {
    await ctx.clients.reset(s.gate);
    return fresh(s);
  }, (_s, ref) => open(ref));
  await row('Open a DB (token cached)', 1, async (s) => fresh(s), (_s, ref) => open(ref));
  await row('Verify Token', 1, async (s) => {
    const ref = fresh(s);
    const token = `lut_bench_${ref.idSubscription}`;
    api.addLogupToken(s.gate, token, { idSubscription: ref.idSubscription, idActor: `acr_${ref.idSubscription}` });
    return token;
  }, (s, token) => vscode.commands.executeCommand('logup.verifyToken', { input: token, idGate: s.gate }));
  await row('Open Subscription by ID', 1, async (s) => fresh(s), (s, ref) =>
    vscode.commands.executeCommand('logup.openSubscriptionById', { idGate: s.gate, idSubscription: ref.idSubscription }));

  /** A document of a fresh subscription holding `db`, edited to `edited` and not saved yet. */
  const edited = (db: Db, next: (db: Db) => Db) => async (s: Setup): Promise<StubDocument> => {
    const document = await open(fresh(s, db));
    document.setText(serializeDb(next(db)));
    return document;
  };
  const without = (db: Db, ...keys: string[]): Db => Object.fromEntries(Object.entries(db).filter(([k]) => !keys.includes(k)));
  await row('Save: additions only', 2, edited(BASE_DB, (db) => ({ ...db, extra: 'x', score: 7 })), (_s, d) => save(d));
  await row('Save: deletions only', 2, edited(BASE_DB, (db) => without(db, 'vip', 'plan')), (_s, d) => save(d));
  await row('Save: additions and deletions', 2, edited(BASE_DB, (db) => ({ ...without(db, 'plan'), tier: 'gold' })), (_s, d) => save(d),
    { note: 'DELETE ‖ PUT', serial: 3 });
  await row('Save: additions and deletions, DB at 20 keys', 3, edited(FULL_DB, (db) => ({ ...without(db, 'k01', 'k02'), n1: 'one', n2: 'two' })),
    (_s, d) => save(d), { note: 'DELETE before PUT (cap)' });
  await row('Save: no change (reformatted text)', 1, async (s) => {
    const document = await open(fresh(s));
    document.setText(JSON.stringify(BASE_DB));
    return document;
  }, (_s, d) => save(d));

  const shown = async (s: Setup): Promise<{ idGate: string; idSubscription: string }> => {
    const ref = fresh(s);
    await ctx.store.read(ref); // the tree shows it
    return ref;
  };
  await row('Tree: Edit Value', 2, shown, (_s, ref) => vscode.commands.executeCommand('logup.editValue', { ...ref, key: 'age' }, 37));
  await row('Tree: Delete Key', 2, shown, (_s, ref) => {
    ctx.modal.ask = async (question) => question.actions[0]; // the person clicks Delete in the confirmation
    return vscode.commands.executeCommand('logup.deleteKey', { ...ref, key: 'plan' });
  });

  // The clock gate's tokens live CLOCK_LIFETIME_S (an hour, scaled down). Someone at work: an action in the second
  // half of the token's life, then one in its last tenth, where a token is too close to expiry to be sent. Someone
  // back after a pause: the first action after the token expired.
  const lifetimeMs = CLOCK_LIFETIME_S * 1000;
  const tokenAt = (...ages: number[]) => async (s: Setup): Promise<{ idGate: string; idSubscription: string }> => {
    await ctx.clients.reset(s.clockGate);
    const t0 = Date.now();
    await ctx.store.read(fresh(s, BASE_DB, s.clockGate)); // a new token, taken at about t0
    for (const [i, age] of ages.entries()) {
      await sleep(t0 + age * lifetimeMs - Date.now());
      if (i < ages.length - 1) await ctx.store.read(fresh(s, BASE_DB, s.clockGate)); // an earlier action (not timed)
    }
    return fresh(s, BASE_DB, s.clockGate);
  };
  await row('Open a DB in the token\'s last tenth, user at work', 1, tokenAt(0.65, 0.95), (_s, ref) => open(ref),
    { reps: CLOCK_REPS, note: 'an action at 65 % of its life fetched the next token behind it' });
  await row('Open a DB after the token expired, user back from a pause', 2, tokenAt(1.1), (_s, ref) => open(ref),
    { reps: CLOCK_REPS, note: 'an expired token cannot be used' });

  // Window reload: a new activation with 3 gates and 50 opened subscriptions in globalState, the view shown with its
  // gates expanded (VS Code asks for the root's and each gate's children and every item), nothing else touched.
  ctx.dispose();
  closeAllDocuments();
  const reload = async (s: Setup): Promise<Ctx> => {
    const baseUrl = s === gates.warm ? api.url : local(apiRelay.port);
    const ids = [0, 1, 2].map((g) => `gate_reload${g}_${s === gates.warm ? 'w' : 'c'}`);
    const opened = Object.fromEntries(ids.map((id, g) => [id, Array.from({ length: g === 0 ? 30 : 10 }, (_, i) => ({ idSubscription: `sub_r${g}_${i}`, idActor: `acr_r${g}_${i}` }))]));
    const state = new StubMemento(JSON.stringify({ [STATE_GATES]: ids.map((idGate) => ({ idGate, label: idGate, baseUrl, environment: 'development' })), [STATE_OPENED]: opened }));
    const reloaded = stubContext(state);
    for (const id of ids) {
      api.addGate(id, SECRET);
      await (reloaded.secrets as { store(k: string, v: string): Promise<void> }).store(secretKeyFor(id), SECRET);
    }
    return activate(reloaded as unknown as vscode.ExtensionContext) as Ctx;
  };
  await row('Window reload: 3 gates, 50 opened subscriptions', 0, reload, async (_s, reloaded) => {
    const tree = reloaded.tree;
    const render = async (node?: TreeNode): Promise<TreeNode[]> => {
      const children = await tree.getChildren(node);
      for (const child of children) tree.getTreeItem(child);
      return children;
    };
    for (const gate of await render()) await render(gate);
    await sleep(3 * RTT_MS); // anything sent in the background would be in the journal by now
    reloaded.dispose();
  }, { reps: 1, note: 'requests before the user expands anything' });

  await Promise.all([api.close(), clock.close(), ...relays.map((r) => r.close())]);
  const result: LatencyResult = { rttMs: RTT_MS, reps: REPS, clockReps: CLOCK_REPS, setupMs, rows };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
