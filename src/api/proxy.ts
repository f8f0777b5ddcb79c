import { Dispatcher, EnvHttpProxyAgent, Pool } from './undici';
import { isLoopbackHost } from './baseUrl';
import { MAX_CONNECT_TIMEOUT_MS } from './clientDefaults';
import { createDirectAgent, directConnector, type DirectAgent, type HostResolver } from './directConnect';
import { LogUpConfigError } from './errors';
import type { Preconnecting } from './spareConnections';

/** How one client reaches the network: VS Code's proxy settings and the process environment. */
export interface DispatcherOptions {
  /** VS Code's `http.proxy`; when set it wins over HTTP(S)_PROXY from the environment. */
  proxyUrl?: string;
  /** VS Code's `http.proxyStrictSSL`, default true; false accepts any certificate on proxied connections. */
  strictSSL?: boolean;
  /** VS Code's `http.noProxy` (hosts, `.domain`, `host:port`), added to NO_PROXY from the environment. */
  noProxy?: readonly string[];
  /** The environment to read HTTP_PROXY, HTTPS_PROXY and NO_PROXY from (either case); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** TCP/TLS connect timeout in milliseconds (to the proxy, and through it to the server); default 10000. */
  connectTimeoutMs?: number;
  /** Resolves host names for direct connections; default the system resolver (tests inject one). */
  resolveHost?: HostResolver;
}

/**
 * A keep-alive dispatcher for one LogUpClient that honours an explicit proxy, else HTTPS_PROXY/HTTP_PROXY, and
 * NO_PROXY, with undici's EnvHttpProxyAgent doing the routing. Loopback hosts never go through a proxy: the proxy's
 * 127.0.0.1 is not ours, and a plain-http local sandbox would hand the secret key to the proxy in clear text.
 * Throws LogUpConfigError naming the bad setting.
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const plan = proxyPlan(options);
  const timeout = options.connectTimeoutMs ?? MAX_CONNECT_TIMEOUT_MS;
  const direct = createDirectAgent(timeout, options.resolveHost);
  if (plan.http === '' && plan.https === '') return direct;
  // A TLS-intercepting corporate proxy re-signs the server's certificate: that is what proxyStrictSSL=false is for.
  // Direct connections keep full verification, so the setting cannot weaken the path that bypasses the proxy.
  const tls = { timeout, ...(options.strictSSL === false ? { rejectUnauthorized: false } : {}) };
  const proxied = new EnvHttpProxyAgent({
    // Always strings: an undefined one would make undici read process.env, which `env` replaces.
    httpProxy: plan.http,
    httpsProxy: plan.https,
    noProxy: plan.noProxy,
    // For the hosts NO_PROXY sends straight to the server.
    connect: directConnector(timeout, options.resolveHost),
    proxyTls: tls,
    requestTls: tls,
    // The tunnel (CONNECT) is part of connecting: a proxy that never answers it must fail like a dead host, not
    // after undici's 300 s default (the client's own timeouts only start once the tunnel is up).
    clientFactory: (origin, opts) => new Pool(origin, { ...opts, headersTimeout: timeout, bodyTimeout: timeout }),
  });
  return new LoopbackDirect(direct, proxied);
}

/** Sends loopback requests to the direct pool and everything else to the proxy routing. */
class LoopbackDirect extends Dispatcher implements Preconnecting {
  constructor(
    private readonly direct: DirectAgent,
    private readonly proxied: EnvHttpProxyAgent,
  ) {
    super();
  }

  /** Only the direct pool opens connections ahead; a proxy's tunnels are left to the proxy agent. */
  preconnect(origin: string, count: number): void {
    if (isLoopbackHost(new URL(origin).hostname)) this.direct.preconnect(origin, count);
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const host = options.origin === undefined ? '' : new URL(String(options.origin)).hostname;
    return (isLoopbackHost(host) ? this.direct : this.proxied).dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = Promise.all([this.direct.close(), this.proxied.close()]).then(() => undefined);
    if (!callback) return done;
    void done.then(callback, callback);
  }

  override destroy(err: Error | null, callback: () => void): void;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null): Promise<void>;
  override destroy(): Promise<void>;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const err = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    const done = Promise.all([this.direct.destroy(err), this.proxied.destroy(err)]).then(() => undefined);
    if (!callback) return done;
    void done.then(callback, callback);
  }
}

interface ProxyPlan {
  /** Proxy for http: targets, '' for none. */
  http: string;
  /** Proxy for https: targets, '' for none. */
  https: string;
  /** NO_PROXY entries as undici reads them, comma-separated. */
  noProxy: string;
}

function proxyPlan(options: DispatcherOptions): ProxyPlan {
  const env = options.env ?? process.env;
  // Lower case first, as curl and undici read them.
  const pick = (name: string): string => (env[name.toLowerCase()] ?? env[name.toUpperCase()] ?? '').trim();
  const entries = [...(options.noProxy ?? []), ...pick('NO_PROXY').split(/[,\s]+/)]
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  // undici honours "*" only as the whole value; here it is honoured wherever it appears, as before.
  const noProxy = entries.includes('*') ? '*' : entries.join(',');
  const explicit = options.proxyUrl?.trim() ?? '';
  if (explicit !== '') {
    const proxy = checkProxyUrl(explicit, 'the http.proxy setting');
    return { http: proxy, https: proxy, noProxy };
  }
  const rawHttp = pick('HTTP_PROXY');
  const rawHttps = pick('HTTPS_PROXY');
  const http = rawHttp === '' ? '' : checkProxyUrl(rawHttp, 'the HTTP_PROXY environment variable');
  // Like curl and undici: HTTPS_PROXY for https targets, else HTTP_PROXY.
  const https = rawHttps === '' ? http : checkProxyUrl(rawHttps, 'the HTTPS_PROXY environment variable');
  return { http, https, noProxy };
}

/** The proxy URL with `http://` added when the scheme is missing (`proxy.corp:3128`, as curl accepts it). */
function checkProxyUrl(raw: string, source: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The value itself is left out: a proxy URL may carry a user name and password.
    throw new LogUpConfigError(`The proxy URL in ${source} is not a valid URL; use one like http://proxy.example:3128.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LogUpConfigError(
      `The proxy URL in ${source} uses ${url.protocol}//; LogUp requests can only go through an http:// or https:// proxy.`,
    );
  }
  if (url.hostname === '') throw new LogUpConfigError(`The proxy URL in ${source} has no host name.`);
  return url.href;
}
