import * as vscode from 'vscode';
import { STATE_GATES, secretKeyFor } from '../constants';
import { isSafeId } from '../core/dbPath';
import { quoteUntrusted } from '../core/visible';
import { defaultEnvironment, isEnvironment, type Environment, type Gate } from './environment';

/** A gate's non-secret metadata, kept in globalState. Its secret key lives only in SecretStorage. */

/** A gate to save: without an environment it gets the default for its URL. */
export type { Gate } from './environment';

export type GateInput = Omit<Gate, 'environment'> & { readonly environment?: Environment };

/**
 * Where gates are kept: metadata in globalState (shared by every window), the secret key in SecretStorage. The only
 * code that touches `context.secrets`. It stores and tells; what follows from a change is decided in one place,
 * `watchGateLifecycle`.
 */
export class GateStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  /** Fires with the gate that was saved, removed or whose secret changed; undefined when unknown (another window). */
  readonly onDidChange = this.changed.event;
  private readonly environmentChanged = new vscode.EventEmitter<string>();
  /**
   * Fires with the gate whose environment alone changed. Kept apart from onDidChange, which drops the gate's client
   * and cached DBs: neither depends on the environment.
   */
  readonly onDidChangeEnvironment = this.environmentChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.environmentChanged];

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

  /** The gates, each with an environment: entries stored before environments existed get their URL's default. */
  list(): readonly Gate[] {
    const raw = this.state.get<unknown>(STATE_GATES);
    if (!Array.isArray(raw)) return [];
    return raw.filter(isStoredGate).map(toGate);
  }

  get(idGate: string): Gate | undefined {
    return this.list().find((g) => g.idGate === idGate);
  }

  /**
   * Adds or replaces a gate. The secret goes to SecretStorage first so a gate never exists without it. Every way in
   * (the Add Gate prompts, `logup.addGate` arguments, the sandbox's demo gate) passes here, so the id is checked here:
   * it becomes a path segment, a link parameter and a word in curl snippets.
   */
  async save(input: GateInput, secretKey: string): Promise<Gate> {
    const problem = gateIdProblem(input.idGate);
    if (problem !== undefined) throw new Error(problem);
    const gate = toGate(input);
    await this.secrets.store(secretKeyFor(gate.idGate), secretKey);
    const others = this.list().filter((g) => g.idGate !== gate.idGate);
    await this.state.update(STATE_GATES, [...others, gate]);
    this.changed.fire(gate.idGate);
    return gate;
  }

  /** Changes only the gate's environment; its secret, client and cached DBs stay as they are. */
  async setEnvironment(idGate: string, environment: Environment): Promise<Gate> {
    const gates = this.list();
    const gate = gates.find((g) => g.idGate === idGate);
    if (!gate) throw new Error(vscode.l10n.t('There is no gate {0}. Run "LogUp: Add Gate" first.', idGate));
    const updated: Gate = { ...gate, environment };
    await this.state.update(STATE_GATES, gates.map((g) => (g.idGate === idGate ? updated : g)));
    this.environmentChanged.fire(idGate);
    return updated;
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

/** Why `idGate` cannot be a gate id, or undefined when it can (1 to 128 letters, digits, "_" and "-"). */
export function gateIdProblem(idGate: unknown): string | undefined {
  if (typeof idGate === 'string' && isSafeId(idGate)) return undefined;
  const shown = typeof idGate === 'string' ? quoteUntrusted(idGate) : String(typeof idGate);
  return vscode.l10n.t('{0} is not a gate id: a gate id is 1 to 128 letters, digits, "_" and "-", e.g. gate_myGate. Copy it from your LogUp dashboard.', shown);
}

/** What globalState may hold: the environment is missing in gates saved by earlier versions. */
function isStoredGate(value: unknown): value is GateInput {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.idGate === 'string' && typeof v.label === 'string' && typeof v.baseUrl === 'string';
}

/** Only the known fields, so nothing else ever reaches globalState; an unknown environment falls back to the default. */
function toGate(input: GateInput): Gate {
  const environment = isEnvironment(input.environment) ? input.environment : defaultEnvironment(input.baseUrl);
  return { idGate: input.idGate, label: input.label, baseUrl: input.baseUrl, environment };
}
