import * as vscode from 'vscode';
import type { LogUpClient, LogUpClientOptions, RequestLogEntry } from '../api/logUpClient';
import { connectTimeoutFor } from '../api/clientDefaults';
import type { LiveSettings } from '../settings';
import type { GateStore } from './gateStore';

/** Raised when a gate's secret is gone (removed here or in another window). */
export class MissingSecretError extends Error {
  constructor(readonly idGate: string) {
    super(vscode.l10n.t('The secret key of gate {0} is no longer stored. Run "LogUp: Add Gate" to enter it again.', idGate));
    this.name = 'MissingSecretError';
  }
}

/**
 * One LogUpClient (and so one connection pool and one token cache) per gate, created on first use. The api bundle
 * (undici, zod) is the extension's one lazy boundary: it is loaded with the first client, so activation stays cheap.
 */
export class ClientRegistry implements vscode.Disposable {
  private readonly clients = new Map<string, Promise<LogUpClient>>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly gates: GateStore,
    private readonly settings: LiveSettings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      settings.onDidChange((changed) => {
        // New timeouts and proxy settings take effect on the next request: the old pools (and tunnels) are closed.
        if (changed.has('requestTimeoutMs') || changed.has('maxRetries') || changed.has('network')) void this.resetAll();
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

  /** The gates that have a client now. */
  ids(): IterableIterator<string> {
    return this.clients.keys();
  }

  /** Builds a client that is not registered, e.g. to check credentials before a gate is saved. */
  async createUnregistered(idGate: string, baseUrl: string, secretKey: string): Promise<LogUpClient> {
    return this.build({ idGate, baseUrl, secretKey: () => Promise.resolve(secretKey) });
  }

  /** Closes a gate's client; the next call builds a new one (new settings, new secret, no cached token). */
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
    if (!gate) throw new Error(vscode.l10n.t('Gate {0} is not configured. Run "LogUp: Add Gate".', idGate));
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
    const { LogUpClient, createDispatcher, useTranslations } = await import('../api');
    useTranslations(vscode.l10n.bundle);
    const settings = this.settings.current;
    const dispatcher = createDispatcher({ ...this.settings.network, connectTimeoutMs: connectTimeoutFor(settings.requestTimeoutMs) });
    try {
      return new LogUpClient({
        ...gate,
        timeoutMs: settings.requestTimeoutMs,
        maxRetries: settings.maxRetries,
        logger: (e) => this.logRequest(e),
        dispatcher,
        closeDispatcher: true,
      });
    } catch (e) {
      void dispatcher.close();
      throw e;
    }
  }

  private logRequest(e: RequestLogEntry): void {
    const line = `${e.method} ${e.path} → ${e.status ?? e.outcome} in ${Math.round(e.durationMs)} ms${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`;
    if (e.outcome === 'ok') this.log.info(line);
    else this.log.warn(line);
  }
}
