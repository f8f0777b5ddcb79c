import * as vscode from 'vscode';
import { SCHEME, VIEW_ID } from './constants';
import { GateStore } from './credentials/gateStore';
import { SubscriptionFileSystem } from './fs/subscriptionFileSystem';
import { DbDiagnostics } from './fs/dbDiagnostics';
import { Log } from './log';
import { ClientRegistry } from './model/clientRegistry';
import { DbStore } from './model/dbStore';
import { OpenedSubscriptions } from './model/openedSubscriptions';
import { SubscriptionTreeProvider } from './views/subscriptionTreeProvider';
import type { TreeNode } from './views/treeNodes';

/** The one object that owns everything the extension creates; commands receive it. */
export class Ctx implements vscode.Disposable {
  readonly log = new Log();
  readonly gates: GateStore;
  readonly opened: OpenedSubscriptions;
  readonly clients: ClientRegistry;
  readonly store: DbStore;
  readonly tree: SubscriptionTreeProvider;
  readonly treeView: vscode.TreeView<TreeNode>;
  readonly fileSystem: SubscriptionFileSystem;
  /** The last error shown to the user (read by the in-editor tests). */
  lastError: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.gates = new GateStore(extension.globalState, extension.secrets);
    this.opened = new OpenedSubscriptions(extension.globalState);
    this.clients = new ClientRegistry(this.gates, this.log);
    this.store = new DbStore(this.clients, this.log);
    this.tree = new SubscriptionTreeProvider(this.gates, this.opened, this.store, this.log);
    this.treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true });
    this.fileSystem = new SubscriptionFileSystem(this.store);
    this.disposables.push(
      this.treeView, this.tree, this.fileSystem, this.store, this.clients, this.opened, this.gates,
      vscode.workspace.registerFileSystemProvider(SCHEME, this.fileSystem, { isCaseSensitive: true }),
      new DbDiagnostics(),
      // A gate added or removed in another window shows up here too.
      this.gates.onDidChange(() => {
        this.opened.reload();
        void this.updateContext();
      }),
      this.gates.onDidChangeSecret((idGate) => this.store.forgetGate(idGate)),
      // Refreshes made while the view was hidden can leave VS Code holding stale element handles: redraw on show.
      this.treeView.onDidChangeVisibility((e) => {
        if (e.visible) this.tree.refresh();
      }),
    );
    void this.updateContext();
  }

  async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'logup.hasGates', this.gates.list().length > 0);
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
    this.log.dispose();
  }
}
