/**
 * Every id string the extension registers, stores or matches on, in one place. `test/unit/manifest.test.ts` checks
 * that package.json declares exactly these commands, views and context keys, so the two cannot drift.
 */
export const SCHEME = 'logup';
export const EXTENSION_ID = 'logup-tools.logup-vscode';

/** Command ids, as declared in package.json's `contributes.commands`. */
export const COMMANDS = {
  addGate: 'logup.addGate',
  addSandboxGate: 'logup.addSandboxGate',
  removeGate: 'logup.removeGate',
  setGateEnvironment: 'logup.setGateEnvironment',
  verifyToken: 'logup.verifyToken',
  openSubscriptionById: 'logup.openSubscriptionById',
  openDb: 'logup.openDb',
  refresh: 'logup.refresh',
  refreshSubscription: 'logup.refreshSubscription',
  copySubscriptionId: 'logup.copySubscriptionId',
  copyActorId: 'logup.copyActorId',
  removeSubscription: 'logup.removeSubscription',
  editValue: 'logup.editValue',
  addKey: 'logup.addKey',
  deleteKey: 'logup.deleteKey',
  revertToServer: 'logup.revertToServer',
  saveDb: 'logup.saveDb',
  showLog: 'logup.showLog',
  showHistory: 'logup.showHistory',
  clearHistory: 'logup.clearHistory',
  undoWrite: 'logup.undoWrite',
  openWriteDiff: 'logup.openWriteDiff',
  findSubscription: 'logup.findSubscription',
  copyLink: 'logup.copyLink',
  copySnippet: 'logup.copySnippet',
  exportDb: 'logup.exportDb',
  importDb: 'logup.importDb',
  applyChange: 'logup.applyChange',
  resumeBatch: 'logup.resumeBatch',
  undoBatch: 'logup.undoBatch',
  undoThisBatch: 'logup.undoThisBatch',
} as const;
export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

/**
 * Language model tool names, as declared in package.json's `contributes.languageModelTools` (src/tools/). Snake
 * case with our prefix, as VS Code's own tools are named; `#logup…` reference names are in package.json.
 */
export const TOOLS = {
  findSubscriptions: 'logup_findSubscriptions',
  readDb: 'logup_readDb',
  verifyToken: 'logup_verifyToken',
  proposeChange: 'logup_proposeChange',
} as const;
export type ToolName = (typeof TOOLS)[keyof typeof TOOLS];

export const VIEW_CONTAINER_ID = 'logup';

/** The getting-started walkthrough (package.json `contributes.walkthroughs`). */
export const WALKTHROUGH_ID = 'logup.gettingStarted';
export const VIEW_ID = 'logup.subscriptions';
export const HISTORY_VIEW_ID = 'logup.history';

/** Read-only documents showing a recorded write before and after (the history's diff). */
export const HISTORY_SCHEME = 'logup-history';
/** The write history's file, in the extension's global storage folder. */
export const HISTORY_FILE = 'write-history.json';

/** Read-only documents of a batch change: its dry-run summary and its result (src/commands/batch.ts). */
export const BATCH_SCHEME = 'logup-batch';
/** The journal of the last batch change, in the extension's global storage folder (Resume Batch, Undo Last Batch Change). */
export const BATCH_JOURNAL_FILE = 'batch-journal.json';

/** Context keys for `when` clauses. */
export const CONTEXT_HAS_GATES = 'logup.hasGates';

/** `contextValue`s of tree items, matched by `view/item/context` menus. */
export const TREE_ITEM = {
  gate: 'gate',
  subscription: 'subscription',
  subscriptionWithActor: 'subscription.withActor',
  entry: 'entry',
  message: 'message',
} as const;

/** `contextValue`s of the History view's items, matched by `view/item/context` menus. */
export const HISTORY_ITEM = {
  subscription: 'historySubscription',
  write: 'historyWrite',
  /** A write that left something on the server to undo. */
  undoableWrite: 'historyWrite.undoable',
  change: 'historyChange',
  /** A batch change's row; `.undoable` when it is the batch the journal can undo (the last one). */
  batch: 'historyBatch',
  undoableBatch: 'historyBatch.undoable',
  /** A subscription of a batch it did not write to (a conflict, skipped, already so…). */
  batchSubscription: 'historyBatchSubscription',
} as const;
/**
 * The language of `logup:` documents: JSON to the editor (grammar, JSON language features), but its own id, so
 * package.json can turn VS Code's auto-save off for it alone (docs/harness.md, H18–H20).
 */
export const DB_LANGUAGE_ID = 'logup-db';

/** Read-only documents of a write review's diff: the server's DB now and what it will hold after the save. */
export const REVIEW_SCHEME = 'logup-review';

/** Theme colour (package.json `contributes.colors`) that marks production: tabs and the gate's icon. */
export const COLOR_PRODUCTION = 'logup.productionForeground';

/** The status bar item naming the active `logup:` document's gate and environment. */
export const STATUS_BAR_GATE_ID = 'logup.gateEnvironment';

export const OUTPUT_CHANNEL_NAME = 'LogUp';
export const DIAGNOSTIC_SOURCE = 'LogUp';

/** globalState keys (never secrets). */
export const STATE_GATES = 'logup.gates.v1';
export const STATE_OPENED = 'logup.openedSubscriptions.v1';

/** SecretStorage key of a gate's secret key. */
export const secretKeyFor = (idGate: string): string => `logup.gate.${idGate}.secretKey`;

export const DEFAULT_BASE_URL = 'https://api.logup.co/v1_0';
