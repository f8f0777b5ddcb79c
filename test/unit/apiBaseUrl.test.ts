// Where a gate's secret may be sent (the base URL rules, and plain http reaching only this machine), and the one
// vocabulary the extension uses to classify failures, which must hold across the two bundles that copy the errors.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { buildSync } from 'esbuild';
import { hostOf, isLoopbackHost, parseBaseUrl, withoutTrailingSlash } from '../../src/api/baseUrl';
import type { HostResolver } from '../../src/api/directConnect';
import {
  LogUpCancelledError,
  LogUpConfigError,
  LogUpError,
  LogUpHttpError,
  LogUpNetworkError,
  LogUpResponseError,
  LogUpTimeoutError,
} from '../../src/api/errors';
import * as failures from '../../src/api/failures';
import { isAuthFailure } from '../../src/api/failures';
import { LogUpClient } from '../../src/api/logUpClient';
import { createDispatcher } from '../../src/api/proxy';
import { failure } from './support';

const secretKey = async (): Promise<string> => 'never-read';

describe('parseBaseUrl', () => {
  test('accepts https anywhere and http only to loopback, normalizing trailing slashes', () => {
    const cases: [string, string][] = [
      ['https://api.logup.co/v1_0', 'https://api.logup.co/v1_0'],
      ['https://api.logup.co/v1_0/', 'https://api.logup.co/v1_0'],
      ['  HTTPS://API.LOGUP.CO/v1_1//  ', 'https://api.logup.co/v1_1'],
      ['http://127.0.0.1:4580/v1_0', 'http://127.0.0.1:4580/v1_0'],
      ['http://127.8.9.10/v1_0', 'http://127.8.9.10/v1_0'],
      ['http://localhost:4580/v1_0/', 'http://localhost:4580/v1_0'],
      ['http://[::1]:4580/v1_0', 'http://[::1]:4580/v1_0'],
    ];
    for (const [raw, expected] of cases) {
      assert.equal(parseBaseUrl(raw).href.replace(/\/$/, ''), expected, raw);
    }
  });

  test('refuses insecure or ambiguous URLs with a message that says what to do', () => {
    const refused: [string, RegExp][] = [
      ['http://api.logup.co/v1_0', /https:\/\//],
      ['http://10.0.0.5/v1_0', /https:\/\//],
      ['http://127.0.0.1.nip.io/v1_0', /https:\/\//],
      ['http://localhost.evil.example/v1_0', /https:\/\//],
      ['http://[::2]/v1_0', /https:\/\//],
      ['ftp://api.logup.co/v1_0', /https:\/\//],
      ['javascript:alert(1)', /https:\/\//],
      ['https://user:pw@api.logup.co/v1_0', /user name and password/],
      ['https://api.logup.co/v1_0?version=2', /query/],
      ['https://api.logup.co/v1_0?', /query/],
      ['https://api.logup.co/v1_0#top', /fragment/],
      ['api.logup.co/v1_0', /not a valid URL/],
      ['', /empty/],
    ];
    for (const [raw, message] of refused) {
      assert.throws(() => parseBaseUrl(raw), (e: unknown) => e instanceof LogUpConfigError && message.test(e.message), raw);
    }
  });

  test('the password of a refused URL is not repeated in the error', () => {
    assert.throws(
      () => parseBaseUrl('https://gate:hunter2-secret@api.logup.co/v1_0'),
      (e: unknown) => e instanceof Error && !e.message.includes('hunter2'),
    );
  });

  test('a client cannot be built on a refused URL', () => {
    assert.throws(
      () => new LogUpClient({ baseUrl: 'http://api.logup.co/v1_0', idGate: 'gate_x', secretKey }),
      LogUpConfigError,
    );
    const client = new LogUpClient({ baseUrl: 'https://api.logup.co/v1_0/', idGate: 'gate_x', secretKey });
    assert.equal(client.baseUrl, 'https://api.logup.co/v1_0');
    void client.close();
  });
});

describe('a base URL as it is kept and shown', () => {
  test('kept without a trailing slash, whether it had one, several or none, so a call path appends cleanly', () => {
    for (const raw of ['https://api.logup.co/v1_0', 'https://api.logup.co/v1_0/', 'https://api.logup.co/v1_0//']) {
      assert.equal(withoutTrailingSlash(parseBaseUrl(raw)), 'https://api.logup.co/v1_0', raw);
    }
    assert.equal(withoutTrailingSlash(parseBaseUrl('http://127.0.0.1:4580/')), 'http://127.0.0.1:4580');
  });

  test('named by its host and port; text that is no URL is shown as it is', () => {
    assert.equal(hostOf('http://127.0.0.1:4580/v1_0'), '127.0.0.1:4580');
    assert.equal(hostOf('https://api.logup.co/v1_0'), 'api.logup.co');
    assert.equal(hostOf('not a url'), 'not a url');
  });
});

describe('isLoopbackHost', () => {
  test('only this machine counts', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.0.9', '::1', '[::1]', '0:0:0:0:0:0:0:1']) {
      assert.equal(isLoopbackHost(h), true, h);
    }
    // "localhost." is looked up in DNS, not in the hosts file: it can name another machine.
    for (const h of ['localhost.', '128.0.0.1', '10.0.0.1', '0.0.0.0', '::', '::2', 'localhost.com', 'mylocalhost', '127.0.0.1.example', '']) {
      assert.equal(isLoopbackHost(h), false, h);
    }
  });
});

describe('isAuthFailure', () => {
  test('401/403 anywhere and 400 from the token call mean refused credentials; other errors do not', () => {
    assert.equal(isAuthFailure(new LogUpHttpError('GET', '/subscription/s/db', 401, 'INVALID_TOKEN', 'Unauthorized')), true);
    assert.equal(isAuthFailure(new LogUpHttpError('GET', '/subscription/s/db', 403, undefined, 'Forbidden')), true);
    assert.equal(isAuthFailure(new LogUpHttpError('POST', '/oauth/token', 400, 'invalid_client', 'Bad Request')), true);
    assert.equal(isAuthFailure(new LogUpHttpError('PUT', '/subscription/s/db', 400, 'KEY_TOO_LONG', 'Bad Request')), false);
    assert.equal(isAuthFailure(new LogUpHttpError('GET', '/subscription/s/db', 404, undefined, 'Not Found')), false);
    assert.equal(isAuthFailure(new LogUpNetworkError('POST', '/oauth/token', 'ECONNREFUSED', undefined)), false);
    assert.equal(isAuthFailure(new Error('401')), false);
    assert.equal(isAuthFailure(undefined), false);
  });

  test('an HTTP error reads like the server said it, falling back to the status text', () => {
    const e = new LogUpHttpError('PUT', '/subscription/sub_alpha/db', 400, 'KEY_TOO_LONG', 'Bad Request');
    assert.equal(e.message, 'PUT /subscription/sub_alpha/db failed: 400 KEY_TOO_LONG');
    assert.equal(e.name, 'LogUpHttpError');
    const bare = new LogUpHttpError('GET', '/subscription/sub_alpha/db', 503, undefined, 'Service Unavailable');
    assert.equal(bare.message, 'GET /subscription/sub_alpha/db failed: 503 Service Unavailable');
  });
});

describe('plain http reaches only this machine', () => {
  test('a trailing dot on localhost is refused, saying why and what to use instead', () => {
    for (const raw of ['http://localhost.:8080/v1_0', 'http://LOCALHOST./v1_0/']) {
      assert.throws(() => parseBaseUrl(raw), (e: unknown) => {
        assert.ok(e instanceof LogUpConfigError, String(e));
        assert.match(e.message, /ends with a dot/);
        assert.match(e.message, /DNS/);
        assert.match(e.message, /http:\/\/localhost(:8080)?\/v1_0 or http:\/\/127\.0\.0\.1(:8080)?\/v1_0/);
        return true;
      }, raw);
    }
    assert.throws(() => new LogUpClient({ baseUrl: 'http://localhost.:8080/v1_0', idGate: 'gate_x', secretKey }), LogUpConfigError);
    assert.equal(parseBaseUrl('https://localhost.:8443/v1_0').hostname, 'localhost.', 'https may name any host');
  });

  /** A loopback server that counts requests; the token call always works. */
  async function countingServer(t: TestContext): Promise<{ port: number; requests: string[] }> {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"tok-local","expires_in":3600}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
    return { port: (server.address() as AddressInfo).port, requests };
  }

  const elsewhere: HostResolver = async () => [{ address: '192.0.2.2', family: 4 }];
  const here: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];

  test('a localhost that resolves to another machine is refused before connecting, as never sent', async (t) => {
    const { port, requests } = await countingServer(t);
    const baseUrl = `http://localhost:${port}/v1_0`;
    const own = new LogUpClient({ baseUrl, idGate: 'gate_x', secretKey, resolveHost: elsewhere, maxRetries: 0 });
    const proxied = new LogUpClient({ baseUrl, idGate: 'gate_x', secretKey, maxRetries: 0, closeDispatcher: true, dispatcher: createDispatcher({ env: {}, resolveHost: elsewhere }) });
    t.after(() => Promise.all([own.close(), proxied.close()]));
    for (const client of [own, proxied]) {
      const e = await failure(client.checkCredentials());
      assert.ok(e instanceof LogUpConfigError, `${e.name}: ${e.message}`);
      assert.match(e.message, /localhost resolves to 192\.0\.2\.2, which is not this machine/);
      assert.match(e.message, /http:\/\/127\.0\.0\.1/);
      assert.equal(failures.wasNeverSent(e), true);
      assert.equal(failures.mayHaveBeenApplied(e), false);
    }
    assert.deepEqual(requests, [], 'nothing reached the server');

    // The same resolver answering with this machine: the guard lets the call through.
    const local = new LogUpClient({ baseUrl, idGate: 'gate_x', secretKey: async () => 'a-secret', resolveHost: here });
    t.after(() => local.close());
    await local.checkCredentials();
    assert.deepEqual(requests, ['POST /v1_0/oauth/token']);
  });
});

describe('failures: one vocabulary, decided from the typed errors', () => {
  const http = (status: number, path = '/subscription/s/db', method = 'PUT'): LogUpHttpError =>
    new LogUpHttpError(method, path, status, undefined, 'status text');
  const net = (code: string | undefined): LogUpNetworkError => new LogUpNetworkError('PUT', '/subscription/s/db', code, undefined);

  test('mayHaveBeenApplied and wasNeverSent', () => {
    const cases: [unknown, boolean, boolean][] = [
      // error, may have been applied, never sent
      [new LogUpTimeoutError('PUT', '/x', 100), true, false],
      [new LogUpResponseError('PUT', '/x', 'the body is empty'), true, false],
      [http(500), true, false],
      [http(502), true, false],
      [http(504), true, false],
      [http(503), false, false],
      [http(429), false, false],
      [http(400), false, false],
      [net('UND_ERR_SOCKET'), true, false],
      [net('ECONNRESET'), true, false],
      [net(undefined), true, false],
      [net('ECONNREFUSED'), false, true],
      [net('ENOTFOUND'), false, true],
      [net('EAI_AGAIN'), false, true],
      [net('EHOSTUNREACH'), false, true],
      [net('ENETUNREACH'), false, true],
      [net('UND_ERR_CONNECT_TIMEOUT'), false, true],
      [new LogUpConfigError('bad URL'), false, true],
      [new LogUpCancelledError('PUT', '/x', false), false, true],
      [new LogUpCancelledError('PUT', '/x', true), true, false],
      [new Error('other'), false, false],
      [undefined, false, false],
    ];
    for (const [e, applied, neverSent] of cases) {
      const label = e instanceof Error ? `${e.name} ${e.message}` : String(e);
      assert.equal(failures.mayHaveBeenApplied(e), applied, `mayHaveBeenApplied: ${label}`);
      assert.equal(failures.wasNeverSent(e), neverSent, `wasNeverSent: ${label}`);
    }
  });

  test('isNotFound, isCancellation', () => {
    assert.equal(failures.isNotFound(http(404, '/subscription/s/db', 'GET')), true);
    assert.equal(failures.isNotFound(http(400)), false);
    assert.equal(failures.isCancellation(new LogUpCancelledError('GET', '/x')), true);
    assert.equal(failures.isCancellation(new DOMException('stop', 'AbortError')), true);
    assert.equal(failures.isCancellation(Object.assign(new Error('Canceled'), { name: 'Canceled' })), true, 'vscode.CancellationError');
    assert.equal(failures.isCancellation(new Error('Canceled')), false);
    assert.equal(failures.isCancellation(http(499)), false);
  });

  test('userMessage says what to do for each kind of failure', () => {
    assert.equal(
      failures.userMessage(http(401, '/oauth/token', 'POST')),
      'POST /oauth/token failed: 401 status text. The gate id or secret key was refused: run "LogUp: Add Gate" to enter them again.',
    );
    assert.match(failures.userMessage(http(400, '/oauth/token', 'POST')), /Add Gate/);
    assert.doesNotMatch(failures.userMessage(http(400)), /Add Gate/, 'a 400 from a write is not about credentials');
    assert.match(failures.userMessage(http(404, '/subscription/s/db', 'GET')), /404 status text\. Check the subscription id/);
    assert.match(failures.userMessage(net('ECONNREFUSED')), /\(ECONNREFUSED\)\. Check that the server is reachable \(for the local sandbox: is "npm run sandbox" running\?\)/);
    assert.match(failures.userMessage(new LogUpTimeoutError('GET', '/x', 100)), /raise the "logup\.requestTimeoutSeconds" setting/);
    assert.equal(failures.userMessage(new LogUpConfigError('Use https.')), 'Use https.');
    assert.equal(failures.userMessage(new Error('plain')), 'plain');
    assert.equal(failures.userMessage('text'), 'text');
  });

  test('error names survive, without any name field per class', () => {
    assert.equal(http(400).name, 'LogUpHttpError');
    assert.equal(new LogUpConfigError('x').name, 'LogUpConfigError');
    assert.equal(new LogUpCancelledError('GET', '/x').name, 'LogUpCancelledError');
  });

  /**
   * errors.ts and failures.ts bundled on their own, as a second bundle holds its own copy of the classes, minified
   * without keepNames as the activation bundle is (esbuild.mjs): classes are renamed.
   */
  function secondCopy(minify: boolean): { copy: typeof import('../../src/api/errors') & typeof failures; inputs: string[] } {
    const result = buildSync({
      stdin: { contents: "export * from './errors'; export * from './failures';", resolveDir: join(__dirname, '..', '..', 'src', 'api'), loader: 'ts' },
      bundle: true,
      format: 'cjs',
      platform: 'node',
      write: false,
      metafile: true,
      minify,
      keepNames: false,
    });
    const module = { exports: {} as Record<string, unknown> };
    new Function('module', 'exports', 'require', result.outputFiles[0]!.text)(module, module.exports, require);
    return { copy: module.exports as never, inputs: Object.keys(result.metafile.inputs) };
  }

  test('instanceof and the questions work across two copies of the classes (the two bundles)', () => {
    const { copy, inputs } = secondCopy(true);
    assert.notEqual(copy.LogUpHttpError, LogUpHttpError, 'a genuinely separate copy');
    // @vscode/l10n (a few hundred lines, no dependencies) translates the hints; the extension bundle has it anyway.
    assert.ok(inputs.every((i) => !/node_modules\/(?!@vscode\/l10n\/)/.test(i)), `no undici or zod for activation to load: ${inputs.join(', ')}`);

    const theirs = new copy.LogUpHttpError('POST', '/oauth/token', 401, 'INVALID_CLIENT', 'Unauthorized');
    assert.equal(theirs.name, 'LogUpHttpError', 'the brand names a minified class');
    assert.equal(new copy.LogUpConfigError('x').name, 'LogUpConfigError');
    assert.ok(theirs instanceof LogUpHttpError);
    assert.ok(theirs instanceof LogUpError, 'a subclass is an instance of its parent');
    assert.ok(!(theirs instanceof LogUpNetworkError));
    assert.ok(!(theirs instanceof LogUpConfigError));
    assert.equal(isAuthFailure(theirs), true);
    assert.match(failures.userMessage(theirs), /run "LogUp: Add Gate"/);

    const ours = new LogUpNetworkError('PUT', '/x', 'ECONNREFUSED', undefined);
    assert.ok(ours instanceof copy.LogUpNetworkError && ours instanceof copy.LogUpError);
    assert.equal(copy.wasNeverSent(ours), true);
    assert.equal(copy.wasNeverSent(new LogUpConfigError('x')), true);
    assert.ok(new copy.LogUpConfigError('x') instanceof LogUpConfigError);
    assert.ok(!(new copy.LogUpConfigError('x') instanceof LogUpError), 'a config error is not a request error');
  });

  test('the brand decides: a plain Error carrying it passes instanceof, one without it does not', () => {
    const branded = new Error('made elsewhere') as Error & Record<symbol, unknown>;
    branded[Symbol.for('logup-vscode.LogUpTimeoutError')] = true;
    assert.ok(branded instanceof LogUpTimeoutError);
    assert.ok(!(branded instanceof LogUpHttpError));
    assert.ok(!(new Error('plain') instanceof LogUpError));
    assert.ok(!(Object.assign(new Error('x'), { name: 'LogUpHttpError', status: 401 }) instanceof LogUpHttpError), 'a name is not a brand');
    for (const v of [null, undefined, 'LogUpHttpError', 401, {}]) assert.ok(!(v instanceof LogUpHttpError));
  });
});
