// Shared by the api's unit tests: a client on a sandbox, a dispatcher that records the access tokens a client
// sends, and a helper for asserting a rejection. Each test file runs in its own process, so `seenErrors` is per file.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Agent, type Dispatcher } from 'undici';
import type { LogUpClientOptions } from '../../src/api/clientOptions';
import { LogUpClient } from '../../src/api/logUpClient';
import { DbStore, NO_REVIEW, type StoreWiring, type WriteRecord } from '../../src/db/dbStore';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';

// Derived from startSandbox: only it and SandboxHandle are promised to stay in sandbox.ts.
export type SandboxOptions = NonNullable<Parameters<typeof startSandbox>[0]>;
export type SandboxHooks = NonNullable<Parameters<typeof startSandbox>[1]>;
export type JournalEntry = SandboxHandle['journal'][number];

/** A backoff sleep that returns at once (a cancelled signal still rejects, as the real one does). */
export async function fastSleep(_ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new Error('aborted');
}

/** A real wait, for tests about time. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A client of the sandbox's demo gate with a fast backoff; `overrides` replace any option. The caller closes it. */
export function sandboxClient(sb: Pick<SandboxHandle, 'url'>, overrides: Partial<LogUpClientOptions> = {}): LogUpClient {
  return new LogUpClient({
    baseUrl: sb.url,
    idGate: DEMO_GATE.idGate,
    secretKey: async () => DEMO_GATE.secretKey,
    sleep: fastSleep,
    ...overrides,
  });
}

/** A fresh sandbox, closed after the test. */
export async function testSandbox(t: TestContext, options: SandboxOptions = {}, hooks: SandboxHooks = {}): Promise<SandboxHandle> {
  const sb = await startSandbox(options, hooks);
  t.after(() => sb.close());
  return sb;
}

/** A fresh sandbox and a client on it with a token already fetched, both closed after the test. */
export async function readyClient(t: TestContext, overrides: Partial<LogUpClientOptions> = {}): Promise<{ sb: SandboxHandle; client: LogUpClient }> {
  const sb = await testSandbox(t);
  const client = sandboxClient(sb, overrides);
  t.after(() => client.close());
  await client.checkCredentials();
  return { sb, client };
}

/** A dispatcher that adds each bearer token it carries to every one of `sets` (for redaction tests and secret scans). */
export function tokenRecorder(...sets: Set<string>[]): { dispatcher: Dispatcher; close: () => Promise<void> } {
  const agent = new Agent();
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    const auth = (opts.headers as Record<string, string> | undefined)?.authorization;
    if (typeof auth === 'string') for (const set of sets) set.add(auth.replace(/^Bearer /, ''));
    return dispatch(opts, handler);
  });
  return { dispatcher, close: () => agent.close() };
}

/** Every error `failure` returned in this test file, for a final scan for secrets. */
export const seenErrors: unknown[] = [];

/** Awaits a promise that must reject with an Error carrying no demo secret in its message, and returns the error. */
export async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    seenErrors.push(e);
    assert.ok(e instanceof Error, `an Error, got ${String(e)}`);
    assert.ok(!e.message.includes(DEMO_GATE.secretKey), 'no secret in the message');
    return e;
  }
  assert.fail('expected the call to fail');
}

/**
 * For each [body, words]: the sandbox answers the next `route` call 200 with `body`, and `call` must fail with
 * "<label> returned an unexpected response: <words>", word for word.
 */
export async function assertAnswersRefused(
  sb: Pick<SandboxHandle, 'failNext'>,
  route: Parameters<SandboxHandle['failNext']>[0],
  call: () => Promise<unknown>,
  label: string,
  cases: readonly (readonly [body: string, words: string])[],
): Promise<Error[]> {
  const errors: Error[] = [];
  for (const [body, words] of cases) {
    sb.failNext(route, 1, { status: 200, body });
    const e = await failure(call());
    assert.equal(e.message, `${label} returned an unexpected response: ${words}`, body);
    errors.push(e);
  }
  return errors;
}

/**
 * A DbStore on `client` with no review and a history that records into `records` (the wiring ctx.ts gives it in the
 * extension, with the sandbox's client instead of the gate's).
 */
export function storeOn(client: LogUpClient, wiring: Partial<Omit<StoreWiring, 'clients'>> & { records?: WriteRecord[] } = {}): DbStore {
  const { records, ...rest } = wiring;
  return new DbStore({
    clients: { get: async () => client },
    reviewer: NO_REVIEW,
    history: { record: (record) => records?.push(record) },
    log: { info: () => undefined, warn: () => undefined },
    ...rest,
  });
}
