import { join } from 'node:path';
import * as vscode from 'vscode';
import { BATCH_JOURNAL_FILE, HISTORY_FILE, HISTORY_SCHEME, HISTORY_VIEW_ID, OUTPUT_CHANNEL_NAME, SCHEME, VIEW_ID } from './constants';
import { BatchJournalFile, undoableBatchId } from './db/batchJournal';
import { DbDiagnostics } from './db/dbDiagnostics';
import { registerDbFormatter } from './db/dbFormatter';
import { DbLanguage } from './db/dbLanguage';
import { DbStore } from './db/dbStore';
import { SubscriptionFileSystem } from './db/subscriptionFileSystem';
import { Modal } from './dialogs/modal';
import { ClientRegistry } from './gates/clientRegistry';
import { watchGateLifecycle } from './gates/gateLifecycle';
import { GateStore } from './gates/gateStore';
import { HistoryDocuments } from './history/historyDocuments';
import { HistoryTreeProvider, type HistoryNode } from './history/historyView';
import { WriteHistory } from './history/writeHistory';
import { readNetwork, readSettings, SETTINGS, SETTINGS_SECTION, type LiveSettings, type SettingName, type Settings } from './settings';
import { ReviewDiff } from './review/reviewDiff';
import { WriteReviewer } from './review/writeReviewer';
import { ImportDiagnostics } from './db/importDiagnostics';
import { GateStatusBar } from './views/gateStatusBar';
import { OpenedSubscriptions } from './gates/openedSubscriptions';
import { ProductionDecorations } from './views/productionDecorations';
import { SubscriptionTreeProvider } from './views/subscriptionTreeProvider';
import type { TreeNode } from './views/treeNodes';

/** The one object that owns everything the extension creates; commands receive it. */
export class Ctx implements vscode.Disposable {
  /**
   * The "LogUp" log. Verbosity follows VS Code's own "Developer: Set Log Level…"; callers pass methods, paths,
   * statuses and durations, never headers, bodies or secrets.
   */
  readonly log = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  /** The one reader of the `logup.*` settings (and of VS Code's proxy settings the clients use). */
  readonly settings = new ExtensionSettings();
  readonly gates: GateStore;
  readonly opened: OpenedSubscriptions;
  readonly clients: ClientRegistry;
  readonly store: DbStore;
  readonly tree: SubscriptionTreeProvider;
  readonly treeView: vscode.TreeView<TreeNode>;
  readonly fileSystem: SubscriptionFileSystem;
  readonly history: WriteHistory;
  readonly historyTree: HistoryTreeProvider;
  readonly historyView: vscode.TreeView<HistoryNode>;
  /** Keeps `logup:` documents in the logup-db language, out of auto-save's reach. */
  readonly dbLanguage: DbLanguage;
  /** The one review every write passes (its modal goes through `modal`). */
  readonly reviewer: WriteReviewer;
  readonly decorations: ProductionDecorations;
  readonly statusBar: GateStatusBar;
  /** Every modal question the extension asks (the in-editor tests answer them here). */
  readonly modal = new Modal();
  readonly importDiagnostics = new ImportDiagnostics();
  /** The last error shown to the user (read by the in-editor tests). */
  lastError: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly context: vscode.ExtensionContext) {
    this.gates = new GateStore(context.globalState, context.secrets);
    this.opened = new OpenedSubscriptions(context.globalState);
    this.clients = new ClientRegistry(this.gates, this.settings, this.log);
    const historyLimits = (): { maxEntries: number; maxDays: number } => {
      const { historyMaxEntries, historyMaxDays } = this.settings.current;
      return { maxEntries: historyMaxEntries, maxDays: historyMaxDays };
    };
    this.history = new WriteHistory(join(context.globalStorageUri.fsPath, HISTORY_FILE), historyLimits, this.log);
    const reviewDiff = new ReviewDiff();
    this.reviewer = new WriteReviewer(this.gates, reviewDiff, this.modal, this.log, this.settings);
    // The save path's steps, in the order a save meets them (docs/architecture.md): the client's check GET, the
    // review, the PUT and DELETE, the history entry.
    this.store = new DbStore({
      clients: this.clients,
      reviewer: this.reviewer,
      history: { record: (record) => this.history.record(record, this.gates.get(record.ref.idGate)?.environment) },
      log: this.log,
    });
    this.tree = new SubscriptionTreeProvider(this.gates, this.opened, this.store, this.log);
    this.treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true, canSelectMany: true });
    this.fileSystem = new SubscriptionFileSystem(this.store);
    const journal = new BatchJournalFile(join(context.globalStorageUri.fsPath, BATCH_JOURNAL_FILE));
    this.historyTree = new HistoryTreeProvider(this.history, async () => undoableBatchId(await journal.read()));
    this.historyView = vscode.window.createTreeView(HISTORY_VIEW_ID, { treeDataProvider: this.historyTree });
    this.dbLanguage = new DbLanguage(this.log);
    this.decorations = new ProductionDecorations(this.gates);
    this.statusBar = new GateStatusBar(this.gates, this.settings);
    this.disposables.push(
      this.treeView, this.tree, this.fileSystem, this.store, this.clients, this.opened, this.gates,
      this.dbLanguage, reviewDiff, this.decorations, this.statusBar,
      vscode.workspace.registerFileSystemProvider(SCHEME, this.fileSystem, { isCaseSensitive: true }),
      new DbDiagnostics(this.fileSystem),
      registerDbFormatter(),
      watchGateLifecycle(this.gates, this.clients, this.store, this.opened, this.history),
      this.historyView, this.historyTree, this.history,
      vscode.workspace.registerTextDocumentContentProvider(HISTORY_SCHEME, new HistoryDocuments(this.history)),
      // Another window may have written to the shared history file meanwhile.
      this.historyView.onDidChangeVisibility((e) => {
        if (e.visible) void this.history.reload();
      }),
      this.settings.onDidChange((changed) => {
        if (changed.has('historyMaxEntries') || changed.has('historyMaxDays')) void this.history.reload();
      }),
      this.importDiagnostics,
      // Refreshes made while the view was hidden can leave VS Code holding stale element handles: redraw on show.
      this.treeView.onDidChangeVisibility((e) => {
        if (e.visible) this.tree.refresh();
      }),
    );
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) d.dispose();
    this.settings.dispose();
    this.log.dispose();
  }
}

/** The `logup.*` settings read through one object: `current` reads them as they are now, `onDidChange` names what changed. */
class ExtensionSettings implements LiveSettings, vscode.Disposable {
  private readonly listeners = new Set<(changed: ReadonlySet<SettingName>) => void>();
  private readonly subscription = vscode.workspace.onDidChangeConfiguration((e) => {
    const changed = new Set<SettingName>();
    for (const name of Object.keys(SETTINGS) as (keyof typeof SETTINGS)[]) {
      if (e.affectsConfiguration(`${SETTINGS_SECTION}.${SETTINGS[name].key}`)) changed.add(SETTING_OF[name]);
    }
    if (e.affectsConfiguration('http')) changed.add('network');
    if (changed.size > 0) for (const listener of [...this.listeners]) listener(changed);
  });

  get current(): Settings {
    return readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
  }

  get network(): LiveSettings['network'] {
    return readNetwork(vscode.workspace.getConfiguration('http'));
  }

  onDidChange(listener: (changed: ReadonlySet<SettingName>) => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  dispose(): void {
    this.subscription.dispose();
    this.listeners.clear();
  }
}

/** Each entry of SETTINGS (package.json's keys) → the field of Settings it is read into. */
const SETTING_OF: Record<keyof typeof SETTINGS, keyof Settings> = {
  requestTimeoutSeconds: 'requestTimeoutMs',
  maxRetries: 'maxRetries',
  historyMaxEntries: 'historyMaxEntries',
  historyMaxDays: 'historyMaxDays',
  confirmWrites: 'confirmWrites',
  batchConcurrency: 'batchConcurrency',
};
