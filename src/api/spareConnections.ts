import type { Socket } from 'node:net';
import type { buildConnector as BuildConnector } from 'undici';

type Connector = BuildConnector.connector;
type ConnectOptions = BuildConnector.Options;
type Settled = { error: Error | null; socket: Socket | undefined };

/**
 * How long a connection opened ahead waits for a request before it is closed: undici's own keep-alive for an idle
 * connection (4 s), so a spare costs the server no more than the connection a request leaves behind.
 */
const SPARE_IDLE_MS = 4000;

/** What a dispatcher that can open connections ahead of its requests offers (the direct agent; see preconnect). */
export interface Preconnecting {
  /**
   * Opens connections to `origin`, sending nothing on them, until `count` are open or opening (the direct agent
   * speaks HTTP/1.1: one request at a time per connection). The next requests that need a new connection take
   * these first.
   */
  preconnect(origin: string, count: number): void;
}

/** A connection opened ahead: still connecting (`settled` undefined) or connected. */
interface Spare {
  settled: Settled | undefined;
  /** Set when a request took it while it was still connecting. */
  waiter: ((settled: Settled) => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  socket: Socket | undefined;
}

/**
 * Wraps a connector so that connections can be opened before the requests that will use them: over HTTPS a new
 * connection costs two round trips (TCP and TLS handshakes), and a save that sends a PUT and a DELETE side by side
 * over HTTP/1.1 needs two connections. Opened while the save's check GET is on its way, the second connection's
 * handshakes overlap the GET instead of following it (BENCHMARKS.md, part 6b). Opening a connection sends no
 * request. Every socket the wrapped connector hands undici is counted per origin until it closes.
 */
export class SpareConnections {
  private readonly spares = new Map<string, Spare[]>();
  private readonly live = new Map<string, Set<Socket>>();

  constructor(private readonly connect: Connector) {}

  /** The connector to give undici: a request that needs a new connection takes a spare when there is one. */
  readonly connector: Connector = (options, callback) => {
    const key = keyOf(options);
    const spare = this.take(key);
    const handOver = (settled: Settled): void => {
      if (settled.error || settled.socket === undefined || settled.socket.destroyed) {
        // A spare that failed or was closed meanwhile: connect anew, so its error is this request's own.
        this.connect(options, this.counted(key, callback));
        return;
      }
      this.counted(key, callback)(null, settled.socket);
    };
    if (spare === undefined) this.connect(options, this.counted(key, callback));
    else if (spare.settled) {
      const settled = spare.settled;
      queueMicrotask(() => handOver(settled));
    }
    else spare.waiter = handOver;
  };

  preconnect(origin: string, count: number): void {
    const options = connectOptionsOf(origin);
    const key = keyOf(options);
    const live = this.live.get(key)?.size ?? 0;
    const spares = this.spares.get(key) ?? [];
    for (let n = live + spares.length; n < count; n++) spares.push(this.open(key, options));
    if (spares.length > 0) this.spares.set(key, spares);
  }

  /** Closes every spare no request has taken (the dispatcher is closing). */
  close(): void {
    for (const list of this.spares.values()) for (const spare of list) this.discard(spare);
    this.spares.clear();
  }

  private open(key: string, options: ConnectOptions): Spare {
    const spare: Spare = { settled: undefined, waiter: undefined, timer: undefined, socket: undefined };
    const socket = this.connect(options, (error, connected) => {
      const settled: Settled = { error, socket: error ? undefined : (connected as Socket) };
      if (spare.waiter) {
        spare.waiter(settled);
        return;
      }
      spare.settled = settled;
      if (error) this.remove(key, spare);
    }) as unknown;
    // buildConnector returns the socket it is connecting: a spare that is never taken can be closed.
    if (isSocket(socket)) {
      spare.socket = socket;
      // Until a request takes it, a spare must not keep the process (or the extension host's shutdown) waiting.
      socket.unref();
      socket.once('close', () => this.remove(key, spare));
    }
    spare.timer = setTimeout(() => {
      this.remove(key, spare);
      this.discard(spare);
    }, SPARE_IDLE_MS);
    spare.timer.unref();
    return spare;
  }

  /** The oldest spare for `key`, now no longer a spare. */
  private take(key: string): Spare | undefined {
    const spare = this.spares.get(key)?.[0];
    if (spare === undefined) return undefined;
    this.remove(key, spare);
    clearTimeout(spare.timer);
    spare.socket?.ref();
    return spare;
  }

  private remove(key: string, spare: Spare): void {
    const list = this.spares.get(key);
    const at = list?.indexOf(spare) ?? -1;
    if (list === undefined || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.spares.delete(key);
  }

  private discard(spare: Spare): void {
    clearTimeout(spare.timer);
    spare.socket?.destroy();
  }

  /** Wraps `callback` so that the socket it receives is counted as live for `key` until it closes. */
  private counted(key: string, callback: Parameters<Connector>[1]): Parameters<Connector>[1] {
    return (error, socket) => {
      if (!error && socket) {
        const live = this.live.get(key) ?? new Set<Socket>();
        this.live.set(key, live);
        const s = socket as Socket;
        live.add(s);
        s.once('close', () => {
          live.delete(s);
          if (live.size === 0 && this.live.get(key) === live) this.live.delete(key);
        });
      }
      if (error) callback(error, null);
      else callback(null, socket);
    };
  }
}

/** What undici's client passes a connector for a request to `origin` (lib/dispatcher/client.js, connect). */
function connectOptionsOf(origin: string): ConnectOptions {
  const url = new URL(origin);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { hostname, host: url.host, protocol: url.protocol, port: url.port, servername: null, localAddress: null } as unknown as ConnectOptions;
}

function keyOf(options: ConnectOptions): string {
  return `${options.protocol}//${options.host}|${options.servername ?? ''}`;
}

function isSocket(value: unknown): value is Socket {
  return typeof value === 'object' && value !== null && typeof (value as Socket).destroy === 'function' && typeof (value as Socket).unref === 'function';
}
