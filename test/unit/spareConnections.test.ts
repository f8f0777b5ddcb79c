// Connections opened ahead of the requests that will use them (src/api/spareConnections.ts, through the direct
// agent every client uses): they send nothing, the next request that needs a connection takes one, a spare the
// server closed is never handed to a request, and closing the agent closes them. All on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { createDirectAgent, type DirectAgent } from '../../src/api/directConnect';
import { request } from '../../src/api/undici';

describe('connections opened ahead (preconnect)', () => {
  let server: Server;
  let origin: string;
  let agent: DirectAgent;
  const sockets: Socket[] = [];
  let requests = 0;

  beforeEach(async () => {
    sockets.length = 0;
    requests = 0;
    server = createServer((_req, res) => {
      requests++;
      res.end('ok');
    });
    server.on('connection', (s: Socket) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    agent = createDirectAgent(5000);
  });
  afterEach(async () => {
    if (!agent.closed) await agent.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const get = async (): Promise<string> => {
    const res = await request(agent, { origin, path: '/', method: 'GET' });
    return res.body.text();
  };
  const until = async (what: string, check: () => boolean): Promise<void> => {
    const end = Date.now() + 2000;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

  test('opens connections that send nothing, and the next requests take them instead of opening their own', async () => {
    agent.preconnect(origin, 2);
    await until('two connections', () => sockets.length === 2);
    await settle();
    assert.equal(requests, 0, 'a connection is not a request');
    assert.deepEqual(await Promise.all([get(), get()]), ['ok', 'ok']);
    assert.equal(sockets.length, 2, 'the two requests went on the connections opened ahead');
  });

  test('counts the connections already open: with one in the pool, two means one more', async () => {
    await get();
    await new Promise((r) => setImmediate(r));
    agent.preconnect(origin, 2);
    agent.preconnect(origin, 2); // asked twice, still two in all
    await settle();
    assert.equal(sockets.length, 2);
  });

  test('a connection the server closed before any request took it is not used: the request connects anew', async () => {
    agent.preconnect(origin, 1);
    await until('the connection opened ahead', () => sockets.length === 1);
    sockets[0]!.destroy();
    await settle();
    assert.equal(await get(), 'ok');
    assert.equal(sockets.length, 2);
  });

  test('closing the agent closes the connections no request took', async () => {
    agent.preconnect(origin, 1);
    await until('the connection opened ahead', () => sockets.length === 1);
    const closed = new Promise<void>((resolve) => sockets[0]!.once('close', () => resolve()));
    await agent.close();
    await closed;
  });
});
