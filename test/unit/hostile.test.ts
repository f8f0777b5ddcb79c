// Malformed and hostile server answers against the real LogUpClient: bodies too big to hold (with and without a
// Content-Length), bodies that never end, ids that would become paths, keys that zod drops, numbers JSON cannot
// carry, redirects that would carry the secret elsewhere, and messages built to mislead a notification.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { LogUpHttpError, LogUpResponseError, LogUpTimeoutError } from '../../src/api/errors';
import type { LogUpClient, LogUpClientOptions } from '../../src/api/logUpClient';
import { analyzeDbDocument, serializeDb } from '../../src/core/dbDocument';
import type { Db } from '../../src/core/db';
import { planSave } from '../../src/core/savePlan';
import { DEMO_GATE, DEMO_LOGUP_TOKENS, DEMO_SUBSCRIPTIONS } from '../../src/sandbox/demoData';
import { assertAnswersRefused, failure, readyClient, sandboxClient } from './support';

const ALPHA = DEMO_SUBSCRIPTIONS[0]!;
const ALPHA_TOKEN = DEMO_LOGUP_TOKENS[0]!;
const TEN_MB = 10 * 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A raw server for answers the sandbox cannot give (chunked, endless, redirects); the token call always works. */
async function rawServer(t: TestContext, handler: Handler): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    req.resume();
    if (req.url === '/v1_0/oauth/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"tok-raw","token_type":"Baerer","expires_in":3600}');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1_0`, server, requests };
}

function rawClient(t: TestContext, url: string, options: Partial<LogUpClientOptions> = {}): LogUpClient {
  const client = sandboxClient({ url }, { maxRetries: 0, ...options });
  t.after(() => client.close());
  return client;
}

describe('bodies too large to hold', () => {
  test('a 10 MB success body sent chunked (no Content-Length) is cut off at 2 MB, fast', async (t) => {
    let written = 0;
    const { url } = await rawServer(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":"');
      const chunk = 'x'.repeat(64 * 1024);
      const pump = (): void => {
        while (written < TEN_MB) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end('"}');
      };
      res.on('error', () => undefined);
      pump();
    });
    const client = rawClient(t, url);
    const started = Date.now();
    const e = await failure(client.getDb('sub_big'));
    assert.ok(e instanceof LogUpResponseError, e.message);
    assert.match(e.message, /larger than 2 MB/);
    assert.ok(Date.now() - started < 3000, 'refused without waiting for the whole body');
    assert.ok(written < TEN_MB, `the client stopped reading (server wrote ${written} bytes)`);
  });

  test('a 10 MB error body gives a short message, and the call does not hang', async (t) => {
    const { url } = await rawServer(t, (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.on('error', () => undefined);
      res.end(JSON.stringify({ errorMessage: `DB_BROKEN ${'y'.repeat(TEN_MB)}` }));
    });
    const e = await failure(rawClient(t, url).getDb('sub_big'));
    assert.ok(e instanceof LogUpHttpError);
    assert.equal(e.status, 500);
    assert.ok(e.message.length < 300, `short: ${e.message.length} characters`);
    assert.match(e.message, /^GET \/subscription\/sub_big\/db failed: 500 /);
  });

  test('a body that never ends times out instead of hanging', async (t) => {
    const timers: NodeJS.Timeout[] = [];
    t.after(() => timers.forEach(clearInterval));
    const { url } = await rawServer(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
      timers.push(setInterval(() => res.write(' '), 50));
    });
    const e = await failure(rawClient(t, url, { timeoutMs: 400 }).getDb('sub_slow'));
    assert.ok(e instanceof LogUpTimeoutError, e.message);
  });

  test('JSON nested a million levels deep is refused without a crash', async (t) => {
    const { sb, client } = await readyClient(t);
    sb.failNext('getDb', 1, { status: 200, body: `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}` });
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpResponseError, e.message);
    assert.deepEqual(await client.getDb(ALPHA.idSubscription), ALPHA.db, 'the client still works');
  });
});

describe('ids from the server that would become paths', () => {
  for (const idSubscription of ['../x', 'a/b?c#d', '..', '.', 'sub_ok/../../etc', '%2e%2e%2f', 'sub x', 'süb', 'sub\u202eevil', 'a'.repeat(129)]) {
    test(`a verified answer naming ${JSON.stringify(idSubscription)} is refused, the id not echoed`, async (t) => {
      const { sb, client } = await readyClient(t);
      sb.failNext('verification', 1, { status: 200, body: JSON.stringify({ verified: true, idActor: 'acr_x', idSubscription, db: {} }) });
      const e = await failure(client.verify(ALPHA_TOKEN.logupToken));
      assert.ok(e instanceof LogUpResponseError);
      assert.equal(e.message, 'POST /verification returned an unexpected response: field "idSubscription" is not a valid subscription id');
      assert.ok(!e.message.includes(ALPHA_TOKEN.logupToken));
    });
  }

  test('a not-verified answer may carry any idSubscription: it is never used', async (t) => {
    const { sb, client } = await readyClient(t);
    sb.failNext('verification', 1, { status: 200, body: JSON.stringify({ verified: false, errorMessage: 'INVALID_LOGUP_TOKEN', idSubscription: '../x', idActor: null, db: {} }) });
    const v = await client.verify(ALPHA_TOKEN.logupToken);
    assert.equal(v.verified, false);
  });
});

describe('DB maps: every legal key kept, every illegal value refused', () => {
  const proto = JSON.parse('{"__proto__": "kept", "constructor": 1, "toString": true, "plain": "x"}') as Db;

  test('"__proto__" survives GET, PUT and DELETE answers and a verification, as an own key', async (t) => {
    const { sb, client } = await readyClient(t);
    sb.setVariants({ deleteStatus: 200 });
    sb.setDb(DEMO_GATE.idGate, 'sub_proto', proto);
    const read = await client.getDb('sub_proto');
    assert.ok(Object.hasOwn(read, '__proto__'), 'GET keeps it');
    assert.equal(read.__proto__, 'kept');
    assert.equal(Object.getPrototypeOf(read), Object.prototype, 'and it is not the prototype');
    assert.deepEqual(Object.keys(read).sort(), Object.keys(proto).sort());

    const put = await client.putDb('sub_proto', [{ key: 'plain', value: 'y' }]);
    assert.ok(Object.hasOwn(put, '__proto__'), 'PUT answer keeps it');
    const deleted = await client.deleteDb('sub_proto', ['toString']);
    assert.ok(deleted && Object.hasOwn(deleted, '__proto__'), 'DELETE answer keeps it');

    sb.failNext('verification', 1, { status: 200, body: JSON.stringify({ verified: true, idActor: 'acr_p', idSubscription: 'sub_proto', db: proto }) });
    const v = await client.verify(ALPHA_TOKEN.logupToken);
    assert.ok(v.verified && Object.hasOwn(v.db, '__proto__'), 'verification keeps it');

    // What the editor shows round-trips, so an untouched "__proto__" is never planned as a deletion.
    const shown = analyzeDbDocument(serializeDb(read));
    assert.ok(shown.ok);
    assert.deepEqual(planSave(read, shown.db), { deleteKeys: [], putEntries: [], deleteFirst: false });
  });

  const badMaps: [string, string][] = [
    ['{"__proto__": [1]}', '__proto__'],
    ['{"__proto__": {"polluted": true}}', '__proto__'],
    ['{"a": 1e999}', 'a'],
    ['{"a": -1e999}', 'a'],
    ['{"a": null}', 'a'],
    ['{"a": {"b": 1}}', 'a'],
    ['{"ok": 1, "list": ["x"]}', 'list'],
  ];
  for (const [body, field] of badMaps) {
    test(`a DB ${body} is refused naming field "${field}"`, async (t) => {
      const { sb, client } = await readyClient(t);
      sb.failNext('getDb', 1, { status: 200, body });
      const e = await failure(client.getDb(ALPHA.idSubscription));
      assert.ok(e instanceof LogUpResponseError, e.message);
      assert.match(e.message, new RegExp(`field "${field}" (has the wrong type|should be)`));
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    });
  }

  test('a verification whose DB holds a bad "__proto__" is refused too', async (t) => {
    const { sb, client } = await readyClient(t);
    sb.failNext('verification', 1, { status: 200, body: '{"verified": true, "idActor": "acr_x", "idSubscription": "sub_x", "db": {"__proto__": {"a": 1}}}' });
    const e = await failure(client.verify(ALPHA_TOKEN.logupToken));
    assert.match(e.message, /field "db\.__proto__" has the wrong type/);
  });
});

describe('a DB key in an error is not a way to leak a secret (docs/api.md, decision 9)', () => {
  const cases: [string, string, RegExp][] = [
    ['the gate\'s secret key', DEMO_GATE.secretKey, /field "\[redacted key, 19 characters\]" has the wrong type/],
    ['a token-shaped key', 'AKIA4EXAMPLEKEY7Q2Z', /field "\[redacted key, 19 characters\]" has the wrong type/],
    ['a key longer than LogUp accepts', `plan_${'x'.repeat(40)}`, /field "\[redacted key, 45 characters\]" has the wrong type/],
  ];
  for (const [what, key, expected] of cases) {
    test(`${what} as the name of a bad value is not quoted`, async (t) => {
      const { sb, client } = await readyClient(t);
      sb.failNext('getDb', 1, { status: 200, body: JSON.stringify({ ok: 1, [key]: null }) });
      const e = await failure(client.getDb(ALPHA.idSubscription));
      assert.ok(e instanceof LogUpResponseError, e.message);
      assert.ok(!e.message.includes(key), e.message);
      assert.match(e.message, expected);
    });
  }

  test('an ordinary key is still named, and a verification\'s DB key is judged the same way', async (t) => {
    const { sb, client } = await readyClient(t);
    sb.failNext('getDb', 1, { status: 200, body: '{"plan": null}' });
    assert.match((await failure(client.getDb(ALPHA.idSubscription))).message, /field "plan" has the wrong type/);
    sb.failNext('verification', 1, { status: 200, body: JSON.stringify({ verified: true, idActor: 'acr_x', idSubscription: 'sub_x', db: { [DEMO_GATE.secretKey]: [1] } }) });
    const e = await failure(client.verify(ALPHA_TOKEN.logupToken));
    assert.ok(!e.message.includes(DEMO_GATE.secretKey), e.message);
    assert.match(e.message, /field "db\.\[redacted key, 19 characters\]"/);
  });

  test('a conflict names its keys escaped, and withholds one that looks like a credential', async () => {
    const { ConflictError } = await import('../../src/db/saveErrors');
    const token = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'.slice(0, 30);
    const e = new ConflictError({ idGate: 'gate_x', idSubscription: 'sub_x' }, ['plan\u202Eevil', token], { db: {}, at: 0 } as never);
    assert.ok(!e.message.includes('\u202E') && !e.message.includes(token), e.message);
    assert.match(e.message, /"plan\\u202Eevil", \[redacted key, 30 characters\] changed on the server/);
  });
});

describe('answers built to mislead', () => {
  test('a token answer with wrong types is refused, and no request carries a bogus token', async (t) => {
    const { sb, client } = await readyClient(t);
    for (const body of ['{"access_token": 12345, "expires_in": 3600}', '{"access_token": "", "expires_in": 3600}', '{"access_token": "t", "expires_in": -5}', '{"access_token": "t", "expires_in": "soon"}']) {
      sb.failNext('token', 1, { status: 200, body });
      const e = await failure(client.checkCredentials());
      assert.ok(e instanceof LogUpResponseError, `${body}: ${e.message}`);
      assert.match(e.message, /^POST \/oauth\/token returned an unexpected response: field "(access_token|expires_in)"/);
    }
    sb.clearJournal();
    assert.deepEqual(await client.getDb(ALPHA.idSubscription), ALPHA.db, 'a good token is fetched next time');
    assert.equal(sb.count('token'), 1);
  });

  test('token and verification answers of the wrong shape are refused in exact words, naming the field only', async (t) => {
    // What a person reads in the log and the failure message; the schemas' library must not change a word of it.
    const { sb, client } = await readyClient(t);
    const token: [string, string][] = [
      ['{}', 'field "access_token" is missing'],
      ['[]', 'the body should be an object'],
      ['{"access_token": 5}', 'field "access_token" should be a string'],
      ['{"access_token": ""}', 'field "access_token" is invalid'],
      ['{"access_token": "a b"}', 'the server answered an access token that cannot be used (field "access_token")'],
      ['{"access_token": "t", "expires_in": "36x"}', 'field "expires_in" has the wrong type'],
      ['{"access_token": "t", "expires_in": null}', 'field "expires_in" has the wrong type'],
      ['{"access_token": "t", "expires_in": 0}', 'field "expires_in" is invalid'],
      ['{"access_token": "t", "token_type": 5}', 'field "token_type" should be a string'],
    ];
    await assertAnswersRefused(sb, 'token', () => client.checkCredentials(), 'POST /oauth/token', token);
    const verification: [string, string][] = [
      ['null', 'the body should be an object'],
      ['{}', 'field "verified" has the wrong type'],
      ['{"verified": "yes"}', 'field "verified" has the wrong type'],
      ['{"verified": true}', 'field "idActor" is missing'],
      ['{"verified": true, "idActor": "", "idSubscription": "sub_x", "db": {}}', 'field "idActor" is invalid'],
      ['{"verified": true, "idActor": "acr_x", "idSubscription": "sub_x", "db": []}', 'field "db" should be an object'],
      ['{"verified": true, "idActor": "acr_x", "idSubscription": "sub_x", "db": {"k": null}}', 'field "db.k" has the wrong type'],
      ['{"verified": false, "errorMessage": 5}', 'field "errorMessage" should be a string'],
      ['{"verified": false, "db": {"k": [1]}}', 'field "db.k" has the wrong type'],
    ];
    await assertAnswersRefused(sb, 'verification', () => client.verify(ALPHA_TOKEN.logupToken), 'POST /verification', verification);
    // A number sent as a string is still a lifetime, as before.
    sb.failNext('token', 1, { status: 200, body: '{"access_token": "t", "expires_in": "3600"}' });
    await client.checkCredentials();
  });

  test('a redirect is not followed: the secret and the token never reach another host', async (t) => {
    const elsewhere = await rawServer(t, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const { url } = await rawServer(t, (_req, res) => res.writeHead(307, { location: `${elsewhere.url}/subscription/sub_x/db` }).end());
    const e = await failure(rawClient(t, url).getDb('sub_x'));
    assert.ok(e instanceof LogUpHttpError);
    assert.equal(e.status, 307);
    assert.deepEqual(elsewhere.requests, [], 'nothing was sent to the other host');
  });

  test('control characters, bidi overrides and HTML in a server message are neutralised', async (t) => {
    const { sb, client } = await readyClient(t);
    sb.failNext('getDb', 1, { status: 400, body: JSON.stringify({ errorMessage: 'BAD\u001b[31m red\u202e desrever\r\nInjected: line <b>bold</b>' }) });
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpHttpError);
    assert.ok(![...e.message].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f' || (c >= '\u202a' && c <= '\u202e')), 'no control or bidi character');
    assert.match(e.message, /BAD \[31m red desrever Injected: line/);

    sb.failNext('getDb', 1, { status: 502, body: `<html><head><title>Bad &amp; Gateway</title><style>p{}</style></head><body><script>steal()</script></body></html>` });
    sb.failNext('getDb', 2, { status: 502, body: '<h1>still bad</h1>' });
    const html = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(html instanceof LogUpHttpError);
    assert.doesNotMatch(html.message, /[<>]|steal/);
  });

  test('an HTML error page of 64 KB of "<" is read in linear time, on every attempt', async (t) => {
    const { sb, client } = await readyClient(t);
    sb.failNext('getDb', 3, { status: 503, body: `<p ${'<'.repeat(65533)}`, headers: { 'retry-after': '0' } });
    const started = performance.now();
    const e = await failure(client.getDb(ALPHA.idSubscription));
    const ms = performance.now() - started;
    assert.ok(e instanceof LogUpHttpError && e.status === 503, e.message);
    assert.equal(sb.count('getDb'), 3, 'three attempts');
    assert.ok(e.message.length < 300);
    // A tag regex took about 1.5 s per attempt on this page.
    assert.ok(ms < 1000, `3 attempts took ${Math.round(ms)} ms`);
  });

  test('an access token that cannot go in a header is refused at once, and none is cached', async (t) => {
    const { sb, client } = await readyClient(t);
    for (const access_token of ['abc\r\nX-Injected: 1', 'two words', 'quote"d', 'tab\there', 'ünïcode']) {
      sb.failNext('token', 1, { status: 200, body: JSON.stringify({ access_token, token_type: 'Bearer', expires_in: 3600 }) });
      const e = await failure(client.checkCredentials());
      assert.ok(e instanceof LogUpResponseError, `${JSON.stringify(access_token)}: ${e.message}`);
      assert.equal(e.message, 'POST /oauth/token returned an unexpected response: the server answered an access token that cannot be used (field "access_token")');
    }
    sb.clearJournal();
    assert.deepEqual(await client.getDb(ALPHA.idSubscription), ALPHA.db, 'the next call fetches a usable token');
    assert.equal(sb.count('token'), 1);
    for (const access_token of ['abc', 'a.b-c_d~e+f/g', 'YWJj==']) {
      sb.failNext('token', 1, { status: 200, body: JSON.stringify({ access_token, expires_in: 3600 }) });
      await client.checkCredentials();
    }
  });

  test('error bodies in other common shapes still give the server\'s words', async (t) => {
    const { sb, client } = await readyClient(t);
    const shapes: [unknown, string][] = [
      [{ error: { code: 'SUBSCRIPTION_NOT_FOUND', detail: 'no subscription sub_x' } }, 'SUBSCRIPTION_NOT_FOUND: no subscription sub_x'],
      [{ error: { code: 'SLOW_DOWN', message: 'too many calls' } }, 'SLOW_DOWN: too many calls'],
      [{ error: { code: 404, description: 'described' } }, '404: described'],
      [{ error: { code: 'ONLY_A_CODE' } }, 'ONLY_A_CODE'],
      [{ error: { message: 'only words' } }, 'only words'],
      [{ type: 'about:blank', title: 'Not Found', detail: 'problem detail' }, 'problem detail'],
      [{ error_description: 'oauth words' }, 'oauth words'],
      [{ error: { code: 'DIRTY', detail: 'bidi\u202e and\r\nlines' } }, 'DIRTY: bidi and lines'],
    ];
    for (const [body, words] of shapes) {
      sb.failNext('getDb', 1, { status: 404, body: JSON.stringify(body) });
      const e = await failure(client.getDb('sub_x'));
      assert.ok(e instanceof LogUpHttpError);
      assert.equal(e.message, `GET /subscription/sub_x/db failed: 404 ${words}`);
    }
  });
});
