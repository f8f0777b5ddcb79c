// Networks people actually have: an HTTP CONNECT proxy (VS Code's http.proxy or HTTPS_PROXY/NO_PROXY) and a
// private CA (NODE_EXTRA_CA_CERTS). Everything runs on loopback: a CONNECT proxy that maps the made-up host
// logup.test to an HTTPS front of the sandbox, whose certificate is signed by a CA made with openssl at test time.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { request, type Dispatcher } from 'undici';
import type { HostResolver } from '../../src/api/directConnect';
import { LogUpConfigError, LogUpNetworkError, LogUpTimeoutError } from '../../src/api/errors';
import type { LogUpClient } from '../../src/api/logUpClient';
import { createDispatcher, type DispatcherOptions } from '../../src/api/proxy';
import { DEMO_GATE, DEMO_SUBSCRIPTIONS } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { failure, sandboxClient } from './support';

const repoRoot = join(__dirname, '..', '..');
const ALPHA = DEMO_SUBSCRIPTIONS[0]!;
// Not resolvable: a request that really goes direct fails to resolve it instead of reaching anything.
const FAKE_HOST = 'logup.test';
const FAKE_BASE_URL = `https://${FAKE_HOST}/v1_0`;
// undici's codes for a certificate nobody vouched for (leaf from an unknown CA, self-signed, or in the chain).
const UNTRUSTED_CERT = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/;

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const NO_OPENSSL = hasOpenssl ? false : 'openssl is not installed: cannot make the test CA (apt-get install openssl)';

describe('routing: which requests go through which proxy (seen by recording proxies and the resolver)', () => {
  const names = ['secure', 'plain', 'other'] as const;
  type Name = (typeof names)[number];
  const proxies = {} as Record<Name, TestProxy>;
  let sink: Running & { connections: number };

  before(async () => {
    // No host is mapped: each proxy records the CONNECT and refuses it, which is all routing needs.
    for (const name of names) proxies[name] = await startConnectProxy({});
    sink = await startSink();
  });

  after(async () => {
    for (const name of names) await proxies[name]?.close();
    await sink?.close();
  });

  /**
   * Sends one request to `url` and says which way it went: the name of the one proxy that saw a CONNECT for it,
   * or 'direct' when none did and it was resolved here (or, for an IP address, connected to directly).
   */
  async function route(url: string, options: DispatcherOptions): Promise<string> {
    for (const name of names) {
      proxies[name].seen.length = 0;
      proxies[name].auth.length = 0;
    }
    const resolved: string[] = [];
    const resolveHost: HostResolver = async (host) => {
      resolved.push(host);
      if (host === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    };
    const dispatcher = createDispatcher({ ...options, resolveHost, connectTimeoutMs: 2_000 });
    try {
      await request(url, { dispatcher }).then((r) => r.body.dump(), () => undefined);
    } finally {
      await dispatcher.close();
    }
    const target = new URL(url);
    const saw = names.filter((name) => proxies[name].seen.length > 0);
    if (saw.length === 1 && resolved.length === 0) {
      const port = target.port || (target.protocol === 'https:' ? '443' : '80');
      assert.deepEqual([...new Set(proxies[saw[0]!].seen)], [`CONNECT ${target.hostname}:${port}`]);
      return saw[0]!;
    }
    const isIp = /^[\d.]+$|^\[/.test(target.hostname);
    if (saw.length === 0 && (isIp || resolved.includes(target.hostname))) return 'direct';
    return `unclear: proxies ${saw.join(',') || 'none'}, resolved ${resolved.join(',') || 'nothing'}`;
  }

  test('without a proxy setting or variable every request goes direct', async () => {
    assert.equal(await route('https://api.logup.co/v1_0', { env: {} }), 'direct');
    assert.equal(await route('https://api.logup.co/v1_0', { env: { HTTPS_PROXY: '' }, proxyUrl: '  ' }), 'direct');
  });

  test('HTTPS_PROXY serves https targets, HTTP_PROXY http ones and https when HTTPS_PROXY is unset', async () => {
    const env = { HTTPS_PROXY: proxies.secure.url, HTTP_PROXY: proxies.plain.url };
    assert.equal(await route('https://api.logup.co/v1_0', { env }), 'secure');
    assert.equal(await route('http://api.logup.co/v1_0', { env }), 'plain');
    assert.equal(await route('https://api.logup.co/v1_0', { env: { HTTP_PROXY: proxies.plain.url } }), 'plain');
    // lower case wins, as in curl and undici
    assert.equal(await route('https://api.logup.co', { env: { https_proxy: proxies.secure.url, HTTPS_PROXY: proxies.other.url } }), 'secure');
  });

  test("VS Code's http.proxy wins over the environment, for http and https", async () => {
    const env = { HTTPS_PROXY: proxies.secure.url, HTTP_PROXY: proxies.plain.url };
    assert.equal(await route('https://api.logup.co', { env, proxyUrl: proxies.other.url }), 'other');
    assert.equal(await route('http://api.logup.co', { env, proxyUrl: proxies.other.url }), 'other');
  });

  test('NO_PROXY and http.noProxy: exact host, parent domain, host:port, and *', async () => {
    const proxyUrl = proxies.other.url;
    const via = (url: string, noProxy: string, list: string[] = []): Promise<string> => route(url, { proxyUrl, env: { NO_PROXY: noProxy }, noProxy: list });
    assert.equal(await via('https://api.logup.co', 'api.logup.co'), 'direct');
    assert.equal(await via('https://api.logup.co', '.logup.co'), 'direct');
    assert.equal(await via('https://api.logup.co', 'logup.co'), 'direct');
    assert.equal(await via('https://api.logup.co', '*.logup.co'), 'direct');
    assert.equal(await via('https://notlogup.co', 'logup.co'), 'other', 'a suffix that is not a parent domain does not match');
    assert.equal(await via('https://api.logup.co', 'api.logup.co:443'), 'direct');
    assert.equal(await via('https://api.logup.co', 'api.logup.co:8443'), 'other', 'another port does not match');
    assert.equal(await via('https://api.logup.co', 'other.example, api.logup.co'), 'direct', 'comma and space separated');
    assert.equal(await via('https://api.logup.co', '*'), 'direct');
    assert.equal(await via('https://api.logup.co', 'other.example', ['*']), 'direct', '"*" anywhere in the list');
    assert.equal(await via('https://api.logup.co', '', ['api.logup.co']), 'direct', "VS Code's http.noProxy list");
  });

  test('loopback never goes through a proxy, even a catch-all one with NO_PROXY empty', async () => {
    const options = { proxyUrl: proxies.other.url, env: { NO_PROXY: '' } };
    const before = sink.connections;
    for (const url of [`http://127.0.0.1:${sink.port}/v1_0`, `http://localhost:${sink.port}/v1_0`, 'http://[::1]:80/v1_0', 'http://127.0.0.2/v1_0', `https://127.0.0.1:${sink.port}/v1_0`]) {
      assert.equal(await route(url, options), 'direct', url);
    }
    assert.equal(sink.connections - before, 3, 'the loopback server itself was reached on 127.0.0.1 and localhost, over http and https');
  });

  test('a proxy without a scheme means http://, and its credentials are used but never shown', async (t) => {
    const [, port] = proxies.secure.url.split('//')[1]!.split(':');
    assert.equal(await route('https://api.logup.co', { env: { HTTPS_PROXY: `127.0.0.1:${port}` } }), 'secure');
    assert.equal(await route('https://api.logup.co', { proxyUrl: `http://alice:pa55word@127.0.0.1:${port}` }), 'secure');
    assert.deepEqual(proxies.secure.auth, [`Basic ${Buffer.from('alice:pa55word').toString('base64')}`]);

    const client = clientOn(FAKE_BASE_URL, createDispatcher({ proxyUrl: `http://alice:pa55word@127.0.0.1:${port}`, env: {} }));
    t.after(() => client.close());
    const e = await failure(client.getDb(ALPHA.idSubscription));
    assert.ok(e instanceof LogUpNetworkError, String(e));
    for (const text of [e.message, String(e.stack), JSON.stringify(e)]) assert.ok(!text.includes('pa55word'), 'the proxy password is not shown');
  });

  test('an unusable proxy is refused with a message naming the setting, without the URL (it may hold a password)', () => {
    const refused = (options: DispatcherOptions, source: RegExp): void => {
      assert.throws(() => createDispatcher(options), (e: unknown) => {
        assert.ok(e instanceof LogUpConfigError);
        assert.match(e.message, source);
        assert.ok(!e.message.includes('pa55'), 'the password is not in the message');
        return true;
      });
    };
    refused({ proxyUrl: 'http://alice:pa55@proxy corp:3128' }, /http\.proxy setting is not a valid URL/);
    refused({ proxyUrl: 'socks5://alice:pa55@proxy.corp:1080' }, /http\.proxy setting uses socks5:/);
    refused({ env: { HTTPS_PROXY: 'http://alice:pa55@[bad' } }, /HTTPS_PROXY environment variable/);
  });
});

describe('requests through a CONNECT proxy on loopback', () => {
  let dir: string;
  let sandbox: SandboxHandle;
  let front: Running;
  let proxy: TestProxy;
  let deadPort: number;

  before(async () => {
    if (!hasOpenssl) return;
    dir = mkdtempSync(join(tmpdir(), 'logup-proxy-test-'));
    const certs = makeCerts(dir);
    sandbox = await startSandbox();
    front = await startHttpsFront(sandbox.origin, certs);
    proxy = await startConnectProxy({ [`${FAKE_HOST}:443`]: front.port });
    deadPort = await closedPort();
  });

  after(async () => {
    await proxy?.close();
    await front?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const reset = (): void => {
    proxy.seen.length = 0;
    proxy.tunnelled.length = 0;
    sandbox.clearJournal();
  };

  test('http.proxy with proxyStrictSSL off: the calls succeed through one CONNECT tunnel, the secret stays encrypted', { skip: NO_OPENSSL }, async () => {
    reset();
    const client = clientOn(FAKE_BASE_URL, createDispatcher({ proxyUrl: proxy.url, strictSSL: false, env: {} }));
    try {
      assert.deepEqual(await client.getDb(ALPHA.idSubscription), sandbox.getDb(DEMO_GATE.idGate, ALPHA.idSubscription));
      await client.getDb(ALPHA.idSubscription, ['age']);
    } finally {
      await client.close();
    }
    assert.deepEqual(tunnels(proxy), [`CONNECT ${FAKE_HOST}:443`], 'every call went through a CONNECT tunnel');
    assert.deepEqual(sandbox.journal.map((e) => e.route), ['token', 'getDb', 'getDb']);
    const bytes = Buffer.concat(proxy.tunnelled);
    assert.ok(bytes.length > 0, 'the proxy carried the traffic');
    assert.ok(!bytes.includes(DEMO_GATE.secretKey), 'the proxy never saw the secret key in clear text');
  });

  test("closing a client closes its tunnels (the registry's clients own their dispatcher)", { skip: NO_OPENSSL }, async () => {
    reset();
    const client = clientOn(FAKE_BASE_URL, createDispatcher({ proxyUrl: proxy.url, strictSSL: false, env: {} }));
    await client.getDb(ALPHA.idSubscription);
    assert.ok(proxy.openConnections() > 0, 'the kept-alive tunnel is open');
    await client.close();
    const end = Date.now() + 2_000;
    while (proxy.openConnections() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(proxy.openConnections(), 0, 'no tunnel left open');
  });

  test('with proxyStrictSSL on (the default) an unknown certificate is refused before the secret is sent', { skip: NO_OPENSSL }, async () => {
    reset();
    const client = clientOn(FAKE_BASE_URL, createDispatcher({ proxyUrl: proxy.url, env: {} }));
    try {
      await assert.rejects(client.getDb(ALPHA.idSubscription), (e: unknown) => {
        assert.ok(e instanceof LogUpNetworkError, String(e));
        assert.match(e.code ?? '', UNTRUSTED_CERT);
        assert.match(e.message, /POST \/oauth\/token failed: could not reach the LogUp server/);
        return true;
      });
    } finally {
      await client.close();
    }
    assert.deepEqual(proxy.seen, [`CONNECT ${FAKE_HOST}:443`], 'the certificate was checked through the tunnel');
    assert.equal(sandbox.journal.length, 0, 'no request reached the server');
  });

  test('HTTPS_PROXY from the environment is used when http.proxy is empty', { skip: NO_OPENSSL }, async () => {
    reset();
    const client = clientOn(FAKE_BASE_URL, createDispatcher({ proxyUrl: '', strictSSL: false, env: { HTTPS_PROXY: proxy.url } }));
    try {
      await client.getDb(ALPHA.idSubscription);
    } finally {
      await client.close();
    }
    assert.deepEqual(tunnels(proxy), [`CONNECT ${FAKE_HOST}:443`]);
  });

  test('http.proxy wins over an HTTPS_PROXY that points nowhere', { skip: NO_OPENSSL }, async () => {
    reset();
    const env = { HTTPS_PROXY: `http://127.0.0.1:${deadPort}`, HTTP_PROXY: `http://127.0.0.1:${deadPort}` };
    const client = clientOn(FAKE_BASE_URL, createDispatcher({ proxyUrl: proxy.url, strictSSL: false, env }));
    try {
      await client.getDb(ALPHA.idSubscription);
    } finally {
      await client.close();
    }
    assert.deepEqual(tunnels(proxy), [`CONNECT ${FAKE_HOST}:443`]);
  });

  test('NO_PROXY bypasses the proxy: the host is then resolved directly (and logup.test does not exist)', { skip: NO_OPENSSL }, async () => {
    reset();
    const client = clientOn(FAKE_BASE_URL, createDispatcher({ strictSSL: false, env: { HTTPS_PROXY: proxy.url, NO_PROXY: `example.com,${FAKE_HOST}` } }));
    try {
      await assert.rejects(client.getDb(ALPHA.idSubscription), (e: unknown) => {
        assert.ok(e instanceof LogUpNetworkError, String(e));
        assert.match(e.code ?? '', /^(ENOTFOUND|EAI_AGAIN)$/);
        return true;
      });
    } finally {
      await client.close();
    }
    assert.deepEqual(proxy.seen, [], 'the proxy saw nothing');
  });

  test('a plain-http loopback sandbox is reached directly even when every proxy variable is set', { skip: NO_OPENSSL }, async () => {
    reset();
    const env = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: '' };
    const client = clientOn(sandbox.url, createDispatcher({ proxyUrl: proxy.url, env }));
    try {
      await client.getDb(ALPHA.idSubscription);
    } finally {
      await client.close();
    }
    assert.deepEqual(proxy.seen, [], 'the clear-text secret never went to the proxy');
    assert.equal(sandbox.count('token'), 1);
  });
});

describe('a proxy that accepts the tunnel request and never answers it', () => {
  test('the call fails like a dead host after the connect timeout, instead of hanging for minutes', async () => {
    const sockets = new Set<Socket>();
    const silent = createHttpServer();
    silent.on('connect', (_req, socket: Socket) => sockets.add(socket)); // CONNECT received, no answer ever
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const client = clientOn(FAKE_BASE_URL, createDispatcher({ proxyUrl: `http://127.0.0.1:${port}`, env: {}, connectTimeoutMs: 500 }));
    try {
      const started = Date.now();
      const error = await client.getDb(DEMO_SUBSCRIPTIONS[0]!.idSubscription).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof LogUpNetworkError || error instanceof LogUpTimeoutError, `a network error or timeout, got ${String(error)}`);
      assert.ok(Date.now() - started < 4_000, 'well before the client\'s own 5 s timeout would even start');
    } finally {
      await client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('a private CA through NODE_EXTRA_CA_CERTS (read by Node at start-up, so in a child process)', () => {
  let dir: string;
  let caFile: string;
  let sandbox: SandboxHandle;
  let front: Running;
  let proxy: TestProxy;

  before(async () => {
    if (!hasOpenssl) return;
    dir = mkdtempSync(join(tmpdir(), 'logup-ca-test-'));
    const certs = makeCerts(dir);
    caFile = certs.caFile;
    sandbox = await startSandbox();
    front = await startHttpsFront(sandbox.origin, certs);
    proxy = await startConnectProxy({ [`${FAKE_HOST}:443`]: front.port });
  });

  after(async () => {
    await proxy?.close();
    await front?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('without the CA the call fails with a certificate error code; with it the same call succeeds', { skip: NO_OPENSSL }, async () => {
    const baseUrl = `https://127.0.0.1:${front.port}/v1_0`;
    const refused = await runChild(dir, baseUrl, {});
    assert.equal(refused.ok, false, JSON.stringify(refused));
    assert.equal(refused.name, 'LogUpNetworkError');
    assert.match(refused.code ?? '', UNTRUSTED_CERT);

    const trusted = await runChild(dir, baseUrl, { NODE_EXTRA_CA_CERTS: caFile });
    assert.equal(trusted.ok, true, JSON.stringify(trusted));
    assert.deepEqual(trusted.keys, Object.keys(sandbox.getDb(DEMO_GATE.idGate, ALPHA.idSubscription)!));
  });

  test('a corporate setup: HTTPS_PROXY plus the CA, with full certificate checks through the tunnel', { skip: NO_OPENSSL }, async () => {
    proxy.seen.length = 0;
    const result = await runChild(dir, FAKE_BASE_URL, { NODE_EXTRA_CA_CERTS: caFile, HTTPS_PROXY: proxy.url });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(tunnels(proxy), [`CONNECT ${FAKE_HOST}:443`]);
  });
});

// ---- helpers -------------------------------------------------------------------------------------------------

interface Running {
  port: number;
  close(): Promise<void>;
}

interface TestProxy extends Running {
  url: string;
  /** `CONNECT host:port` and `METHOD absolute-url` lines, in arrival order. */
  seen: string[];
  /** Bytes clients sent into CONNECT tunnels. */
  tunnelled: Buffer[];
  /** Proxy-Authorization headers of the CONNECT requests. */
  auth: string[];
  /** Client connections (tunnels included) still open. */
  openConnections(): number;
}

interface Certs {
  caFile: string;
  key: Buffer;
  cert: Buffer;
}

/** The distinct requests the proxy saw (undici may open a second tunnel before it settles on reusing one). */
function tunnels(proxy: TestProxy): string[] {
  return [...new Set(proxy.seen)];
}

function clientOn(baseUrl: string, dispatcher: Dispatcher): LogUpClient {
  return sandboxClient({ url: baseUrl }, { maxRetries: 0, timeoutMs: 5_000, dispatcher, closeDispatcher: true });
}

/** A CA and a server certificate it signed for logup.test, localhost and 127.0.0.1. */
function makeCerts(dir: string): Certs {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=LogUp Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  writeFileSync(join(dir, 'leaf.ext'), `subjectAltName=DNS:${FAKE_HOST},DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${FAKE_HOST}`);
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.ext');
  return { caFile: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.pem')) };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Closes a server and every socket it still holds (keep-alive connections would keep it open). */
function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

function tracked(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/** An HTTPS server on 127.0.0.1 that forwards every request to the plain-http sandbox at `origin`. */
async function startHttpsFront(origin: string, certs: Certs): Promise<Running> {
  const server = createHttpsServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    const upstream = httpRequest(`${origin}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const sockets = tracked(server);
  // Handshakes a test client aborts (untrusted certificate) are expected here.
  server.on('tlsClientError', () => undefined);
  return { port: await listen(server), close: closer(server, sockets) };
}

/**
 * An HTTP proxy on 127.0.0.1: CONNECT tunnels (what undici's ProxyAgent uses for http and https targets alike)
 * and absolute-URI requests. `hosts` maps `host:port` to a local port; anything else is refused with 502.
 */
async function startConnectProxy(hosts: Record<string, number>): Promise<TestProxy> {
  const seen: string[] = [];
  const tunnelled: Buffer[] = [];
  const auth: string[] = [];
  const upstreams = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '', 'http://invalid');
    const port = hosts[`${url.hostname}:${url.port || 80}`];
    if (port === undefined) return void res.writeHead(502).end();
    const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: url.pathname + url.search, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    const credentials = req.headers['proxy-authorization'];
    if (credentials !== undefined) auth.push(credentials);
    const port = hosts[req.url ?? ''];
    if (port === undefined) return void client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    const upstream = netConnect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) {
        tunnelled.push(head);
        upstream.write(head);
      }
      client.on('data', (chunk: Buffer) => tunnelled.push(chunk));
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const sockets = tracked(server);
  const port = await listen(server);
  const closeServer = closer(server, sockets);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    tunnelled,
    auth,
    openConnections: () => sockets.size,
    close: async () => {
      for (const s of upstreams) s.destroy();
      await closeServer();
    },
  };
}

/** A TCP server on 127.0.0.1 that counts connections and closes each at once. */
async function startSink(): Promise<Running & { connections: number }> {
  const server = createNetServer((socket) => {
    sink.connections++;
    socket.destroy();
  });
  const sink = {
    connections: 0,
    port: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.address() as AddressInfo).port;
  return sink;
}

/** A loopback port that was free a moment ago: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createHttpServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ChildResult {
  ok: boolean;
  keys?: string[];
  name?: string;
  code?: string;
  message?: string;
}

/** Runs one getDb in a fresh Node process with `env` (its proxy variables and CA) and reports what happened. */
async function runChild(dir: string, baseUrl: string, env: Record<string, string>): Promise<ChildResult> {
  const script = join(dir, 'child.mjs');
  const moduleUrl = (rel: string): string => pathToFileURL(join(repoRoot, rel)).href;
  writeFileSync(
    script,
    `const load = async (u) => { const m = await import(u); return { ...(m.default ?? {}), ...m }; };
const { LogUpClient } = await load(${JSON.stringify(moduleUrl('src/api/logUpClient.ts'))});
const { createDispatcher } = await load(${JSON.stringify(moduleUrl('src/api/proxy.ts'))});
const client = new LogUpClient({
  baseUrl: process.env.CHILD_BASE_URL, idGate: process.env.CHILD_ID_GATE, secretKey: async () => process.env.CHILD_SECRET,
  maxRetries: 0, timeoutMs: 5000, dispatcher: createDispatcher(), closeDispatcher: true,
});
let result;
try {
  result = { ok: true, keys: Object.keys(await client.getDb(process.env.CHILD_SUBSCRIPTION)) };
} catch (e) {
  result = { ok: false, name: e?.name, code: e?.code, message: e?.message };
} finally {
  await client.close();
}
process.stdout.write(JSON.stringify(result));
`,
  );
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The surrounding shell's proxy and CA settings must not decide this test.
    if (v !== undefined && !/^(https?_proxy|no_proxy|all_proxy|node_extra_ca_certs|node_options)$/i.test(k)) childEnv[k] = v;
  }
  Object.assign(childEnv, env, {
    CHILD_BASE_URL: baseUrl,
    CHILD_ID_GATE: DEMO_GATE.idGate,
    CHILD_SECRET: DEMO_GATE.secretKey,
    CHILD_SUBSCRIPTION: ALPHA.idSubscription,
  });
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  // Whatever the child printed is also checked for the secret: a test's own output must not carry it either.
  assert.ok(!stdout.includes(DEMO_GATE.secretKey) && !stderr.includes(DEMO_GATE.secretKey), 'the child printed no secret');
  assert.equal(code, 0, `the child process failed:\n${stderr.slice(-2000)}`);
  return JSON.parse(stdout) as ChildResult;
}
