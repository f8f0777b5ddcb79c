// Section 2: the cost LogUpClient adds over the bare request it makes. Both sides GET the same DB from the same
// sandbox on loopback, one call each in turn (the order flips every call), so drift and noise hit both equally.
// TCP connections are counted where they are accepted: Node's `net.server.socket` diagnostics channel fires once
// per connection the sandbox accepts; the calls are sequential, so a connection opened during a call is that
// side's.
import { subscribe } from 'node:diagnostics_channel';
import { Agent, request } from 'undici';
import { LogUpClient } from '../src/api/logUpClient';
import { DEMO_GATE } from '../src/sandbox/demoData';
import { startSandbox } from '../src/sandbox/sandbox';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = 200;
const SUB = 'sub_alpha';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

export interface OverheadResult {
  calls: number;
  rounds: number;
  /** Median LogUpClient call time / median bare undici call time, one value per round. */
  ratios: number[];
  /** Median call time per round, µs. */
  clientUsPerCall: number[];
  bareUsPerCall: number[];
  clientConnections: number;
  bareConnections: number;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox();
  let accepted = 0;
  subscribe('net.server.socket', () => accepted++);

  // With a request logger, as ClientRegistry makes every client (its own work, writing a log line, is not counted).
  const client = new LogUpClient({ baseUrl: sandbox.url, idGate: DEMO_GATE.idGate, secretKey: async () => DEMO_GATE.secretKey, logger: () => undefined });
  // The bare side: what any client must do at least — one keep-alive pool, a token, a GET, JSON.parse.
  const agent = new Agent();
  const tokenAnswer = await request(`${sandbox.url}/oauth/token`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: DEMO_GATE.idGate, client_secret: DEMO_GATE.secretKey, grant_type: 'client_credentials' }),
  });
  const { access_token: token } = (await tokenAnswer.body.json()) as { access_token: string };
  const { origin, pathname } = new URL(`${sandbox.url}/subscription/${SUB}/db`);
  const headers = { accept: 'application/json', authorization: `Bearer ${token}` };
  // `agent.request({ origin, path })`, not `undici.request(url, …)`: the latter copies its options with a spread on
  // every call, and an options object made that way slows undici's handling of the request by about a quarter
  // (BENCHMARKS.md, findings of 2026-12-01). The baseline is the least a client must do, so it takes the fast way.
  const bare = async (): Promise<unknown> => {
    const res = await agent.request({ origin, path: pathname, method: 'GET', headers });
    return JSON.parse(await res.body.text());
  };
  const viaClient = (): Promise<unknown> => client.getDb(SUB);

  let clientConnections = 0;
  let bareConnections = accepted;
  const timed = async (fn: () => Promise<unknown>): Promise<{ ms: number; opened: number }> => {
    const before = accepted;
    const t0 = performance.now();
    await fn();
    return { ms: performance.now() - t0, opened: accepted - before };
  };

  for (let i = 0; i < WARMUP; i++) {
    clientConnections += (await timed(viaClient)).opened;
    bareConnections += (await timed(bare)).opened;
  }
  const result: OverheadResult = { calls: CALLS, rounds: ROUNDS, ratios: [], clientUsPerCall: [], bareUsPerCall: [], clientConnections: 0, bareConnections: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const clientMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      const order = i % 2 === 0 ? [viaClient, bare] : [bare, viaClient];
      for (const fn of order) {
        const { ms, opened } = await timed(fn);
        if (fn === viaClient) {
          clientMs.push(ms);
          clientConnections += opened;
        } else {
          bareMs.push(ms);
          bareConnections += opened;
        }
      }
    }
    // Medians per call, not sums: on a shared machine a few calls stall for milliseconds, and a sum would be theirs.
    const clientMedian = median(clientMs);
    const bareMedian = median(bareMs);
    result.ratios.push(clientMedian / bareMedian);
    result.clientUsPerCall.push(clientMedian * 1000);
    result.bareUsPerCall.push(bareMedian * 1000);
    // The journal is not what is measured; keep it from growing through the run.
    sandbox.clearJournal();
  }
  result.clientConnections = clientConnections;
  result.bareConnections = bareConnections;
  await client.close();
  await agent.close();
  await sandbox.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
