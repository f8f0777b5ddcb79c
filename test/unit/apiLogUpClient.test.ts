// The LogUp client against the real sandbox over loopback HTTP: every endpoint and documented variant, token
// caching/refresh, retries, timeouts, cancellation, input refusal and redaction.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { Agent } from 'undici';
import {
  LogUpCancelledError,
  LogUpConfigError,
  LogUpError,
  LogUpHttpError,
  LogUpNetworkError,
  LogUpResponseError,
  LogUpTimeoutError,
} from '../../src/api/errors';
import { sleep } from '../../src/api/abort';
import { isAuthFailure } from '../../src/api/failures';
import type { LogUpClient, LogUpClientOptions, RequestLogEntry } from '../../src/api/logUpClient';
import { DEMO_GATE, DEMO_INVALID_LOGUP_TOKEN, DEMO_LOGUP_TOKENS, DEMO_SUBSCRIPTIONS } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { assertAnswersRefused, delay, failure, sandboxClient, seenErrors, testSandbox, tokenRecorder, type SandboxOptions } from './support';

const ALPHA = DEMO_SUBSCRIPTIONS[0]!;
const ALPHA_TOKEN = DEMO_LOGUP_TOKENS[0]!;

// Everything secret any test handled, and everything any client reported: scanned by the last test.
const secrets = new Set<string>([DEMO_GATE.secretKey, DEMO_INVALID_LOGUP_TOKEN, ...DEMO_LOGUP_TOKENS.map((t) => t.logupToken)]);
const seenLogs: RequestLogEntry[] = [];

interface Harness {
  sb: SandboxHandle;
  client: LogUpClient;
  logs: RequestLogEntry[];
  /** Backoff delays the client asked for (the injected sleep returns at once). */
  sleeps: number[];
  /** Access tokens this client sent. */
  tokens: Set<string>;
}

/** A fresh sandbox and a client on it; access tokens are captured (for the redaction scan) by an interceptor. */
async function setup(
  t: TestContext,
  sandbox: SandboxOptions = {},
  options: Partial<LogUpClientOptions> = {},
  { realSleep = false } = {},
): Promise<Harness> {
  const sb = await testSandbox(t, sandbox);
  const logs: RequestLogEntry[] = [];
  const sleeps: number[] = [];
  const tokens = new Set<string>();
  const recorder = tokenRecorder(tokens, secrets);
  const client = sandboxClient(sb, {
    logger: (e) => {
      logs.push(e);
      seenLogs.push(e);
    },
    sleep: realSleep
      ? sleep
      : async (ms: number): Promise<void> => {
          sleeps.push(ms);
        },
    dispatcher: recorder.dispatcher,
    ...options,
  });
  t.after(async () => {
    await client.close();
    await recorder.close();
  });
  return { sb, client, logs, sleeps, tokens };
}

const statuses = (sb: SandboxHandle, route: string): number[] => sb.journal.filter((e) => e.route === route).map((e) => e.status);

describe('endpoints', () => {
  test('verify, getDb (all and some keys), putDb and deleteDb work with one token', async (t) => {
    const { sb, client } = await setup(t);

    const v = await client.verify(ALPHA_TOKEN.logupToken);
    assert.equal(v.verified, true);
    if (v.verified) {
      assert.equal(v.idSubscription, ALPHA.idSubscription);
      assert.equal(v.idActor, ALPHA.idActor);
      assert.deepEqual(v.db, ALPHA.db);
    }

    assert.deepEqual(await client.getDb(ALPHA.idSubscription), ALPHA.db);
    assert.deepEqual(await client.getDb(ALPHA.idSubscription, ['name', 'age', 'missing']), { name: 'Ada Lovelace', age: 36 });
    assert.equal(sb.journal.at(-1)?.query, 'keys=name,age,missing');

    const afterPut = await client.putDb(ALPHA.idSubscription, [{ key: 'plan', value: 'team' }, { key: 'visits', value: 3 }]);
    assert.deepEqual(afterPut, { ...ALPHA.db, plan: 'team', visits: 3 });
    assert.deepEqual(sb.getDb(DEMO_GATE.idGate, ALPHA.idSubscription), afterPut);

    assert.equal(await client.deleteDb(ALPHA.idSubscription, ['visits', 'newsletter']), undefined, '204 → undefined');
    const rest: Record<string, unknown> = { ...afterPut };
    delete rest.visits;
    delete rest.newsletter;
    assert.deepEqual(sb.getDb(DEMO_GATE.idGate, ALPHA.idSubscription), rest);

    assert.equal(sb.count('token'), 1, 'the access token is cached across calls');
    const put = sb.journal.find((e) => e.route === 'putDb');
    assert.deepEqual(put?.body, { data: [{ key: 'plan', value: 'team' }, { key: 'visits', value: 3 }] });
    assert.deepEqual(sb.journal.find((e) => e.route === 'deleteDb')?.body, { keys: ['visits', 'newsletter'] });
  });

  test('requests go to the base URL\'s path, and keys to read are sent encoded as a URL parser encodes them', async (t) => {
    // The client hands undici the origin and the path, without a URL to parse: what arrives must be what it was.
    const sb = await testSandbox(t);
    const client = sandboxClient(sb, { baseUrl: `${sb.url}/` });
    t.after(() => client.close());
    const keys = ["it's", 'a b', 'é', '%', '!()*~'];
    await client.putDb(ALPHA.idSubscription, keys.map((key) => ({ key, value: key })));
    assert.deepEqual(await client.getDb(ALPHA.idSubscription, [...keys, 'missing']), Object.fromEntries(keys.map((k) => [k, k])));
    const get = sb.journal.at(-1);
    assert.equal(get?.path, `${new URL(sb.url).pathname}/subscription/${ALPHA.idSubscription}/db`);
    assert.equal(get?.query, 'keys=it%27s,a%20b,%C3%A9,%25,!()*~,missing');
    assert.deepEqual(sb.journal.map((e) => e.route), ['token', 'putDb', 'getDb']);
  });

  test('an unknown logupToken is an answer with verified: false, not an error', async (t) => {
    const { client } = await setup(t);
    const v = await client.verify(DEMO_INVALID_LOGUP_TOKEN);
    assert.equal(v.verified, false);
    assert.equal(v.errorMessage, 'INVALID_LOGUP_TOKEN');
    assert.equal(v.idSubscription ?? null, null);
  });

  test('empty key lists send nothing', async (t) => {
    const { sb, client } = await setup(t);
    assert.deepEqual(await client.getDb(ALPHA.idSubscription, []), {});
    assert.equal(await client.deleteDb(ALPHA.idSubscription, []), undefined);
    assert.equal(sb.journal.length, 0);
  });

  test('documented variants: 201 token, token_type spelled any way, DELETE answering 200 with the DB', async (t) => {
    const { sb, client } = await setup(t, { variants: { tokenStatus: 201, tokenType: 'Baerer', deleteStatus: 200 } });
    assert.deepEqual(await client.deleteDb(ALPHA.idSubscription, ['plan']), (({ plan: _p, ...r }) => r)(ALPHA.db));
    for (const tokenType of ['Bearer', 'bearer', 'MAC']) {
      sb.setVariants({ tokenType });
      await client.checkCredentials();
      await client.getDb(ALPHA.idSubscription);
    }
    assert.deepEqual(statuses(sb, 'token'), [201, 201, 201, 201]);
    assert.ok(statuses(sb, 'getDb').every((s) => s === 200), 'always sent as Bearer, whatever token_type said');
  });

  test('the server\'s message is shown whatever key carries it', async (t) => {
    const { sb, client } = await setup(t);
    for (const errorKey of ['errorMessage', 'error', 'message'] as const) {
      sb.setVariants({ errorKey });
      const e = await failure(client.putDb(ALPHA.idSubscription, [{ key: 'k'.repeat(33), value: 1 }]));
      assert.ok(e instanceof LogUpHttpError);
      assert.equal(e.status, 400);
      assert.match(e.serverMessage ?? '', /^KEY_TOO_LONG/, errorKey);
      assert.match(e.message, /^PUT \/subscription\/sub_alpha\/db failed: 400 KEY_TOO_LONG/);
      assert.equal(isAuthFailure(e), false);
    }
    assert.equal(sb.count('putDb'), 3, '400 is never retried');
  });

  test('an unknown subscription is a 404 with the server\'s words', async (t) => {
    const { client } = await setup(t);
    const e = await failure(client.getDb('sub_nobody'));
    assert.ok(e instanceof LogUpHttpError);
    assert.equal(e.status, 404);
    assert.equal(e.message, 'GET /subscription/sub_nobody/db failed: 404 SUBSCRIPTION_NOT_FOUND');
  });

  test('an HTML error page becomes a short readable message, and 500 is not retried even for GET', async (t) => {
    const { sb, client } = await setup(t);
    const page =
      '<!DOCTYPE html><html><head><style>body{color:red}</style><title>Service &amp; Gateway Error</title></head>' +
      `<body><h1>Oops</h1><script>var x = 1;</script>${'<p>filler</p>'.repeat(500)}</body></html>`;
    sb.failNext('getDb', 1, { status: 500, body: page });
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpHttpError);
    assert.equal(e.serverMessage, 'Service & Gateway Error');
    assert.equal(e.message, 'GET /subscription/sub_alpha/db failed: 500 Service & Gateway Error');
    assert.equal(sb.count('getDb'), 1);

    sb.failNext('getDb', 1, { status: 400, body: `<div>\u001b[31mplain\n\n  broken ${'x'.repeat(1000)}</div>` });
    const e2 = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e2 instanceof LogUpHttpError);
    assert.ok((e2.serverMessage ?? '').length <= 200);
    assert.match(e2.serverMessage ?? '', /^\[31mplain broken x+…$/, 'control characters and markup are gone');
  });
});

describe('tokens', () => {
  test('a token near its expiry is replaced before use (no 401 needed)', async (t) => {
    const { sb, client } = await setup(t, { tokenLifetimeSeconds: 1 });
    await client.getDb(ALPHA.idSubscription);
    await client.getDb(ALPHA.idSubscription);
    assert.equal(sb.count('token'), 1);
    await delay(950);
    await client.getDb(ALPHA.idSubscription);
    assert.equal(sb.count('token'), 2);
    assert.deepEqual(statuses(sb, 'getDb'), [200, 200, 200]);
  });

  test('50 concurrent calls on a fresh client share one token request', async (t) => {
    const { sb, client } = await setup(t);
    sb.failNext('token', 1, { delayMs: 100 });
    const dbs = await Promise.all(Array.from({ length: 50 }, () => client.getDb(ALPHA.idSubscription)));
    assert.equal(dbs.length, 50);
    assert.equal(sb.count('token'), 1);
    assert.equal(sb.count('getDb'), 50);
  });

  test('50 concurrent calls after the client-side expiry share one refresh', async (t) => {
    const { sb, client } = await setup(t, { tokenLifetimeSeconds: 1 });
    await client.getDb(ALPHA.idSubscription);
    await delay(950);
    await Promise.all(Array.from({ length: 50 }, () => client.getDb(ALPHA.idSubscription)));
    assert.equal(sb.count('token'), 2);
    assert.ok(statuses(sb, 'getDb').every((s) => s === 200));
  });

  test('50 concurrent calls hitting 401 after a server-side expiry cause exactly one refresh', async (t) => {
    const { sb, client } = await setup(t);
    await client.getDb(ALPHA.idSubscription);
    sb.expireTokens();
    sb.clearJournal();
    await Promise.all(Array.from({ length: 50 }, () => client.getDb(ALPHA.idSubscription)));
    assert.equal(sb.count('token'), 1);
    const s = statuses(sb, 'getDb');
    assert.equal(s.filter((x) => x === 401).length, 50);
    assert.equal(s.filter((x) => x === 200).length, 50);
  });

  test('a 401 is recovered with one refresh and one retry, and a second 401 is not looped', async (t) => {
    const { sb, client } = await setup(t);
    await client.getDb(ALPHA.idSubscription);
    sb.expireTokens();
    sb.clearJournal();
    await client.putDb(ALPHA.idSubscription, [{ key: 'plan', value: 'free' }]);
    assert.deepEqual(statuses(sb, 'putDb'), [401, 200]);
    assert.equal(sb.count('token'), 1);

    sb.clearJournal();
    sb.failNext('getDb', 2, { status: 401 });
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpHttpError && e.status === 401);
    assert.equal(isAuthFailure(e), true);
    assert.equal(sb.count('getDb'), 2);
    assert.equal(sb.count('token'), 1);
  });

  test('a failed refresh rejects every waiter, and the next call tries again', async (t) => {
    const { sb, client } = await setup(t);
    sb.failNext('token', 1, { status: 401, delayMs: 50 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => client.getDb(ALPHA.idSubscription)));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      if (r.status === 'rejected') {
        seenErrors.push(r.reason);
        assert.equal(isAuthFailure(r.reason), true);
        assert.equal((r.reason as LogUpHttpError).path, '/oauth/token');
      }
    }
    assert.equal(sb.count('token'), 1);
    assert.equal(sb.count('getDb'), 0);
    await client.getDb(ALPHA.idSubscription);
    assert.equal(sb.count('token'), 2);
  });

  test('bad credentials are an auth error; checkCredentials always asks again; forgetToken drops the cache', async (t) => {
    const { sb, client } = await setup(t, {}, { secretKey: async () => 'wrong-secret-Zq81' });
    secrets.add('wrong-secret-Zq81');
    const e = await failure(client.checkCredentials());
    assert.equal(isAuthFailure(e), true);
    assert.equal(e.message, 'POST /oauth/token failed: 401 INVALID_CLIENT');
    assert.equal(sb.count('token'), 1, 'a 401 from the token call is not retried');

    const other = sandboxClient(sb, { idGate: 'gate_unknown' });
    t.after(() => other.close());
    assert.equal(isAuthFailure(await failure(other.getDb(ALPHA.idSubscription))), true);

    const good = sandboxClient(sb);
    t.after(() => good.close());
    sb.clearJournal();
    await good.getDb(ALPHA.idSubscription);
    await good.checkCredentials();
    assert.equal(sb.count('token'), 2);
    good.forgetToken();
    await good.getDb(ALPHA.idSubscription);
    assert.equal(sb.count('token'), 3);
  });

  test('a missing secret is refused before any request', async (t) => {
    const { sb, client } = await setup(t, {}, { secretKey: async () => '' });
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpConfigError);
    assert.match(e.message, /gate_sandboxDemo/);
    assert.equal(sb.journal.length, 0);
  });
});

describe('timeouts and cancellation', () => {
  test('a slow GET times out and is retried; a slow PUT or verify times out once and is not', async (t) => {
    const { sb, client, logs } = await setup(t, {}, { timeoutMs: 250 });
    await client.checkCredentials();
    sb.failNext('getDb', 1, { delayMs: 3000 });
    assert.deepEqual(await client.getDb(ALPHA.idSubscription), ALPHA.db);
    assert.equal(sb.count('getDb'), 2);
    assert.deepEqual(logs.filter((l) => l.method === 'GET').map((l) => [l.attempt, l.outcome]), [[1, 'timeout'], [2, 'ok']]);

    sb.failNext('putDb', 1, { delayMs: 3000 });
    const started = Date.now();
    const e = await failure(client.putDb(ALPHA.idSubscription, [{ key: 'plan', value: 'x' }]));
    assert.ok(e instanceof LogUpTimeoutError);
    assert.equal(e.timeoutMs, 250);
    // undici checks its request timers about twice a second, so a timeout fires up to about 1 s late.
    assert.ok(Date.now() - started < 2000, 'the timeout is enforced by the client, long before the server answers');
    assert.equal(sb.count('putDb'), 1);

    sb.failNext('verification', 1, { delayMs: 3000 });
    assert.ok((await failure(client.verify(ALPHA_TOKEN.logupToken))) instanceof LogUpTimeoutError);
    assert.equal(sb.count('verification'), 1);
  });

  test('aborting mid-request rejects promptly with LogUpCancelledError', async (t) => {
    const { sb, client, logs } = await setup(t);
    await client.checkCredentials();
    sb.failNext('getDb', 1, { delayMs: 3000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const e = await failure(client.getDb(ALPHA.idSubscription, undefined, { signal: controller.signal }));
    assert.ok(e instanceof LogUpCancelledError);
    assert.ok(Date.now() - started < 2500, 'rejected before the server would have answered (3 s)');
    assert.equal(sb.count('getDb'), 1, 'not retried after a cancel');
    assert.equal(logs.at(-1)?.outcome, 'cancelled');
  });

  test('an already aborted signal sends nothing', async (t) => {
    const { sb, client } = await setup(t);
    const e = await failure(client.putDb(ALPHA.idSubscription, [{ key: 'a', value: 1 }], { signal: AbortSignal.abort() }));
    assert.ok(e instanceof LogUpCancelledError);
    assert.equal(sb.journal.length, 0);
  });

  test('aborting during a backoff sleep (real timer) rejects promptly', async (t) => {
    const { sb, client } = await setup(t, {}, {}, { realSleep: true });
    await client.checkCredentials();
    sb.failNext('getDb', 1, { status: 503, headers: { 'retry-after': '20' } });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const e = await failure(client.getDb(ALPHA.idSubscription, undefined, { signal: controller.signal }));
    assert.ok(e instanceof LogUpCancelledError);
    assert.ok(Date.now() - started < 10_000, 'rejected long before the 20 s Retry-After');
    assert.equal(sb.count('getDb'), 1);
  });

  test('cancelling one caller waiting for a token does not fail the shared refresh', async (t) => {
    const { sb, client } = await setup(t);
    sb.failNext('token', 1, { delayMs: 300 });
    const controller = new AbortController();
    const cancelled = failure(client.getDb(ALPHA.idSubscription, undefined, { signal: controller.signal }));
    const other = client.getDb(ALPHA.idSubscription);
    setTimeout(() => controller.abort(), 30);
    assert.ok((await cancelled) instanceof LogUpCancelledError);
    assert.deepEqual(await other, ALPHA.db);
    assert.equal(sb.count('token'), 1);
    assert.equal(sb.count('getDb'), 1);
  });
});

describe('retry policy', () => {
  test('a dropped connection, 503s and 502 on GET are retried with growing backoff, then succeed', async (t) => {
    const { sb, client, sleeps } = await setup(t);
    await client.checkCredentials();
    sb.failNext('getDb', 1, { drop: true });
    sb.failNext('getDb', 1, { status: 503 });
    assert.deepEqual(await client.getDb(ALPHA.idSubscription), ALPHA.db);
    assert.deepEqual(statuses(sb, 'getDb'), [0, 503, 200]);
    assert.equal(sleeps.length, 2);
    assert.ok(sleeps[0]! >= 150 && sleeps[0]! <= 300, `first backoff ${sleeps[0]}`);
    assert.ok(sleeps[1]! >= 300 && sleeps[1]! <= 600, `second backoff ${sleeps[1]}`);

    sb.clearJournal();
    sb.failNext('getDb', 1, { status: 502 });
    await client.getDb(ALPHA.idSubscription);
    assert.deepEqual(statuses(sb, 'getDb'), [502, 200]);
  });

  test('429 honours Retry-After (seconds or HTTP date) even for a PUT; a wait over 30 s fails at once', async (t) => {
    const { sb, client, sleeps } = await setup(t);
    await client.checkCredentials();
    sb.failNext('putDb', 1, { status: 429, headers: { 'retry-after': '2' } });
    await client.putDb(ALPHA.idSubscription, [{ key: 'plan', value: 'a' }]);
    assert.deepEqual(statuses(sb, 'putDb'), [429, 200]);
    assert.deepEqual(sleeps, [2000]);

    sb.failNext('getDb', 1, { status: 429, headers: { 'retry-after': new Date(Date.now() + 5000).toUTCString() } });
    await client.getDb(ALPHA.idSubscription);
    assert.ok(sleeps[1]! > 3000 && sleeps[1]! <= 5000, `date-based wait ${sleeps[1]}`);

    sb.clearJournal();
    sb.failNext('getDb', 1, { status: 429, headers: { 'retry-after': '3600' } });
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpHttpError && e.status === 429);
    assert.equal(sb.count('getDb'), 1);
    assert.equal(sleeps.length, 2);
  });

  test('retries stop after maxRetries', async (t) => {
    const { sb, client, logs } = await setup(t, {}, { maxRetries: 2 });
    await client.checkCredentials();
    sb.failNext('getDb', 5, { status: 503 });
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpHttpError && e.status === 503);
    assert.equal(sb.count('getDb'), 3);
    assert.deepEqual(logs.filter((l) => l.method === 'GET').map((l) => l.attempt), [1, 2, 3]);
  });

  test('writes that may have been applied are never retried: 500, 502, a dropped connection; nor is verify', async (t) => {
    const { sb, client } = await setup(t);
    await client.checkCredentials();
    sb.failNext('putDb', 1, { status: 500 });
    assert.equal(((await failure(client.putDb(ALPHA.idSubscription, [{ key: 'a', value: 1 }]))) as LogUpHttpError).status, 500);
    sb.failNext('putDb', 1, { status: 502 });
    assert.equal(((await failure(client.putDb(ALPHA.idSubscription, [{ key: 'a', value: 1 }]))) as LogUpHttpError).status, 502);
    sb.failNext('deleteDb', 1, { drop: true });
    const dropped = await failure(client.deleteDb(ALPHA.idSubscription, ['plan']));
    assert.ok(dropped instanceof LogUpNetworkError);
    assert.equal(dropped.code, 'UND_ERR_SOCKET');
    sb.failNext('verification', 1, { drop: true });
    assert.ok((await failure(client.verify(ALPHA_TOKEN.logupToken))) instanceof LogUpNetworkError);
    assert.equal(sb.count('putDb'), 2);
    assert.equal(sb.count('deleteDb'), 1);
    assert.equal(sb.count('verification'), 1);
  });

  test('a refused connection is retried (nothing was sent) and reported with its code', async (t) => {
    const sb = await startSandbox();
    await sb.close();
    const logs: RequestLogEntry[] = [];
    const client = sandboxClient(sb, { logger: (l) => logs.push(l) });
    t.after(() => client.close());
    const e = await failure(client.putDb(ALPHA.idSubscription, [{ key: 'a', value: 1 }]));
    assert.ok(e instanceof LogUpNetworkError);
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(e.path, '/oauth/token');
    assert.deepEqual(logs.map((l) => [l.attempt, l.outcome]), [[1, 'network-error'], [2, 'network-error'], [3, 'network-error']]);
  });
});

describe('refusals before and after the wire', () => {
  test('a hostile idSubscription is refused with zero requests', async (t) => {
    const { sb, client } = await setup(t);
    const hostile = ['../oauth/token', 'sub_alpha/../../x', 'sub?keys=a', 'sub#x', 'sub%2Falpha', 'sub alpha', 'süb', '', 'a'.repeat(129), '..'];
    for (const id of hostile) {
      assert.ok((await failure(client.getDb(id))) instanceof LogUpConfigError, id);
      assert.ok((await failure(client.putDb(id, [{ key: 'a', value: 1 }]))) instanceof LogUpConfigError, id);
      assert.ok((await failure(client.deleteDb(id, ['a']))) instanceof LogUpConfigError, id);
    }
    assert.ok((await failure(client.getDb(ALPHA.idSubscription, ['a,b']))) instanceof LogUpConfigError);
    assert.equal(sb.journal.length, 0);
    await client.getDb('a'.repeat(128)).catch((e: unknown) => assert.ok(e instanceof LogUpHttpError && e.status === 404));
  });

  test('a 10 MB body is refused, and the client keeps working', async (t) => {
    const { sb, client, logs } = await setup(t);
    await client.checkCredentials();
    sb.failNext('getDb', 1, { status: 200, body: `{"a":"${'x'.repeat(10 * 1024 * 1024)}"}` });
    const started = Date.now();
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpResponseError);
    assert.match(e.message, /larger than 2 MB/);
    assert.ok(Date.now() - started < 2000);
    assert.equal(logs.at(-1)?.outcome, 'http-error');
    assert.deepEqual(await client.getDb(ALPHA.idSubscription), ALPHA.db);
  });

  test('a DB of the wrong shape is refused in the same words whichever check finds it', async (t) => {
    const { sb, client } = await setup(t);
    await client.checkCredentials();
    const cases: [string, string][] = [
      ['[1, 2]', 'the body should be an object'],
      ['null', 'the body should be an object'],
      ['"text"', 'the body should be an object'],
      ['7', 'the body should be an object'],
      ['{"a": "x", "b": null}', 'field "b" has the wrong type'],
      ['{"a": 1, "b": [1], "c": {}}', 'field "b" has the wrong type'],
      ['{"ok": true, "__proto__": {"x": 1}}', 'field "__proto__" has the wrong type'],
      ['{"2": "x", "1": {"n": 1}}', 'field "1" has the wrong type'],
    ];
    const errors = await assertAnswersRefused(sb, 'getDb', () => client.getDb(ALPHA.idSubscription), `GET /subscription/${ALPHA.idSubscription}/db`, cases);
    for (const e of errors) assert.ok(e instanceof LogUpResponseError, e.message);
  });

  test('a body of the wrong shape names the field, never the value', async (t) => {
    const { sb, client } = await setup(t);
    await client.checkCredentials();
    sb.failNext('getDb', 1, { status: 200, body: '{"ok": 1, "nested": {"secretish": "Wq7-value"}}' });
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpResponseError);
    assert.match(e.message, /field "nested"/);
    assert.doesNotMatch(e.message, /Wq7/);

    sb.failNext('getDb', 1, { status: 200, body: 'Welcome to the hotel wifi' });
    assert.match((await failure(client.getDb(ALPHA.idSubscription))).message, /not JSON/);

    sb.failNext('verification', 1, { status: 200, body: '{"verified": true, "idActor": "acr_x", "db": {}}' });
    assert.match((await failure(client.verify(ALPHA_TOKEN.logupToken))).message, /field "idSubscription" is missing/);

    sb.failNext('token', 1, { status: 200, body: '{"token_type": "Bearer", "expires_in": 3600}' });
    assert.match((await failure(client.checkCredentials())).message, /POST \/oauth\/token .*field "access_token" is missing/);

    sb.failNext('putDb', 1, { status: 204 });
    assert.match((await failure(client.putDb(ALPHA.idSubscription, [{ key: 'a', value: 1 }]))).message, /body is empty/);
  });
});

describe('secrets', () => {
  test('secrets echoed by the server are redacted from error messages', async (t) => {
    const { sb, client, tokens } = await setup(t);
    sb.failNext('token', 1, { status: 400, body: JSON.stringify({ error: `bad client_secret ${DEMO_GATE.secretKey}` }) });
    const e1 = await failure(client.checkCredentials());
    assert.equal(e1.message, 'POST /oauth/token failed: 400 bad client_secret [redacted]');

    sb.failNext('verification', 1, { status: 400, body: `<p>token ${ALPHA_TOKEN.logupToken} unknown</p>` });
    const e2 = await failure(client.verify(ALPHA_TOKEN.logupToken));
    assert.equal((e2 as LogUpHttpError).serverMessage, 'token [redacted] unknown');

    // Learn the access token the client uses, then make the server echo it back.
    await client.getDb(ALPHA.idSubscription);
    const [token] = [...tokens];
    assert.ok(token !== undefined && tokens.size === 1, 'the interceptor saw the access token');
    sb.failNext('getDb', 1, { status: 403, body: JSON.stringify({ message: `token ${token} lacks scope` }) });
    const e3 = await failure(client.getDb(ALPHA.idSubscription));
    assert.equal(isAuthFailure(e3), true);
    assert.equal(e3.message, 'GET /subscription/sub_alpha/db failed: 403 token [redacted] lacks scope');
  });

  test('a verification answer\'s words are redacted, cleaned and cut; a hostile idActor is refused or dropped', async (t) => {
    const { sb, client, tokens } = await setup(t);
    await client.getDb(ALPHA.idSubscription);
    const [token] = [...tokens];
    assert.ok(token !== undefined);
    const errorMessage = `INVALID: ${ALPHA_TOKEN.logupToken} (auth Bearer ${token})\u001b[2K\r\n[info] Token verified\u202e${'x'.repeat(80 * 1024)}`;
    sb.failNext('verification', 1, { status: 200, body: JSON.stringify({ verified: false, errorMessage }) });
    const v = await client.verify(ALPHA_TOKEN.logupToken);
    assert.equal(v.verified, false);
    const shown = v.errorMessage ?? '';
    assert.match(shown, /^INVALID: \[redacted\] \(auth Bearer \[redacted\]\) \[2K \[info\] Token verified x+…$/);
    assert.ok([...shown].length <= 200, `${shown.length} characters`);
    assert.ok(![...shown].some((c) => c < ' ' || (c >= '\u202a' && c <= '\u202e')), 'no control or bidi character');

    // 100 KB of id with a bidi override and a line break: refused in a verified answer, dropped from another.
    const idActor = `acr_${'a'.repeat(100 * 1024)}\u202e\n`;
    sb.failNext('verification', 1, { status: 200, body: JSON.stringify({ verified: true, idActor, idSubscription: 'sub_alpha', db: {} }) });
    const e = await failure(client.verify(ALPHA_TOKEN.logupToken));
    assert.equal(e.message, 'POST /verification returned an unexpected response: field "idActor" is not a valid actor id');
    sb.failNext('verification', 1, { status: 200, body: JSON.stringify({ verified: false, errorMessage: 'NOPE', idActor, idSubscription: '../x' }) });
    const dropped = await client.verify(ALPHA_TOKEN.logupToken);
    assert.deepEqual(dropped, { verified: false, errorMessage: 'NOPE' });
    // An id that repeats a secret is no id either.
    sb.failNext('verification', 1, { status: 200, body: JSON.stringify({ verified: true, idActor: ALPHA_TOKEN.logupToken, idSubscription: 'sub_alpha', db: {} }) });
    assert.match((await failure(client.verify(ALPHA_TOKEN.logupToken))).message, /field "idActor" is not a valid actor id/);
  });

  test('secrets echoed encoded, in another case, split by markup or in part are not shown', async (t) => {
    const idGate = 'gate_encoded';
    const secret = 'sk_live+Abc/Def=Ghi&Jk Lm';
    secrets.add(secret);
    const { sb, client, tokens } = await setup(t, {}, { idGate, secretKey: async () => secret });
    sb.addGate(idGate, secret);
    sb.setDb(idGate, ALPHA.idSubscription, ALPHA.db);
    const basic = (s: string, encoding: 'base64' | 'base64url'): string => Buffer.from(`${idGate}:${s}`).toString(encoding);
    const echoes: [string, string][] = [
      [encodeURIComponent(secret), 'URL-encoded'],
      [encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), 'URL-encoded, lower-case hex'],
      [new URLSearchParams({ s: secret }).toString().slice(2), 'form-encoded'],
      [basic(secret, 'base64'), 'Base64 of idGate:secret'],
      [basic(secret, 'base64url'), 'base64url of idGate:secret'],
      [secret.toUpperCase(), 'upper-cased'],
      [`${secret.slice(0, 9)}\n  ${secret.slice(9)}`, 'split by a line break'],
      [`${secret.slice(0, 9)}<br/>${secret.slice(9)}`, 'split by a tag'],
    ];
    for (const [echo, form] of echoes) {
      sb.failNext('token', 1, { status: 400, body: JSON.stringify({ error: `bad client_secret ${echo}` }) });
      const e = await failure(client.checkCredentials());
      assert.equal(e.message, 'POST /oauth/token failed: 400 bad client_secret [redacted]', form);
    }
    sb.failNext('token', 1, { status: 400, body: `<html><body><p>bad client_secret ${secret.slice(0, 12)}<b>${secret.slice(12)}</b></p></body></html>` });
    assert.equal((await failure(client.checkCredentials())).message, 'POST /oauth/token failed: 400 bad client_secret [redacted]', 'an HTML page');
    for (const [echo, form] of [[secret.slice(0, 14), 'a long prefix'], [encodeURIComponent(secret.slice(0, 12)), 'an encoded prefix'], [secret.slice(3, 20).toUpperCase(), 'an upper-cased part']]) {
      sb.failNext('token', 1, { status: 400, body: JSON.stringify({ error: `bad client_secret ${echo}…` }) });
      const e = await failure(client.checkCredentials());
      assert.equal(e.message, "POST /oauth/token failed: 400 the server's message was withheld because it repeated a secret", form);
    }

    // The same for the access token and the logupToken, in a verification's error.
    await client.getDb(ALPHA.idSubscription);
    const token = [...tokens].at(-1)!;
    const logupToken = ALPHA_TOKEN.logupToken;
    for (const [echo, form] of [
      [token.toUpperCase(), 'access token upper-cased'],
      [`${token.slice(0, 40)}\r\n${token.slice(40)}`, 'access token split by a line break'],
      [Buffer.from(token).toString('base64'), 'access token in Base64'],
      [encodeURIComponent(logupToken).toLowerCase(), 'logupToken lower-cased'],
      [`${logupToken.slice(0, 10)}<i>${logupToken.slice(10)}</i>`, 'logupToken split by a tag'],
    ]) {
      sb.failNext('verification', 1, { status: 400, body: JSON.stringify({ errorMessage: `token ${echo} refused` }) });
      const e = await failure(client.verify(logupToken));
      // A JSON message keeps its markup: a closing tag after the secret stays.
      assert.match(e.message, /^POST \/verification failed: 400 token \[redacted\](<\/i>)? refused$/, form);
    }
    sb.failNext('verification', 1, { status: 400, body: JSON.stringify({ errorMessage: `token ${logupToken.slice(0, 12)}… refused` }) });
    assert.match((await failure(client.verify(logupToken))).message, /withheld because it repeated a secret/);
  });

  test('log entries carry no bodies or headers, and a throwing logger does not break calls', async (t) => {
    const { client, logs } = await setup(t, {}, {
      logger: (e) => {
        logs.push(e);
        seenLogs.push(e);
        throw new Error('logger broke');
      },
    });
    await client.getDb(ALPHA.idSubscription, ['name']);
    for (const l of logs) {
      assert.deepEqual(Object.keys(l).sort(), ['attempt', 'durationMs', 'method', 'outcome', 'path', 'status']);
    }
    assert.deepEqual(logs.map((l) => `${l.method} ${l.path} ${l.status}`), ['POST /oauth/token 200', 'GET /subscription/sub_alpha/db 200']);
  });

  test('close() leaves an injected dispatcher usable', async (t) => {
    const sb = await startSandbox();
    const dispatcher = new Agent();
    t.after(async () => {
      await dispatcher.close();
      await sb.close();
    });
    const make = (): LogUpClient => sandboxClient(sb, { dispatcher });
    const first = make();
    await first.getDb(ALPHA.idSubscription);
    await first.close();
    assert.deepEqual(await make().getDb(ALPHA.idSubscription), ALPHA.db);
  });
});

// Declared last so it runs after every test above (tests in a file run in order).
test('no error message, stack, cause or log entry of any test above carried a secret or token', () => {
  assert.ok(seenErrors.length > 40, `scanned ${seenErrors.length} errors`);
  const texts: string[] = [];
  for (const e of seenErrors) {
    assert.ok(e instanceof LogUpError || e instanceof LogUpConfigError, `typed error: ${String(e)}`);
    texts.push(e.message, String(e.stack), JSON.stringify(e), String((e as { cause?: unknown }).cause ?? ''));
    if (e instanceof LogUpHttpError) texts.push(e.serverMessage ?? '');
  }
  for (const l of seenLogs) texts.push(JSON.stringify(l));
  const haystack = texts.join('\n');
  for (const s of secrets) assert.ok(!haystack.includes(s), 'a secret or token leaked into an error or log entry');
});
