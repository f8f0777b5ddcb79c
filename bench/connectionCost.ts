// A TCP relay in front of the sandbox that makes a new connection cost what it costs on a distant HTTPS server: the
// bytes a client sends on a connection the relay just accepted wait `setupMs` (the TCP and TLS handshakes) before
// they go on. Requests on a connection already set up pass at once. `dropAll()` closes every connection, as a server
// does with idle keep-alive connections after a few seconds, so an action can start from an empty pool.
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface CostlyConnections {
  readonly port: number;
  /** Connections accepted since the relay started. */
  readonly accepted: number;
  dropAll(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 to `upstreamPort`; every connection it accepts pays `setupMs` before its first byte. */
export async function startCostlyConnections(upstreamPort: number, setupMs: number): Promise<CostlyConnections> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.pause();
    const timer = setTimeout(() => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    }, setupMs);
    const end = (): void => {
      clearTimeout(timer);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    async dropAll() {
      for (const s of sockets) s.destroy();
      // Lets the client see the connections close before its next request, as it would after an idle timeout.
      await new Promise((r) => setTimeout(r, 20));
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
