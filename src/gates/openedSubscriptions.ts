import * as vscode from 'vscode';
import { STATE_OPENED } from '../constants';

/** A subscription the user opened (by verifying a token or by id), remembered per gate across restarts. */
export interface OpenedSubscription {
  readonly idSubscription: string;
  readonly idActor?: string;
}

type Stored = Record<string, OpenedSubscription[]>;

/** The per-gate list of opened subscriptions, persisted in globalState (ids only, never DB contents or tokens). */
export class OpenedSubscriptions implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  /** Fires with the gate whose list changed, or undefined for all. */
  readonly onDidChange = this.changed.event;
  private cache: Map<string, OpenedSubscription[]> | undefined;

  constructor(private readonly state: vscode.Memento) {}

  list(idGate: string): readonly OpenedSubscription[] {
    return this.load().get(idGate) ?? [];
  }

  has(idGate: string, idSubscription: string): boolean {
    return this.list(idGate).some((s) => s.idSubscription === idSubscription);
  }

  /** Adds the subscription, or updates its actor id when it was unknown. Newest first. */
  async add(idGate: string, sub: OpenedSubscription): Promise<void> {
    const current = this.list(idGate);
    const existing = current.find((s) => s.idSubscription === sub.idSubscription);
    const idActor = sub.idActor ?? existing?.idActor;
    const merged: OpenedSubscription = idActor ? { idSubscription: sub.idSubscription, idActor } : { idSubscription: sub.idSubscription };
    const next = [merged, ...current.filter((s) => s.idSubscription !== sub.idSubscription)];
    await this.write(idGate, next);
  }

  async remove(idGate: string, idSubscription: string): Promise<void> {
    await this.write(idGate, this.list(idGate).filter((s) => s.idSubscription !== idSubscription));
  }

  async removeGate(idGate: string): Promise<void> {
    await this.write(idGate, []);
  }

  /** Drops the in-memory copy so another window's changes to globalState are read again. */
  reload(): void {
    this.cache = undefined;
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private load(): Map<string, OpenedSubscription[]> {
    if (this.cache) return this.cache;
    const raw = this.state.get<unknown>(STATE_OPENED);
    const map = new Map<string, OpenedSubscription[]>();
    if (typeof raw === 'object' && raw !== null) {
      for (const [gate, subs] of Object.entries(raw as Record<string, unknown>)) {
        if (Array.isArray(subs)) map.set(gate, subs.filter(isOpened));
      }
    }
    this.cache = map;
    return map;
  }

  private async write(idGate: string, subs: OpenedSubscription[]): Promise<void> {
    const map = this.load();
    if (subs.length === 0) map.delete(idGate);
    else map.set(idGate, subs);
    const stored: Stored = Object.fromEntries(map);
    await this.state.update(STATE_OPENED, stored);
    this.changed.fire(idGate);
  }
}

function isOpened(value: unknown): value is OpenedSubscription {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.idSubscription === 'string' && (v.idActor === undefined || typeof v.idActor === 'string');
}
