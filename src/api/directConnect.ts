import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import type { buildConnector as BuildConnector } from 'undici';
import { Agent, buildConnector } from './undici';
import { isLoopbackAddress } from './baseUrl';
import { LogUpConfigError } from './errors';
import { SpareConnections, type Preconnecting } from './spareConnections';

/** Resolves a host name to its addresses, as `dns.promises.lookup(name, { all: true })` does. */
export type HostResolver = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true });

/** A keep-alive pool for direct connections (see directConnector) that can open connections ahead of requests. */
export function createDirectAgent(connectTimeoutMs: number, resolveHost?: HostResolver): DirectAgent {
  return new DirectAgent(new SpareConnections(directConnector(connectTimeoutMs, resolveHost)));
}

/** undici's Agent on a connector that can open connections ahead (spareConnections.ts). */
export class DirectAgent extends Agent implements Preconnecting {
  constructor(private readonly spares: SpareConnections) {
    super({ connect: spares.connector });
  }

  preconnect(origin: string, count: number): void {
    if (this.closed || this.destroyed) return;
    this.spares.preconnect(origin, count);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.spares.close();
    return callback ? super.close(callback) : super.close();
  }

  override destroy(err: Error | null, callback: () => void): void;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null): Promise<void>;
  override destroy(): Promise<void>;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    this.spares.close();
    if (typeof a === 'function') return super.destroy(a);
    if (b) return super.destroy(a ?? null, b);
    return super.destroy(a ?? null);
  }
}

/**
 * Connects straight to the server. Plain http: reaches only this machine: the base URL already allows no other
 * host, and here every address its name resolves to must be a loopback address too (a hosts file without
 * `localhost`, or a resolver that answers for it, would otherwise send the secret key in clear text elsewhere).
 */
export function directConnector(connectTimeoutMs: number, resolveHost?: HostResolver): BuildConnector.connector {
  const resolver = resolveHost ?? systemResolver;
  const secure = buildConnector({ timeout: connectTimeoutMs, ...(resolveHost ? { lookup: lookupWith(resolver, false) } : {}) });
  const plain = buildConnector({ timeout: connectTimeoutMs, lookup: lookupWith(resolver, true) });
  return (options, callback) => (options.protocol === 'http:' ? plain : secure)(options, callback);
}

/** A `lookup` for net.connect on top of `resolve`; with `loopbackOnly`, a name that leaves this machine fails. */
function lookupWith(resolve: HostResolver, loopbackOnly: boolean): LookupFunction {
  return (hostname, options, callback) => {
    const settle = (found: readonly { address: string; family: number }[]): void => {
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
      const usable = family === 4 || family === 6 ? found.filter((a) => a.family === family) : [...found];
      const first = usable[0];
      if (first === undefined) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '');
        return;
      }
      const elsewhere = loopbackOnly ? usable.find((a) => !isLoopbackAddress(a.address)) : undefined;
      if (elsewhere !== undefined) {
        callback(
          new LogUpConfigError(
            `${hostname} resolves to ${elsewhere.address}, which is not this machine, so nothing was sent: the ` +
              `gate's secret key only travels over plain http:// to this machine. Use http://127.0.0.1 with the ` +
              `sandbox's port, or an https:// URL, as the gate's API URL.`,
          ),
          '',
        );
        return;
      }
      if (options.all) callback(null, usable);
      else callback(null, first.address, first.family);
    };
    resolve(hostname).then(settle, (e: unknown) => callback(e as NodeJS.ErrnoException, ''));
  };
}
