import * as vscode from 'vscode';
import { STATE_GATES, secretKeyFor } from '../constants';

/** A gate's non-secret metadata, kept in globalState. Its secret key lives only in SecretStorage. */
export interface Gate {
  readonly idGate: string;
  readonly label: string;
  readonly baseUrl: string;
}

/**
 * Where gates are kept: metadata in globalState (shared by every window), the secret key in SecretStorage. The only
 * code that touches `context.secrets`. It stores and tells; what follows from a change is decided in one place,
 * `watchGateLifecycle`.
 */
export class GateStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  /** Fires with the gate that was saved, removed or whose secret changed; undefined when unknown (another window). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly state: vscode.Memento,
    private readonly secrets: vscode.SecretStorage,
  ) {
    this.disposables.push(
      secrets.onDidChange((e) => {
        // Another window may have added, replaced or removed a gate: its metadata is in the shared globalState.
        const gate = this.list().find((g) => secretKeyFor(g.idGate) === e.key);
        this.changed.fire(gate?.idGate);
      }),
    );
  }

  list(): readonly Gate[] {
    const raw = this.state.get<unknown>(STATE_GATES);
    if (!Array.isArray(raw)) return [];
    return raw.filter(isGate);
  }

  get(idGate: string): Gate | undefined {
    return this.list().find((g) => g.idGate === idGate);
  }

  /** Adds or replaces a gate. The secret goes to SecretStorage first so a gate never exists without it. */
  async save(gate: Gate, secretKey: string): Promise<void> {
    await this.secrets.store(secretKeyFor(gate.idGate), secretKey);
    const others = this.list().filter((g) => g.idGate !== gate.idGate);
    await this.state.update(STATE_GATES, [...others, { idGate: gate.idGate, label: gate.label, baseUrl: gate.baseUrl }]);
    this.changed.fire(gate.idGate);
  }

  async remove(idGate: string): Promise<void> {
    await this.secrets.delete(secretKeyFor(idGate));
    await this.state.update(STATE_GATES, this.list().filter((g) => g.idGate !== idGate));
    this.changed.fire(idGate);
  }

  /** The gate's secret key, or undefined when it was deleted (e.g. from another window). */
  async secretKey(idGate: string): Promise<string | undefined> {
    return this.secrets.get(secretKeyFor(idGate));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function isGate(value: unknown): value is Gate {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.idGate === 'string' && typeof v.label === 'string' && typeof v.baseUrl === 'string';
}
