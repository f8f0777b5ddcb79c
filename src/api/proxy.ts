import { Agent, Dispatcher, Pool, ProxyAgent } from 'undici';
import { isLoopbackHost } from './baseUrl';
import { LogUpConfigError } from './errors';

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
}

/** Where requests to one URL go: straight to the server, or through the proxy at `proxy` (credentials removed). */
export type Route = { kind: 'direct' } | { kind: 'proxy'; proxy: string };

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * A keep-alive dispatcher for one LogUpClient that honours an explicit proxy, else HTTPS_PROXY/HTTP_PROXY, and
 * NO_PROXY. Loopback hosts never go through a proxy: the proxy's 127.0.0.1 is not ours, and a plain-http local
 * sandbox would hand the secret key to the proxy in clear text. Throws LogUpConfigError naming the bad setting.
 */
export function createDispatcher(options: DispatcherOptions = {}): Dispatcher {
  const plan = proxyPlan(options);
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const direct = new Agent({ connect: { timeout } });
  if (plan.http === '' && plan.https === '') return direct;
  // A TLS-intercepting corporate proxy re-signs the server's certificate: that is what proxyStrictSSL=false is for.
  // Direct connections keep full verification, so the setting cannot weaken the path that bypasses the proxy.
  const tls = { timeout, ...(options.strictSSL === false ? { rejectUnauthorized: false } : {}) };
  const proxies = new Map<string, ProxyAgent>();
  for (const uri of new Set([plan.http, plan.https])) {
    if (uri !== '') {
      proxies.set(uri, new ProxyAgent({
        uri,
        proxyTls: tls,
        requestTls: tls,
        // The tunnel (CONNECT) is part of connecting: a proxy that never answers it must fail like a dead host,
        // not after undici's 300 s default (the client's own timeouts only start once the tunnel is up).
        clientFactory: (origin, opts) => new Pool(origin, { ...opts, headersTimeout: timeout, bodyTimeout: timeout }),
      }));
    }
  }
  return new RoutingDispatcher(plan, direct, proxies);
}

/** Which way a request to `url` would take under `options`; for logs and tests (never shows proxy credentials). */
export function routeFor(url: string | URL, options: DispatcherOptions = {}): Route {
  const proxy = proxyFor(typeof url === 'string' ? new URL(url) : url, proxyPlan(options));
  if (proxy === undefined) return { kind: 'direct' };
  const shown = new URL(proxy);
  return { kind: 'proxy', proxy: `${shown.protocol}//${shown.host}` };
}

/** Sends each request to the direct pool or to its proxy's pool, with routeFor's rules. */
class RoutingDispatcher extends Dispatcher {
  constructor(
    private readonly plan: ProxyPlan,
    private readonly direct: Agent,
    private readonly proxies: ReadonlyMap<string, ProxyAgent>,
  ) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const proxy = options.origin === undefined ? undefined : proxyFor(new URL(String(options.origin)), this.plan);
    const target = proxy === undefined ? this.direct : this.proxies.get(proxy);
    return (target ?? this.direct).dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = Promise.all([this.direct, ...this.proxies.values()].map((d) => d.close())).then(() => undefined);
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
    const done = Promise.all([this.direct, ...this.proxies.values()].map((d) => d.destroy(err))).then(() => undefined);
    if (!callback) return done;
    void done.then(callback, callback);
  }
}

interface ProxyPlan {
  /** Proxy for http: targets, '' for none. */
  http: string;
  /** Proxy for https: targets, '' for none. */
  https: string;
  noProxy: string[];
}

function proxyPlan(options: DispatcherOptions): ProxyPlan {
  const env = options.env ?? process.env;
  const pick = (name: string): string => (env[name.toLowerCase()] ?? env[name.toUpperCase()] ?? '').trim();
  const noProxy = [...(options.noProxy ?? []), ...pick('NO_PROXY').split(/[,\s]+/)]
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
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

/** The proxy URL for `target`, or undefined to connect directly. */
function proxyFor(target: URL, plan: ProxyPlan): string | undefined {
  const proxy = target.protocol === 'https:' ? plan.https : plan.http;
  return proxy === '' || bypasses(target, plan.noProxy) ? undefined : proxy;
}

/** NO_PROXY matching as undici does it (exact host, parent domain, optional port, `*`), plus loopback. */
function bypasses(target: URL, noProxy: readonly string[]): boolean {
  const host = target.hostname.toLowerCase();
  if (isLoopbackHost(host)) return true;
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  for (const raw of noProxy) {
    if (raw === '*') return true;
    const m = /^(.+):(\d+)$/.exec(raw);
    const entryHost = (m ? m[1]! : raw).replace(/^\*?\./, '').toLowerCase();
    if (m && Number(m[2]) !== port) continue;
    if (host === entryHost || host.endsWith(`.${entryHost}`)) return true;
  }
  return false;
}
