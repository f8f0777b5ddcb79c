// src/api/undici.ts takes undici's runtime from files inside its lib/ (undici has no "exports" map, and its index
// pulls in everything it ships). Those paths are not a public API: this file fails when an undici upgrade moves or
// reshapes one of them, so the upgrade breaks a test rather than the extension. Everything runs on 127.0.0.1.
//
// This file must not import 'undici' itself before the last test: undici's index.js puts the request/connect
// methods on Dispatcher.prototype, which would hide a missing assignment in src/api/undici.ts (as dist/api.js has
// no index.js, the proxy agent's tunnels need it).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Dispatcher as DispatcherType } from 'undici';
import { Agent, buildConnector, Dispatcher, EnvHttpProxyAgent, Pool, request } from '../../src/api/undici';

interface Running {
  origin: string;
  close: () => Promise<void>;
}

async function listen(server: Server): Promise<Running> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function text(dispatcher: DispatcherType, origin: string, path = '/hello'): Promise<{ status: number; body: string }> {
  const res = await request(dispatcher, { origin, path, method: 'GET' });
  return { status: res.statusCode, body: await res.body.text() };
}

describe("undici's lib files that src/api/undici.ts imports", () => {
  let server: Running;
  let proxy: Running;
  const tunnels: string[] = [];

  before(async () => {
    server = await listen(createServer((req, res) => res.end(`you asked for ${req.url}`)));
    // A CONNECT proxy: the tunnel EnvHttpProxyAgent opens (with Dispatcher.prototype.connect) for http targets too.
    const proxyServer = createServer((_req, res) => res.writeHead(405).end());
    proxyServer.on('connect', (req, client: Socket, head: Buffer) => {
      tunnels.push(String(req.url));
      const [host, port] = String(req.url).split(':');
      const upstream = netConnect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    proxy = await listen(proxyServer);
  });

  after(async () => {
    await server?.close();
    await proxy?.close();
  });

  test('undici/index.js is not loaded, so what follows tests src/api/undici.ts alone', () => {
    const loaded = Object.keys(require.cache).filter((path) => /[\\/]undici[\\/]index\.js$/.test(path));
    assert.deepEqual(loaded, []);
  });

  test('Agent and request(): a GET on loopback, origin and path as given', async () => {
    const agent = new Agent();
    try {
      assert.deepEqual(await text(agent, server.origin, '/a?b=c'), { status: 200, body: 'you asked for /a?b=c' });
    } finally {
      await agent.close();
    }
  });

  test('buildConnector makes the connect function an Agent accepts', async () => {
    const connector = buildConnector({ timeout: 2_000 });
    assert.equal(typeof connector, 'function');
    const agent = new Agent({ connect: connector });
    try {
      assert.equal((await text(agent, server.origin)).body, 'you asked for /hello');
    } finally {
      await agent.close();
    }
  });

  test('Pool sends to its origin', async () => {
    const pool = new Pool(server.origin);
    try {
      assert.equal((await text(pool, server.origin)).status, 200);
    } finally {
      await pool.close();
    }
  });

  test('Dispatcher is the base class a routing dispatcher extends, with the request methods on its prototype', async () => {
    assert.equal(typeof Dispatcher.prototype.request, 'function');
    assert.equal(typeof Dispatcher.prototype.connect, 'function');
    const agent = new Agent();
    class Forward extends Dispatcher {
      override dispatch(options: DispatcherType.DispatchOptions, handler: DispatcherType.DispatchHandler): boolean {
        return agent.dispatch(options, handler);
      }
    }
    try {
      const forward = new Forward();
      assert.ok(forward instanceof Dispatcher);
      assert.equal((await text(forward, server.origin)).body, 'you asked for /hello');
      const res = await forward.request({ origin: server.origin, path: '/own', method: 'GET' });
      assert.equal(await res.body.text(), 'you asked for /own');
    } finally {
      await agent.close();
    }
  });

  test('EnvHttpProxyAgent tunnels through the proxy it is given, and goes direct for NO_PROXY hosts', async () => {
    tunnels.length = 0;
    const viaProxy = new EnvHttpProxyAgent({ httpProxy: proxy.origin, httpsProxy: proxy.origin, noProxy: '' });
    const bypass = new EnvHttpProxyAgent({ httpProxy: proxy.origin, httpsProxy: proxy.origin, noProxy: '127.0.0.1' });
    try {
      assert.equal((await text(viaProxy, server.origin)).body, 'you asked for /hello');
      assert.deepEqual(tunnels, [new URL(server.origin).host]);
      assert.equal((await text(bypass, server.origin)).body, 'you asked for /hello');
      assert.equal(tunnels.length, 1, 'the NO_PROXY host went direct');
    } finally {
      await viaProxy.close();
      await bypass.close();
    }
  });

  test("each is the very one undici's index exports (runs last: loading the index changes Dispatcher.prototype)", async () => {
    const undici = await import('undici');
    assert.equal(Agent, undici.Agent);
    assert.equal(Dispatcher, undici.Dispatcher);
    assert.equal(EnvHttpProxyAgent, undici.EnvHttpProxyAgent);
    assert.equal(Pool, undici.Pool);
    assert.equal(buildConnector, undici.buildConnector);
    assert.equal(Dispatcher.prototype.request, undici.Dispatcher.prototype.request);
    assert.equal(Dispatcher.prototype.connect, undici.Dispatcher.prototype.connect);
  });
});
