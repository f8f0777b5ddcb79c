import * as vscode from 'vscode';
import { CONTEXT_HAS_GATES } from '../constants';
import type { DbStore } from '../db/dbStore';
import type { OpenedSubscriptions } from './openedSubscriptions';
import type { ClientRegistry } from './clientRegistry';
import type { GateStore } from './gateStore';

/** What a removed gate's history needs: the write history (a floor above) passed in by the owner. */
export interface GateHistory {
  removeGate(idGate: string): Promise<void>;
}

/**
 * The one owner of what follows a gate's change, whether made by a command here or in another window: a saved,
 * replaced or removed gate (or a changed secret) gets a new client and no cached DBs; a removed gate's opened
 * subscriptions leave the view, and its write history is deleted; the `logup.hasGates` context key follows the list.
 */
export function watchGateLifecycle(
  gates: GateStore, clients: ClientRegistry, store: DbStore, opened: OpenedSubscriptions, history?: GateHistory,
): vscode.Disposable {
  const gateChanged = (idGate: string | undefined): void => {
    const known = new Set(gates.list().map((g) => g.idGate));
    const affected = idGate === undefined ? [...clients.ids()].filter((id) => !known.has(id)) : [idGate];
    for (const id of affected) {
      void clients.reset(id);
      store.forgetGate(id);
      if (!known.has(id)) void opened.removeGate(id);
      // Only a removal named by this window's own store: the window that removed a gate deletes its history from the
      // shared file itself, and here an unnamed change may come before globalState shows another window's new gate.
      if (!known.has(id) && idGate !== undefined) void history?.removeGate(id).catch(() => undefined);
    }
    // Another window may have changed the opened lists in the shared globalState.
    if (idGate === undefined) opened.reload();
    void updateContext(gates);
  };
  void updateContext(gates);
  return gates.onDidChange(gateChanged);
}

function updateContext(gates: GateStore): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', CONTEXT_HAS_GATES, gates.list().length > 0);
}
