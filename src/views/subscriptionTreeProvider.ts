import * as vscode from 'vscode';
import type { DbValue } from '../core/db';
import { hostOf } from '../api/baseUrl';
import { userMessage } from '../api/failures';
import { COLOR_PRODUCTION, COMMANDS, TREE_ITEM } from '../constants';
import type { DbStore } from '../db/dbStore';
import { refKey, type SubscriptionRef } from '../db/subscriptionRef';
import { ENVIRONMENT_INFO, type Environment } from '../gates/environment';
import type { Gate, GateStore } from '../gates/gateStore';
import type { OpenedSubscriptions } from '../gates/openedSubscriptions';
import { nodeId, type EntryNode, type GateNode, type SubscriptionNode, type TreeNode } from './treeNodes';

/**
 * Gates → opened subscriptions → DB entries. Loading never shows UI: a failed load becomes a message node with a
 * retry action, and the error goes to the log.
 */
export class SubscriptionTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Subscription nodes handed out, so a change to one DB refreshes just that node. */
  private readonly subscriptionNodes = new Map<string, SubscriptionNode>();
  private pendingAll = false;
  private readonly pending = new Set<TreeNode>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly gates: GateStore,
    private readonly opened: OpenedSubscriptions,
    private readonly store: DbStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      gates.onDidChange(() => this.refresh()),
      gates.onDidChangeEnvironment(() => this.refresh()),
      opened.onDidChange(() => this.refresh()),
      store.onDidChange(({ ref }) => this.refreshSubscription(ref)),
    );
  }

  /** Refreshes the whole tree. Bursts (a gate added fires several events) are folded into one refresh. */
  refresh(): void {
    this.pendingAll = true;
    this.schedule();
  }

  refreshSubscription(ref: SubscriptionRef): void {
    const node = this.subscriptionNodes.get(refKey(ref));
    if (!node) return;
    this.pending.add(node);
    this.schedule();
  }

  /** The node of a subscription, for `TreeView.reveal`. */
  subscriptionNode(ref: SubscriptionRef): SubscriptionNode | undefined {
    const subscription = this.opened.list(ref.idGate).find((s) => s.idSubscription === ref.idSubscription);
    if (!subscription) return undefined;
    return this.remember({ kind: 'subscription', idGate: ref.idGate, subscription });
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = buildItem(node);
    item.id = nodeId(node);
    return item;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind === 'subscription') {
      const gate = this.gates.get(node.idGate);
      return gate ? { kind: 'gate', gate } : undefined;
    }
    if (node.kind === 'entry') return this.subscriptionNode(node);
    return undefined;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.gates.list().map((gate): GateNode => ({ kind: 'gate', gate }));
    if (node.kind === 'gate') {
      const subs = this.opened.list(node.gate.idGate);
      if (subs.length === 0) {
        return [{
          kind: 'message', parentId: nodeId(node), icon: 'info',
          text: vscode.l10n.t('No subscriptions yet: verify a token'),
          tooltip: vscode.l10n.t('Subscriptions appear here when you verify a logupToken or open one by ID (right-click the gate).'),
          command: { command: COMMANDS.verifyToken, title: vscode.l10n.t('Verify Token'), arguments: [{ idGate: node.gate.idGate }] },
        }];
      }
      return subs.map((subscription) => this.remember({ kind: 'subscription', idGate: node.gate.idGate, subscription }));
    }
    if (node.kind === 'subscription') {
      const ref = { idGate: node.idGate, idSubscription: node.subscription.idSubscription };
      try {
        const { db } = await this.store.load(ref);
        const entries = Object.keys(db).sort().map((key): EntryNode => ({
          kind: 'entry', idGate: ref.idGate, idSubscription: ref.idSubscription, key, value: db[key] as DbValue,
        }));
        if (entries.length > 0) return entries;
        return [{ kind: 'message', parentId: nodeId(node), icon: 'info', text: vscode.l10n.t('Empty DB'),
          command: { command: COMMANDS.addKey, title: vscode.l10n.t('Add Key'), arguments: [node] } }];
      } catch (error) {
        const message = userMessage(error);
        this.log.warn(`Loading the DB of ${ref.idSubscription} failed: ${message}`);
        return [{ kind: 'message', parentId: nodeId(node), icon: 'error', text: vscode.l10n.t('Could not load the DB: {0}', message),
          tooltip: `${message}\n${vscode.l10n.t('Click to retry.')}`,
          command: { command: COMMANDS.refreshSubscription, title: vscode.l10n.t('Retry'), arguments: [node] } }];
      }
    }
    return [];
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }

  /**
   * Fires the pending refreshes once the current burst of events is over. Refreshing element by element while VS Code
   * is still asking for the previous children makes it lose track of them ("No tree item with id … found").
   */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), 30);
  }

  /** Fires what is pending now, e.g. before revealing a node that a pending refresh adds. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingAll) {
      this.pendingAll = false;
      this.pending.clear();
      this.subscriptionNodes.clear();
      this.changed.fire(undefined);
      return;
    }
    for (const node of this.pending) this.changed.fire(node);
    this.pending.clear();
  }

  private remember(node: SubscriptionNode): SubscriptionNode {
    const key = refKey({ idGate: node.idGate, idSubscription: node.subscription.idSubscription });
    const existing = this.subscriptionNodes.get(key);
    if (existing && existing.subscription.idActor === node.subscription.idActor) return existing;
    this.subscriptionNodes.set(key, node);
    return node;
  }
}

function buildItem(node: TreeNode): vscode.TreeItem {
  switch (node.kind) {
    case 'gate':
      return gateItem(node.gate);
    case 'subscription': {
      const { idSubscription, idActor } = node.subscription;
      const item = new vscode.TreeItem(idSubscription, vscode.TreeItemCollapsibleState.Collapsed);
      if (idActor) item.description = idActor;
      item.tooltip = idActor
        ? `${vscode.l10n.t('Subscription {0}', idSubscription)}\n${vscode.l10n.t('Actor {0}', idActor)}`
        : vscode.l10n.t('Subscription {0}', idSubscription);
      item.iconPath = new vscode.ThemeIcon('account');
      item.contextValue = idActor ? TREE_ITEM.subscriptionWithActor : TREE_ITEM.subscription;
      return item;
    }
    case 'entry': {
      const type = typeof node.value;
      const item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.None);
      item.description = JSON.stringify(node.value);
      item.tooltip = new vscode.MarkdownString().appendCodeblock(`${JSON.stringify(node.key)}: ${JSON.stringify(node.value)}`, 'json').appendText(`\n${type}`);
      item.iconPath = new vscode.ThemeIcon(type === 'string' ? 'symbol-string' : type === 'number' ? 'symbol-number' : 'symbol-boolean');
      item.contextValue = TREE_ITEM.entry;
      item.command = {
        command: COMMANDS.openDb,
        title: vscode.l10n.t('Open DB as JSON'),
        arguments: [{ idGate: node.idGate, idSubscription: node.idSubscription }, node.key],
      };
      item.accessibilityInformation = { label: `${node.key}, ${type} ${JSON.stringify(node.value)}` };
      return item;
    }
    case 'message': {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.icon);
      if (node.tooltip) item.tooltip = node.tooltip;
      if (node.command) item.command = { ...node.command, arguments: node.command.arguments ? [...node.command.arguments] : [] };
      item.contextValue = TREE_ITEM.message;
      return item;
    }
  }
}

/** Icon colours per environment; production's is the extension's own colour, shared with its tabs' decoration. */
const ENVIRONMENT_COLOR: Record<Environment, string | undefined> = {
  production: COLOR_PRODUCTION,
  staging: 'charts.yellow',
  development: 'charts.blue',
  sandbox: undefined,
};

/** A gate says its environment in words (description, tooltip, screen readers) and in colour (its icon). */
function gateItem(gate: Gate): vscode.TreeItem {
  const item = new vscode.TreeItem(gate.label, vscode.TreeItemCollapsibleState.Expanded);
  const environment = ENVIRONMENT_INFO[gate.environment].label;
  const host = hostOf(gate.baseUrl);
  item.description = `${gate.environment === 'production' ? environment.toUpperCase() : environment} · ${host}`;
  item.tooltip = new vscode.MarkdownString(`**${gate.idGate}** (${environment})\n\n${gate.baseUrl}\n\n${vscode.l10n.t({ message: '{0}.', args: [ENVIRONMENT_INFO[gate.environment].detail], comment: ['An environment\'s description as a sentence, e.g. "Your real users\' data."'] })}`);
  const color = ENVIRONMENT_COLOR[gate.environment];
  const icon = gate.environment === 'sandbox' ? 'beaker' : 'shield';
  item.iconPath = color ? new vscode.ThemeIcon(icon, new vscode.ThemeColor(color)) : new vscode.ThemeIcon(icon);
  item.contextValue = TREE_ITEM.gate;
  item.accessibilityInformation = { label: vscode.l10n.t('Gate {0}, {1}, {2}', gate.label, environment, host) };
  return item;
}

