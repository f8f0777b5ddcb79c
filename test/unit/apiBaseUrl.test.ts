import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isLoopbackHost, parseBaseUrl } from '../../src/api/baseUrl';
import { isAuthError, LogUpConfigError, LogUpHttpError, LogUpNetworkError } from '../../src/api/errors';
import { LogUpClient } from '../../src/api/logUpClient';

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

describe('isLoopbackHost', () => {
  test('only this machine counts', () => {
    for (const h of ['localhost', 'LOCALHOST', 'localhost.', '127.0.0.1', '127.255.0.9', '::1', '[::1]', '0:0:0:0:0:0:0:1']) {
      assert.equal(isLoopbackHost(h), true, h);
    }
    for (const h of ['128.0.0.1', '10.0.0.1', '0.0.0.0', '::', '::2', 'localhost.com', 'mylocalhost', '127.0.0.1.example', '']) {
      assert.equal(isLoopbackHost(h), false, h);
    }
  });
});

describe('isAuthError', () => {
  test('401/403 anywhere and 400 from the token call mean refused credentials; other errors do not', () => {
    assert.equal(isAuthError(new LogUpHttpError('GET', '/subscription/s/db', 401, 'INVALID_TOKEN', 'Unauthorized')), true);
    assert.equal(isAuthError(new LogUpHttpError('GET', '/subscription/s/db', 403, undefined, 'Forbidden')), true);
    assert.equal(isAuthError(new LogUpHttpError('POST', '/oauth/token', 400, 'invalid_client', 'Bad Request')), true);
    assert.equal(isAuthError(new LogUpHttpError('PUT', '/subscription/s/db', 400, 'KEY_TOO_LONG', 'Bad Request')), false);
    assert.equal(isAuthError(new LogUpHttpError('GET', '/subscription/s/db', 404, undefined, 'Not Found')), false);
    assert.equal(isAuthError(new LogUpNetworkError('POST', '/oauth/token', 'ECONNREFUSED', undefined)), false);
    assert.equal(isAuthError(new Error('401')), false);
    assert.equal(isAuthError(undefined), false);
  });

  test('an HTTP error reads like the server said it, falling back to the status text', () => {
    const e = new LogUpHttpError('PUT', '/subscription/sub_alpha/db', 400, 'KEY_TOO_LONG', 'Bad Request');
    assert.equal(e.message, 'PUT /subscription/sub_alpha/db failed: 400 KEY_TOO_LONG');
    assert.equal(e.name, 'LogUpHttpError');
    const bare = new LogUpHttpError('GET', '/subscription/sub_alpha/db', 503, undefined, 'Service Unavailable');
    assert.equal(bare.message, 'GET /subscription/sub_alpha/db failed: 503 Service Unavailable');
  });
});
