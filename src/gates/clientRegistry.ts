import * as vscode from 'vscode';
import type { LogUpClient, LogUpClientOptions, RequestLogEntry } from '../api/logUpClient';
import type { DispatcherOptions } from '../api/proxy';
import type { GateStore } from '../credentials/gateStore';
import type { Log } from '../log';

/** Raised when a gate's secret is gone (removed here or in another window). */
export class MissingSecretError extends Error {
  constructor(readonly idGate: string) {
    super(`The secret key of gate ${idGate} is no longer stored. Run "LogUp: Add Gate" to enter it again.`);
    this.name = 'MissingSecretError';
  }
}

/**
 * One LogUpClient (and so one connection pool and one token cache) per gate, created on first use.
 * The api module (undici, zod) is imported lazily so activation stays cheap.
 */
export class ClientRegistry implements vscode.Disposable {
  private readonly clients = new Map<string, Promise<LogUpClient>>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly gates: GateStore,
    private readonly log: Log,
  ) {
    this.disposables.push(
      gates.onDidChangeSecret((idGate) => void this.reset(idGate)),
      gates.onDidChange(() => {
        for (const idGate of this.clients.keys()) {
          if (!gates.get(idGate)) void this.reset(idGate);
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        // New proxy settings take effect on the next request: the old pools (and their tunnels) are closed.
        if (e.affectsConfiguration('logup') || e.affectsConfiguration('http')) void this.resetAll();
      }),
    );
  }

  /** The client of a gate; throws when the gate is unknown. */
  get(idGate: string): Promise<LogUpClient> {
    let client = this.clients.get(idGate);
    if (!client) {
      client = this.create(idGate);
      this.clients.set(idGate, client);
      client.catch(() => this.clients.delete(idGate));
    }
    return client;
  }

  /** Builds a client that is not registered, e.g. to check credentials before a gate is saved. */
  async createUnregistered(idGate: string, baseUrl: string, secretKey: string): Promise<LogUpClient> {
    return this.build({ idGate, baseUrl, secretKey: () => Promise.resolve(secretKey) });
  }

  async reset(idGate: string): Promise<void> {
    const client = this.clients.get(idGate);
    this.clients.delete(idGate);
    if (client) await client.then((c) => c.close(), () => undefined);
  }

  async resetAll(): Promise<void> {
    await Promise.all([...this.clients.keys()].map((id) => this.reset(id)));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    void this.resetAll();
  }

  private async create(idGate: string): Promise<LogUpClient> {
    const gate = this.gates.get(idGate);
    if (!gate) throw new Error(`Gate ${idGate} is not configured. Run "LogUp: Add Gate".`);
    return this.build({
      idGate,
      baseUrl: gate.baseUrl,
      secretKey: async () => {
        const secret = await this.gates.secretKey(idGate);
        if (secret === undefined) throw new MissingSecretError(idGate);
        return secret;
      },
    });
  }

  /** A client with its own connection pool, routed by VS Code's proxy settings; close() closes that pool. */
  private async build(gate: Pick<LogUpClientOptions, 'idGate' | 'baseUrl' | 'secretKey'>): Promise<LogUpClient> {
    const { LogUpClient, createDispatcher } = await import('../api');
    const options = this.options();
    const dispatcher = createDispatcher({ ...this.network(), connectTimeoutMs: Math.min(options.timeoutMs, 10_000) });
    try {
      return new LogUpClient({ ...options, ...gate, dispatcher, closeDispatcher: true });
    } catch (e) {
      void dispatcher.close();
      throw e;
    }
  }

  /**
   * VS Code's http.proxy, http.proxyStrictSSL and http.noProxy (HTTPS_PROXY/NO_PROXY from the environment when
   * http.proxy is empty). VS Code registers these as application- or machine-scoped and restricted, so a
   * workspace's .vscode/settings.json cannot set them: an opened folder cannot route a gate's secret elsewhere.
   */
  private network(): DispatcherOptions {
    const http = vscode.workspace.getConfiguration('http');
    // "off" is VS Code's switch for "extensions use no proxy at all", environment variables included.
    if (http.get<unknown>('proxySupport') === 'off') return { env: {} };
    const proxy = http.get<unknown>('proxy');
    const noProxy = http.get<unknown>('noProxy');
    return {
      proxyUrl: typeof proxy === 'string' ? proxy : '',
      strictSSL: http.get<unknown>('proxyStrictSSL') !== false,
      noProxy: Array.isArray(noProxy) ? noProxy.filter((h): h is string => typeof h === 'string') : [],
    };
  }

  private options() {
    const config = vscode.workspace.getConfiguration('logup');
    const timeoutSeconds = config.get<number>('requestTimeoutSeconds', 15);
    const maxRetries = config.get<number>('maxRetries', 2);
    return {
      timeoutMs: Math.max(1, timeoutSeconds) * 1000,
      maxRetries: Math.max(0, Math.min(5, Math.floor(maxRetries))),
      logger: (e: RequestLogEntry) => {
        const line = `${e.method} ${e.path} → ${e.status ?? e.outcome} in ${Math.round(e.durationMs)} ms${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`;
        if (e.outcome === 'ok') this.log.info(line);
        else this.log.warn(line);
      },
    };
  }
}
