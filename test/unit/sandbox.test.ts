import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DEMO_GATE, DEMO_INVALID_LOGUP_TOKEN, DEMO_LOGUP_TOKENS, DEMO_SUBSCRIPTIONS } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/sandbox';

const JSON_HEADERS = { 'content-type': 'application/json' };
const OTHER_GATE = { idGate: 'gate_other', secretKey: 'other-secret-xyz' };

let sandbox: SandboxHandle;

async function start(options: SandboxOptions = {}): Promise<SandboxHandle> {
  await sandbox.close();
  sandbox = await startSandbox(options);
  return sandbox;
}
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await sandbox.close();
});

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}
async function call(method: string, path: string, init: { token?: string; body?: unknown; raw?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.raw !== undefined) body = init.raw;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) Object.assign(headers, JSON_HEADERS);
  const res = await fetch(path.startsWith('/_sandbox') ? sandbox.origin + path : sandbox.url + path, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json } satisfies Answer;
}

async function tokenFor(gate: { idGate: string; secretKey: string } = DEMO_GATE): Promise<string> {
  const res = await call('POST', '/oauth/token', {
    body: { client_id: gate.idGate, client_secret: gate.secretKey, grant_type: 'client_credentials' },
  });
  assert.ok(res.status === 200 || res.status === 201, `token call answered ${res.status}`);
  return (res.json as { access_token: string }).access_token;
}

const db = (path = '/subscription/sub_alpha/db') => path;
const put = async (data: unknown) => call('PUT', db(), { token: await tokenFor(), body: { data } });
const alpha = (): Record<string, unknown> => sandbox.getDb(DEMO_GATE.idGate, 'sub_alpha')!;

describe('token endpoint', () => {
  it('issues a fresh Baerer token with expires_in for the demo gate', async () => {
    const body = { client_id: DEMO_GATE.idGate, client_secret: DEMO_GATE.secretKey, grant_type: 'client_credentials' };
    const a = await call('POST', '/oauth/token', { body });
    const b = await call('POST', '/oauth/token', { body });
    assert.equal(a.status, 200);
    const ja = a.json as Record<string, unknown>;
    assert.equal(ja.token_type, 'Baerer');
    assert.equal(ja.expires_in, 3600);
    assert.equal(typeof ja.access_token, 'string');
    assert.ok((ja.access_token as string).length >= 64);
    assert.notEqual(ja.access_token, (b.json as Record<string, unknown>).access_token);
  });

  it('follows the tokenStatus/tokenType variants and tokenLifetimeSeconds', async () => {
    await start({ tokenLifetimeSeconds: 120, variants: { tokenStatus: 201, tokenType: 'Bearer' } });
    const res = await call('POST', '/oauth/token', {
      body: { client_id: DEMO_GATE.idGate, client_secret: DEMO_GATE.secretKey, grant_type: 'client_credentials' },
    });
    assert.equal(res.status, 201);
    assert.deepEqual({ ...(res.json as object), access_token: 'x' }, {
      access_token: 'x',
      token_type: 'Bearer',
      expires_in: 120,
    });
  });

  it('answers 401 INVALID_CLIENT to a wrong secret or an unknown gate', async () => {
    for (const [id, secret] of [
      [DEMO_GATE.idGate, 'wrong'],
      ['gate_nope', DEMO_GATE.secretKey],
    ] as const) {
      const res = await call('POST', '/oauth/token', {
        body: { client_id: id, client_secret: secret, grant_type: 'client_credentials' },
      });
      assert.equal(res.status, 401);
      assert.deepEqual(res.json, { errorMessage: 'INVALID_CLIENT' });
    }
  });

  it('answers 400 to a wrong grant_type, missing fields, invalid JSON or a non-JSON content type', async () => {
    const creds = { client_id: DEMO_GATE.idGate, client_secret: DEMO_GATE.secretKey };
    const grant = await call('POST', '/oauth/token', { body: { ...creds, grant_type: 'password' } });
    assert.equal(grant.status, 400);
    assert.match((grant.json as { errorMessage: string }).errorMessage, /client_credentials/);
    assert.equal((await call('POST', '/oauth/token', { body: { client_id: DEMO_GATE.idGate } })).status, 400);
    assert.equal((await call('POST', '/oauth/token', { body: [creds] })).status, 400);
    const invalid = await call('POST', '/oauth/token', { raw: '{"client_id":' });
    assert.equal(invalid.status, 400);
    assert.match((invalid.json as { errorMessage: string }).errorMessage, /JSON/);
    const form = await fetch(`${sandbox.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=${DEMO_GATE.idGate}&client_secret=${DEMO_GATE.secretKey}&grant_type=client_credentials`,
    });
    assert.equal(form.status, 400);
    assert.equal(sandbox.count('token'), 5);
  });
});

describe('authentication', () => {
  it('refuses a missing, non-Bearer, unknown or expired token with 401 and accepts a lowercase scheme', async () => {
    const token = await tokenFor();
    assert.equal((await call('GET', db())).status, 401);
    const basic = await fetch(sandbox.url + db(), { headers: { authorization: `Basic ${token}` } });
    assert.equal(basic.status, 401);
    assert.match(basic.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await call('GET', db(), { token: 'not-a-token' })).status, 401);
    const lower = await fetch(sandbox.url + db(), { headers: { authorization: `bearer ${token}` } });
    assert.equal(lower.status, 200);
    sandbox.expireTokens();
    const expired = await call('GET', db(), { token });
    assert.equal(expired.status, 401);
    assert.match((expired.json as { errorMessage: string }).errorMessage, /EXPIRED/);
    // A new token works again after the old ones expired.
    assert.equal((await call('GET', db(), { token: await tokenFor() })).status, 200);
  });

  it('expires tokens after tokenLifetimeSeconds', async () => {
    await start({ tokenLifetimeSeconds: 0 });
    const token = await tokenFor();
    assert.equal((await call('GET', db(), { token })).status, 401);
  });

  it('stops accepting the tokens of a removed gate', async () => {
    const token = await tokenFor();
    sandbox.removeGate(DEMO_GATE.idGate);
    assert.equal((await call('GET', db(), { token })).status, 401);
    assert.equal(sandbox.getDb(DEMO_GATE.idGate, 'sub_alpha'), undefined);
  });

  it("does not let one gate's token reach another gate's subscription", async () => {
    sandbox.addGate(OTHER_GATE.idGate, OTHER_GATE.secretKey);
    sandbox.setDb(OTHER_GATE.idGate, 'sub_other', { a: 1 });
    const token = await tokenFor(OTHER_GATE);
    const res = await call('GET', db(), { token });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { errorMessage: 'SUBSCRIPTION_NOT_FOUND' });
    assert.deepEqual((await call('GET', '/subscription/sub_other/db', { token })).json, { a: 1 });
  });
});

describe('verification', () => {
  it('verifies a demo logupToken and returns the subscription with its DB, more than once by default', async () => {
    const token = await tokenFor();
    const [t] = DEMO_LOGUP_TOKENS;
    const expected = {
      verified: true,
      idActor: t!.idActor,
      idSubscription: t!.idSubscription,
      db: DEMO_SUBSCRIPTIONS.find((s) => s.idSubscription === t!.idSubscription)!.db,
    };
    for (let i = 0; i < 2; i++) {
      const res = await call('POST', '/verification', { token, body: { logupToken: t!.logupToken } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, expected);
    }
  });

  it('answers verified:false to an unknown token, to another gate’s token and to a reused one-time token', async () => {
    await start({ oneTimeLogupTokens: true });
    const refused = {
      verified: false,
      errorMessage: 'INVALID_LOGUP_TOKEN',
      idActor: null,
      idSubscription: null,
      db: {},
    };
    const token = await tokenFor();
    const unknown = await call('POST', '/verification', { token, body: { logupToken: DEMO_INVALID_LOGUP_TOKEN } });
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.json, refused);

    sandbox.addGate(OTHER_GATE.idGate, OTHER_GATE.secretKey);
    sandbox.addLogupToken(OTHER_GATE.idGate, 'lut_other', { idSubscription: 'sub_o', idActor: 'acr_o' });
    assert.deepEqual((await call('POST', '/verification', { token, body: { logupToken: 'lut_other' } })).json, refused);
    const other = await tokenFor(OTHER_GATE);
    const mine = await call('POST', '/verification', { token: other, body: { logupToken: 'lut_other' } });
    assert.deepEqual(mine.json, { verified: true, idActor: 'acr_o', idSubscription: 'sub_o', db: {} });
    const again = await call('POST', '/verification', { token: other, body: { logupToken: 'lut_other' } });
    assert.deepEqual(again.json, refused);
  });

  it('answers 400 without a logupToken and 401 without a bearer token', async () => {
    const token = await tokenFor();
    assert.equal((await call('POST', '/verification', { token, body: {} })).status, 400);
    assert.equal((await call('POST', '/verification', { token, body: { logupToken: 5 } })).status, 400);
    const body = { logupToken: DEMO_LOGUP_TOKENS[0]!.logupToken };
    assert.equal((await call('POST', '/verification', { body })).status, 401);
  });
});

describe('GET db', () => {
  it('returns the whole DB, or only the asked keys that exist', async () => {
    const token = await tokenFor();
    assert.deepEqual((await call('GET', db(), { token })).json, DEMO_SUBSCRIPTIONS[0]!.db);
    const some = await call('GET', `${db()}?keys=name,age,missing`, { token });
    assert.deepEqual(some.json, { name: 'Ada Lovelace', age: 36 });
    assert.deepEqual((await call('GET', '/subscription/sub_gamma/db', { token })).json, {});
  });

  it('answers 404 SUBSCRIPTION_NOT_FOUND for an unknown subscription', async () => {
    const res = await call('GET', '/subscription/sub_nope/db', { token: await tokenFor() });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { errorMessage: 'SUBSCRIPTION_NOT_FOUND' });
  });
});

describe('PUT db', () => {
  it('upserts and answers the whole DB', async () => {
    const res = await put([
      { key: 'country', value: 'spain' },
      { key: 'visits', value: 3 },
    ]);
    assert.equal(res.status, 200);
    const expected = { ...DEMO_SUBSCRIPTIONS[0]!.db, country: 'spain', visits: 3 };
    assert.deepEqual(res.json, expected);
    assert.deepEqual(alpha(), expected);
  });

  /** Sends one PUT that must be refused with 400, naming `mention`, and must leave the DB untouched. */
  async function refused(data: unknown, mention: RegExp): Promise<void> {
    const before = alpha();
    const res = await put(data);
    assert.equal(res.status, 400, res.text);
    assert.match((res.json as { errorMessage: string }).errorMessage, mention);
    assert.deepEqual(alpha(), before);
  }

  it('accepts a key of exactly 32 code points and refuses 33, also when counted in emoji', async () => {
    const ok = await put([
      { key: 'k'.repeat(32), value: 1 },
      { key: '😀'.repeat(32), value: 2 },
    ]);
    assert.equal(ok.status, 200);
    await refused([{ key: 'k'.repeat(33), value: 1 }], /"k{33}".*32/);
    await refused([{ key: '😀'.repeat(33), value: 1 }], /33 characters.*32/);
  });

  it('refuses an empty key and a key given twice', async () => {
    await refused([{ key: '', value: 1 }], /empty/);
    await refused(
      [
        { key: 'dup', value: 1 },
        { key: 'dup', value: 2 },
      ],
      /"dup".*more than once/,
    );
  });

  it('accepts a 1024-byte string and refuses 1025 bytes, counting UTF-8 bytes', async () => {
    assert.equal((await put([{ key: 'ascii', value: 'a'.repeat(1024) }])).status, 200);
    assert.equal((await put([{ key: 'euro', value: '€'.repeat(341) + 'a' }])).status, 200);
    await refused([{ key: 'ascii', value: 'a'.repeat(1025) }], /"ascii".*1025 bytes.*1024/);
    await refused([{ key: 'euro', value: '€'.repeat(342) }], /"euro".*1026 bytes.*1024/);
  });

  it('accepts safe integers and booleans, and refuses floats, unsafe integers, null, arrays and objects', async () => {
    const ok = await put([
      { key: 'max', value: Number.MAX_SAFE_INTEGER },
      { key: 'min', value: Number.MIN_SAFE_INTEGER },
      { key: 'flag', value: false },
    ]);
    assert.equal(ok.status, 200);
    await refused([{ key: 'f', value: 1.5 }], /"f".*non-integer/);
    // Sent as text because JSON.stringify would write 2**53 in a form that still parses to 2**53.
    const before = alpha();
    const big = await call('PUT', db(), { token: await tokenFor(), raw: '{"data":[{"key":"big","value":9007199254740992}]}' });
    assert.equal(big.status, 400);
    assert.deepEqual(alpha(), before);
    await refused([{ key: 'n', value: null }], /"n".*null/);
    await refused([{ key: 'a', value: [1] }], /"a".*array/);
    await refused([{ key: 'o', value: { x: 1 } }], /"o".*object/);
    await refused([{ key: 'v' }], /data\[0\]/);
  });

  it('accepts exactly 20 keys after the upsert and refuses 21', async () => {
    const have = Object.keys(alpha()).length;
    const fill = Array.from({ length: 20 - have }, (_, i) => ({ key: `extra${i}`, value: i }));
    assert.equal((await put(fill)).status, 200);
    assert.equal(Object.keys(alpha()).length, 20);
    // Updating existing keys at the limit is fine.
    assert.equal((await put([{ key: 'extra0', value: 'changed' }])).status, 200);
    await refused([{ key: 'one-too-many', value: 1 }], /21 keys.*20/);
  });

  it('writes nothing when any item of the body is invalid', async () => {
    await refused(
      [
        { key: 'country', value: 'spain' },
        { key: 'bad', value: 1.25 },
      ],
      /"bad"/,
    );
    assert.equal(alpha().country, 'italy');
  });

  it('refuses a body that is not {data: [...]}', async () => {
    await refused({ country: 'spain' }, /data/);
    const res = await call('PUT', db(), { token: await tokenFor(), body: { country: 'spain' } });
    assert.equal(res.status, 400);
    assert.equal(alpha().country, 'italy');
  });
});

describe('DELETE db', () => {
  it('answers 204 without a body by default, ignoring missing keys', async () => {
    const res = await call('DELETE', db(), { token: await tokenFor(), body: { keys: ['name', 'missing'] } });
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.equal('name' in alpha(), false);
    assert.equal(alpha().country, 'italy');
  });

  it('answers 200 with the DB after deletion in the deleteStatus 200 variant', async () => {
    sandbox.setVariants({ deleteStatus: 200 });
    const res = await call('DELETE', db(), { token: await tokenFor(), body: { keys: ['name', 'age'] } });
    assert.equal(res.status, 200);
    const { name: _n, age: _a, ...rest } = DEMO_SUBSCRIPTIONS[0]!.db;
    assert.deepEqual(res.json, rest);
  });

  it('answers 400 to a bad body and deletes nothing', async () => {
    const token = await tokenFor();
    for (const body of [{ keys: 'name' }, { keys: ['name', 3] }, ['name']]) {
      assert.equal((await call('DELETE', db(), { token, body })).status, 400);
    }
    assert.equal((await fetch(sandbox.url + db(), { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status, 400);
    assert.deepEqual(alpha(), DEMO_SUBSCRIPTIONS[0]!.db);
  });
});

describe('error shapes and unknown requests', () => {
  for (const errorKey of ['error', 'message'] as const) {
    it(`puts error messages under "${errorKey}" in that variant`, async () => {
      await start({ variants: { errorKey } });
      const res = await call('GET', '/subscription/sub_nope/db', { token: await tokenFor() });
      assert.deepEqual(res.json, { [errorKey]: 'SUBSCRIPTION_NOT_FOUND' });
    });
  }

  it('answers 404 to unknown paths and versions, 405 to a wrong method', async () => {
    assert.equal((await call('GET', '/nope')).status, 404);
    const v2 = await fetch(`${sandbox.origin}/v2_0/oauth/token`, { method: 'POST' });
    assert.equal(v2.status, 404);
    const wrong = await call('GET', '/oauth/token');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'POST');
    assert.equal((await call('POST', db(), { token: await tokenFor() })).status, 405);
    assert.equal(sandbox.journal.filter((e) => e.route === 'unknown').length, 4);
  });

  it('answers 413 to a body over 1 MB and writes nothing', async () => {
    const value = 'x'.repeat(1024 * 1024);
    const res = await put([{ key: 'huge', value }]);
    assert.equal(res.status, 413);
    assert.equal('huge' in alpha(), false);
  });
});

describe('faults', () => {
  it('answers the next N requests of a route with the fault status in the current error shape', async () => {
    const token = await tokenFor();
    sandbox.failNext('getDb', 2, { status: 503, headers: { 'retry-after': '1' } });
    for (let i = 0; i < 2; i++) {
      const res = await call('GET', db(), { token });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.match((res.json as { errorMessage: string }).errorMessage, /503/);
    }
    assert.equal((await call('GET', db(), { token })).status, 200);
    // Faults are per route: the token call was not affected.
    assert.deepEqual(
      sandbox.journal.filter((e) => e.route === 'getDb').map((e) => e.status),
      [503, 503, 200],
    );
  });

  it('sends a raw HTML body as text/html and applies before authentication', async () => {
    sandbox.failNext('putDb', 1, { status: 502, body: '<html><body>Bad gateway</body></html>' });
    const res = await call('PUT', db(), { body: { data: [] } });
    assert.equal(res.status, 502);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.text, '<html><body>Bad gateway</body></html>');
  });

  it('adds fault headers to the normal answer when no status is given', async () => {
    sandbox.failNext('token', 1, { headers: { 'x-sandbox': 'yes' } });
    const res = await fetch(`${sandbox.url}/oauth/token`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({
        client_id: DEMO_GATE.idGate,
        client_secret: DEMO_GATE.secretKey,
        grant_type: 'client_credentials',
      }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-sandbox'), 'yes');
  });

  it('drops the connection without an answer and journals status 0', async () => {
    const token = await tokenFor();
    sandbox.failNext('deleteDb', 1, { drop: true });
    await assert.rejects(call('DELETE', db(), { token, body: { keys: ['name'] } }));
    assert.equal(alpha().name, 'Ada Lovelace');
    assert.equal(sandbox.journal.at(-1)!.status, 0);
    assert.equal(sandbox.journal.at(-1)!.route, 'deleteDb');
  });

  it('delays the answer long enough for a client timeout, then answers normally', async () => {
    const token = await tokenFor();
    sandbox.failNext('getDb', 1, { delayMs: 400 });
    const slow = fetch(sandbox.url + db(), {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(100),
    });
    await assert.rejects(slow, { name: 'TimeoutError' });
    sandbox.failNext('getDb', 1, { delayMs: 150 });
    const started = Date.now();
    const res = await call('GET', db(), { token });
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 140, 'answered before the delay');
  });

  it('forgets queued faults on clearFaults', async () => {
    const token = await tokenFor();
    sandbox.failNext('getDb', 3, { status: 500 });
    sandbox.clearFaults();
    assert.equal((await call('GET', db(), { token })).status, 200);
  });
});

describe('journal', () => {
  it('records every request in order, with route, query, body, status and gate, redacting client_secret', async () => {
    const token = await tokenFor();
    await call('GET', `${db()}?keys=name`, { token });
    await call('GET', db(), { token: 'nope' });
    await call('POST', '/oauth/token', {
      body: { client_id: DEMO_GATE.idGate, client_secret: 'a-wrong-secret', grant_type: 'client_credentials' },
    });
    const j = sandbox.journal;
    assert.deepEqual(
      j.map((e) => [e.seq, e.route, e.method, e.status]),
      [
        [1, 'token', 'POST', 200],
        [2, 'getDb', 'GET', 200],
        [3, 'getDb', 'GET', 401],
        [4, 'token', 'POST', 401],
      ],
    );
    assert.deepEqual(j[0]!.body, {
      client_id: DEMO_GATE.idGate,
      client_secret: '<redacted>',
      grant_type: 'client_credentials',
    });
    assert.equal(j[0]!.gate, DEMO_GATE.idGate);
    assert.equal(j[1]!.path, '/v1_0/subscription/sub_alpha/db');
    assert.equal(j[1]!.query, 'keys=name');
    assert.equal(j[1]!.idSubscription, 'sub_alpha');
    assert.equal(j[1]!.gate, DEMO_GATE.idGate);
    assert.equal(j[2]!.gate, undefined);
    const dump = JSON.stringify(j);
    assert.ok(!dump.includes(DEMO_GATE.secretKey) && !dump.includes('a-wrong-secret'), 'a secret reached the journal');
    assert.equal(sandbox.count('getDb'), 2);
    sandbox.clearJournal();
    assert.equal(sandbox.journal.length, 0);
    assert.equal(sandbox.count('token'), 0);
  });
});

describe('handle', () => {
  it('plants and reads DBs behind the client’s back, creating the subscription', async () => {
    sandbox.setDb(DEMO_GATE.idGate, 'sub_new', { a: 'b' });
    assert.deepEqual((await call('GET', '/subscription/sub_new/db', { token: await tokenFor() })).json, { a: 'b' });
    assert.equal(sandbox.getDb(DEMO_GATE.idGate, 'sub_none'), undefined);
    assert.throws(() => sandbox.setDb('gate_unknown', 'sub_x', {}), /gate_unknown/);
  });

  it('starts empty without seed', async () => {
    await start({ seed: false });
    assert.equal(sandbox.getDb(DEMO_GATE.idGate, 'sub_alpha'), undefined);
    const res = await call('POST', '/oauth/token', {
      body: { client_id: DEMO_GATE.idGate, client_secret: DEMO_GATE.secretKey, grant_type: 'client_credentials' },
    });
    assert.equal(res.status, 401);
  });

  it('binds 127.0.0.1 and reports a versioned url', () => {
    assert.match(sandbox.url, /^http:\/\/127\.0\.0\.1:\d+\/v1_0$/);
    assert.equal(sandbox.origin, `http://127.0.0.1:${sandbox.port}`);
  });

  it('close() resolves with a keep-alive connection open and a delayed request pending, then refuses', async () => {
    const token = await tokenFor();
    sandbox.failNext('getDb', 1, { delayMs: 60_000 });
    const pending = call('GET', db(), { token });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await sandbox.close();
    assert.ok(Date.now() - started < 2000);
    await assert.rejects(pending);
    await assert.rejects(fetch(sandbox.url + db()));
    await sandbox.close(); // idempotent, so afterEach may call it again
  });
});

describe('control API', () => {
  it('is absent unless control is true', async () => {
    assert.equal((await call('GET', '/_sandbox/journal')).status, 404);
  });

  it('drives journal, DBs, faults, token expiry, variants and logupTokens over HTTP', async () => {
    await start({ control: true });
    const token = await tokenFor();
    const journal = await call('GET', '/_sandbox/journal');
    assert.equal(journal.status, 200);
    assert.deepEqual(
      (journal.json as { route: string }[]).map((e) => e.route),
      ['token', 'control'],
    );
    assert.equal((await call('DELETE', '/_sandbox/journal')).status, 204);
    assert.equal(sandbox.journal.length, 0);

    const planted = await call('PUT', `/_sandbox/db/${DEMO_GATE.idGate}/sub_planted`, { body: { k: 'v', n: 1 } });
    assert.deepEqual(planted.json, { k: 'v', n: 1 });
    assert.deepEqual((await call('GET', `/_sandbox/db/${DEMO_GATE.idGate}/sub_planted`)).json, { k: 'v', n: 1 });
    assert.deepEqual((await call('GET', '/subscription/sub_planted/db', { token })).json, { k: 'v', n: 1 });
    assert.equal((await call('GET', `/_sandbox/db/${DEMO_GATE.idGate}/sub_missing`)).status, 404);
    assert.equal((await call('PUT', '/_sandbox/db/gate_unknown/sub_x', { body: {} })).status, 404);
    assert.equal((await call('PUT', `/_sandbox/db/${DEMO_GATE.idGate}/sub_x`, { body: { a: null } })).status, 400);

    const fault = { route: 'getDb', count: 1, fault: { status: 429, headers: { 'retry-after': '2' } } };
    assert.equal((await call('POST', '/_sandbox/faults', { body: fault })).status, 204);
    const faulted = await call('GET', db(), { token });
    assert.equal(faulted.status, 429);
    assert.equal(faulted.headers.get('retry-after'), '2');
    assert.equal((await call('POST', '/_sandbox/faults', { body: { route: 'nope', count: 1 } })).status, 400);
    await call('POST', '/_sandbox/faults', { body: { route: 'getDb', count: 5, fault: { status: 500 } } });
    assert.equal((await call('DELETE', '/_sandbox/faults')).status, 204);
    assert.equal((await call('GET', db(), { token })).status, 200);

    const variants = await call('POST', '/_sandbox/variants', { body: { deleteStatus: 200, errorKey: 'message' } });
    assert.equal(variants.status, 200);
    assert.equal((await call('POST', '/_sandbox/variants', { body: { tokenStatus: 202 } })).status, 400);
    const missing = await call('GET', '/subscription/sub_nope/db', { token });
    assert.deepEqual(missing.json, { message: 'SUBSCRIPTION_NOT_FOUND' });

    const lut = { idGate: DEMO_GATE.idGate, logupToken: 'lut_ctl', idSubscription: 'sub_ctl', idActor: 'acr_ctl' };
    assert.equal((await call('POST', '/_sandbox/logup-tokens', { body: lut })).status, 204);
    const verified = await call('POST', '/verification', { token, body: { logupToken: 'lut_ctl' } });
    assert.deepEqual(verified.json, { verified: true, idActor: 'acr_ctl', idSubscription: 'sub_ctl', db: {} });

    assert.equal((await call('POST', '/_sandbox/expire-tokens')).status, 204);
    assert.equal((await call('GET', db(), { token })).status, 401);
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    await start({ control: true });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: sandbox.port, path: '/_sandbox/journal', headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
  });
});

/** A promise's state, readable synchronously: has it settled yet? */
function watch(promise: Promise<unknown>): () => boolean {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('holds', () => {
  it("'after' applies the request at once and keeps only its answer until release()", async () => {
    const token = await tokenFor();
    const hold = sandbox.hold('putDb');
    const pending = call('PUT', db(), { token, body: { data: [{ key: 'country', value: 'spain' }] } });
    const settled = watch(pending);
    const entry = await hold.arrived;
    assert.equal(entry.route, 'putDb');
    assert.equal(alpha().country, 'spain', 'applied before the answer');
    await pause(100);
    assert.equal(settled(), false, 'answered before release()');
    assert.equal(entry.status, 0);
    hold.release();
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal((res.json as Record<string, unknown>).country, 'spain');
    assert.equal(entry.status, 200);
  });

  it("'before' keeps the request unapplied while other requests pass, and applies it on release()", async () => {
    const token = await tokenFor();
    const hold = sandbox.hold('putDb', { phase: 'before' });
    const pending = call('PUT', db(), { token, body: { data: [{ key: 'country', value: 'spain' }] } });
    const settled = watch(pending);
    await hold.arrived;
    await pause(100);
    assert.equal(alpha().country, 'italy', 'applied before release()');
    const read = await call('GET', db(), { token });
    assert.equal((read.json as Record<string, unknown>).country, 'italy');
    assert.equal(settled(), false);
    hold.release();
    assert.equal((await pending).status, 200);
    assert.equal(alpha().country, 'spain');
  });

  it('queues holds in order, one request each, so answers can be released out of order', async () => {
    const token = await tokenFor();
    const first = sandbox.hold('getDb');
    const second = sandbox.hold('getDb');
    const a = call('GET', `${db()}?keys=name`, { token });
    const entryA = await first.arrived;
    const b = call('GET', `${db()}?keys=age`, { token });
    const entryB = await second.arrived;
    assert.deepEqual([entryA.query, entryB.query], ['keys=name', 'keys=age']);
    const aSettled = watch(a);
    second.release();
    assert.deepEqual((await b).json, { age: 36 });
    assert.equal(aSettled(), false, 'the first answer came without its release()');
    first.release();
    first.release(); // twice is harmless
    assert.deepEqual((await a).json, { name: 'Ada Lovelace' });
    // No hold is left: the next request is answered at once. A hold released early does not stop its request.
    assert.equal((await call('GET', db(), { token })).status, 200);
    sandbox.hold('getDb').release();
    assert.equal((await call('GET', db(), { token })).status, 200);
    assert.throws(() => sandbox.hold('nope' as never), /nope/);
  });

  it('close() cuts held requests off at once, fails holds no request took, and tolerates release() after', async () => {
    const token = await tokenFor();
    const held = sandbox.hold('deleteDb', { phase: 'before' });
    const unused = sandbox.hold('getDb');
    const pending = call('DELETE', db(), { token, body: { keys: ['name'] } });
    await held.arrived;
    const started = Date.now();
    await sandbox.close();
    assert.ok(Date.now() - started < 2000);
    await assert.rejects(pending);
    await assert.rejects(unused.arrived, /closed/);
    held.release();
    unused.release();
    await assert.rejects(sandbox.hold('putDb').arrived, /closed/);
    assert.equal(alpha().name, 'Ada Lovelace', 'a request held before being applied was applied after close()');
  });
});

describe('latency', () => {
  const LATENCY = 400;
  const timed = async (work: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };

  it('delays every API answer by latencyMs, not the control API, and can be changed while running', async () => {
    await start({ latencyMs: LATENCY, control: true });
    let token = '';
    assert.ok((await timed(async () => (token = await tokenFor()))) >= LATENCY - 10, 'token call not delayed');
    assert.ok((await timed(() => call('GET', db(), { token }))) >= LATENCY - 10, 'GET not delayed');
    assert.ok((await timed(() => call('GET', '/nope'))) >= LATENCY - 10, '404 not delayed');
    assert.ok((await timed(() => call('GET', '/_sandbox/journal'))) < LATENCY - 100, 'control API delayed');
    sandbox.setLatency(0);
    assert.ok((await timed(() => call('GET', db(), { token }))) < LATENCY - 100, 'latency not turned off');
    assert.throws(() => sandbox.setLatency(-1), RangeError);
  });

  it('is set and shown by the variants control route', async () => {
    await start({ control: true });
    const set = await call('POST', '/_sandbox/variants', { body: { latencyMs: LATENCY } });
    assert.equal(set.status, 200);
    assert.equal((set.json as { latencyMs: number }).latencyMs, LATENCY);
    assert.equal(sandbox.latencyMs, LATENCY);
    assert.ok((await timed(() => tokenFor())) >= LATENCY - 10);
    assert.equal((await call('POST', '/_sandbox/variants', { body: { latencyMs: -5 } })).status, 400);
    assert.equal(((await call('GET', '/_sandbox/variants')).json as { latencyMs: number }).latencyMs, LATENCY);
  });
});

describe('nested error shape', () => {
  it('answers {"error": {"code", "detail"}} for every kind of error', async () => {
    await start({ variants: { errorShape: 'nested' } });
    const token = await tokenFor();
    const missing = await call('GET', '/subscription/sub_x/db', { token });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { error: { code: 'SUBSCRIPTION_NOT_FOUND', detail: 'no subscription sub_x' } });
    const wrong = await call('POST', '/oauth/token', {
      body: { client_id: DEMO_GATE.idGate, client_secret: 'wrong', grant_type: 'client_credentials' },
    });
    assert.equal(wrong.status, 401);
    assert.equal((wrong.json as { error: { code: string } }).error.code, 'INVALID_CLIENT');
    const bad = await put([{ key: 'f', value: 1.5 }]);
    assert.equal(bad.status, 400);
    const { code, detail } = (bad.json as { error: { code: string; detail: string } }).error;
    assert.equal(code, 'INVALID_VALUE');
    assert.match(detail, /^the value of key "f" is a non-integer number/);
    sandbox.failNext('getDb', 1, { status: 503 });
    const fault = await call('GET', db(), { token });
    assert.deepEqual(fault.json, { error: { code: 'SANDBOX_FAULT', detail: 'injected status 503' } });
  });

  it('is switched on and off at run time, keeping the flat errorKey variants', async () => {
    await start({ control: true });
    const token = await tokenFor();
    const set = await call('POST', '/_sandbox/variants', { body: { errorShape: 'nested', errorKey: 'message' } });
    assert.equal((set.json as { errorShape: string }).errorShape, 'nested');
    const nested = await call('GET', '/subscription/sub_x/db', { token });
    assert.equal((nested.json as { error: { code: string } }).error.code, 'SUBSCRIPTION_NOT_FOUND');
    sandbox.setVariants({ errorShape: 'flat' });
    const flat = await call('GET', '/subscription/sub_x/db', { token });
    assert.deepEqual(flat.json, { message: 'SUBSCRIPTION_NOT_FOUND' });
    assert.equal((await call('POST', '/_sandbox/variants', { body: { errorShape: 'deep' } })).status, 400);
  });
});

describe('well-formed Unicode', () => {
  it('refuses keys and values with a lone surrogate and writes nothing, yet accepts surrogate pairs', async () => {
    const before = alpha();
    for (const [data, code] of [
      [[{ key: '\ud800x', value: 1 }], 'INVALID_KEY'],
      [[{ key: 'x\udfff', value: 1 }], 'INVALID_KEY'],
      [[{ key: 'ok', value: 'a\udc00' }], 'INVALID_VALUE'],
      [[{ key: 'country', value: 'spain' }, { key: 'v', value: '\ud83d' }], 'INVALID_VALUE'],
    ] as const) {
      const res = await put(data);
      assert.equal(res.status, 400, JSON.stringify(data));
      const message = (res.json as { errorMessage: string }).errorMessage;
      assert.ok(message.startsWith(`${code}: `), message);
      assert.match(message, /not well-formed Unicode.*lone surrogate/);
      // A lone surrogate does not survive a UTF-8 round trip: the message must not carry one itself.
      assert.equal(Buffer.from(message, 'utf8').toString('utf8'), message);
    }
    assert.deepEqual(alpha(), before);
    const del = await call('DELETE', db(), { token: await tokenFor(), body: { keys: ['name', '\ud800'] } });
    assert.equal(del.status, 400);
    assert.match((del.json as { errorMessage: string }).errorMessage, /^INVALID_KEY: .*lone surrogate/);
    assert.deepEqual(alpha(), before);
    assert.equal((await put([{ key: 'pair\ud83d\ude00', value: '\ud83d\ude00' }])).status, 200);
  });
});

describe('DB changes behind the client’s back', () => {
  it('patchDb sets and deletes keys without a request or journal entry', async () => {
    sandbox.patchDb(DEMO_GATE.idGate, 'sub_alpha', { country: 'spain', name: null, visits: 2 });
    const { name: _name, ...rest } = DEMO_SUBSCRIPTIONS[0]!.db;
    assert.deepEqual(alpha(), { ...rest, country: 'spain', visits: 2 });
    assert.equal(sandbox.journal.length, 0);
    assert.throws(() => sandbox.patchDb(DEMO_GATE.idGate, 'sub_nope', { a: 1 }), /sub_nope/);
    assert.throws(() => sandbox.patchDb('gate_nope', 'sub_alpha', { a: 1 }), /gate_nope/);
  });

  it('PATCH /_sandbox/db merges a patch, null deleting, and answers the DB', async () => {
    await start({ control: true });
    const path = `/_sandbox/db/${DEMO_GATE.idGate}/sub_beta`;
    const patched = await call('PATCH', path, { body: { age: 22, country: null } });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.json, { age: 22, alreadySubscribed: false });
    assert.deepEqual(sandbox.getDb(DEMO_GATE.idGate, 'sub_beta'), { age: 22, alreadySubscribed: false });
    assert.equal((await call('PATCH', `/_sandbox/db/${DEMO_GATE.idGate}/sub_nope`, { body: { a: 1 } })).status, 404);
    const bad = await call('PATCH', path, { body: { a: [1] } });
    assert.equal(bad.status, 400);
    assert.match((bad.json as { error: string }).error, /^a: must be a string, a number, a boolean or null/);
  });

  it('PUT /_sandbox/db keeps a "__proto__" key as an ordinary key', async () => {
    await start({ control: true });
    const res = await call('PUT', `/_sandbox/db/${DEMO_GATE.idGate}/sub_proto`, { raw: '{"__proto__":"x","a":1}' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"__proto__":"x","a":1}');
  });
});

describe('control API bodies', () => {
  it('answers 400 naming the field that is wrong', async () => {
    await start({ control: true });
    const refused = async (path: string, body: unknown, mention: RegExp): Promise<void> => {
      const res = await call('POST', path, { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match((res.json as { error: string }).error, mention);
    };
    await refused('/_sandbox/faults', { route: 'nope' }, /^route: .*getDb/);
    await refused('/_sandbox/faults', { route: 'getDb', count: 0 }, /^count: /);
    await refused('/_sandbox/faults', { route: 'getDb', fault: { status: 99 } }, /^fault\.status: /);
    await refused('/_sandbox/faults', { route: 'getDb', fault: { delay: 5 } }, /delay/);
    const numericHeader = { route: 'getDb', fault: { headers: { 'retry-after': 1 } } };
    await refused('/_sandbox/faults', numericHeader, /fault\.headers\.retry-after/);
    await refused('/_sandbox/faults', [], /^body: /);
    await refused('/_sandbox/variants', { tokenStatus: 202 }, /^tokenStatus: .*201/);
    const partial = { idGate: DEMO_GATE.idGate, logupToken: '' };
    await refused('/_sandbox/logup-tokens', partial, /^logupToken: .*; idSubscription: /);
    const text = await fetch(`${sandbox.origin}/_sandbox/faults`, { method: 'POST', body: '{"route":"getDb"}' });
    assert.equal(text.status, 400);
    assert.match(((await text.json()) as { error: string }).error, /Content-Type/);
  });
});
