import * as vscode from 'vscode';
import { COMMANDS, HISTORY_ITEM } from '../constants';
import { countsLine, stateLabel, wroteTo, type BatchState } from '../core/batchReport';
import { changeText, entrySummary, outcomeText, shownValue, stateText, type HistoryChange } from '../core/historyText';
import type { BatchRecordRow } from './batchRecords';
import { isUndoable, undoneIds, type HistoryEntry } from './historyEntry';
import { batchSize, historyRows, type HistoryBatch, type HistoryGroup } from './historyList';
import type { WriteHistory } from './writeHistory';

/**
 * The History view's elements: subscriptions → their writes, newest first → the keys each write touched; a batch
 * change → each of its subscriptions: its write → the keys, or where it ended without one (a conflict, skipped…).
 * `undoable`: the batch the journal can undo (the last one).
 */
export type HistoryNode =
  | { readonly kind: 'subscription'; readonly group: HistoryGroup }
  | { readonly kind: 'batch'; readonly batch: HistoryBatch; readonly undoable: boolean }
  | { readonly kind: 'write'; readonly entry: HistoryEntry; readonly undone: boolean; readonly inBatch?: boolean }
  | { readonly kind: 'unwritten'; readonly batch: HistoryBatch; readonly row: BatchRecordRow }
  | { readonly kind: 'unlisted'; readonly batch: HistoryBatch }
  | { readonly kind: 'change'; readonly entry: HistoryEntry; readonly change: HistoryChange };

/** The History view. Empty, it shows its welcome text (package.json `viewsWelcome`). */
export class HistoryTreeProvider implements vscode.TreeDataProvider<HistoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: { dispose(): void };

  /** `undoableBatch`: the id of the batch "LogUp: Undo Last Batch Change" would undo now (its journal), if any. */
  constructor(private readonly history: WriteHistory, private readonly undoableBatch: () => Promise<string | undefined> = async () => undefined) {
    this.subscription = history.onDidChange(() => this.changed.fire(undefined));
  }

  /** Shows the view again, e.g. when the batch journal changed which batch can be undone. */
  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: HistoryNode): Promise<HistoryNode[]> {
    if (!node) {
      const [entries, undoable] = await Promise.all([this.history.load(), this.undoableBatch().catch(() => undefined)]);
      return historyRows(entries, this.history.batchRecords()).map((row) => (row.kind === 'batch' ? { ...row, undoable: row.batch.id === undoable } : row));
    }
    if (node.kind === 'subscription') {
      const undone = undoneIds(this.history.list());
      return node.group.entries.map((entry) => ({ kind: 'write', entry, undone: undone.has(entry.id) }));
    }
    if (node.kind === 'batch') {
      const { batch } = node;
      const undone = undoneIds(this.history.list());
      const children: { id: string; node: HistoryNode }[] = [
        ...batch.entries.map((entry) => ({ id: entry.idSubscription, node: { kind: 'write', entry, undone: batch.undone.has(entry.idSubscription) || undone.has(entry.id), inBatch: true } as const })),
        ...batch.unwritten.map((row) => ({ id: row.idSubscription, node: { kind: 'unwritten', batch, row } as const })),
      ];
      // Sorted by id; a subscription's writes stay in their order (the sort is stable).
      const sorted = children.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((c) => c.node);
      return batch.unlisted > 0 ? [...sorted, { kind: 'unlisted', batch }] : sorted;
    }
    if (node.kind === 'write') return node.entry.changes.map((change) => ({ kind: 'change', entry: node.entry, change }));
    return [];
  }

  getTreeItem(node: HistoryNode): vscode.TreeItem {
    switch (node.kind) {
      case 'subscription':
        return subscriptionItem(node.group);
      case 'batch':
        return batchItem(node.batch, node.undoable);
      case 'write':
        return writeItem(node.entry, node.undone, node.inBatch === true);
      case 'unwritten':
        return unwrittenItem(node.batch, node.row);
      case 'unlisted':
        return unlistedItem(node.batch);
      case 'change':
        return changeItem(node.entry, node.change);
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function subscriptionItem(group: HistoryGroup): vscode.TreeItem {
  const item = new vscode.TreeItem(group.idSubscription, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `history:${group.idGate}/${group.idSubscription}`;
  item.description = [group.idGate, group.environment].filter(Boolean).join(' · ');
  item.tooltip = group.environment
    ? vscode.l10n.t('Writes to {0} of gate {1} ({2}): {3}', group.idSubscription, group.idGate, group.environment, group.entries.length)
    : vscode.l10n.t('Writes to {0} of gate {1}: {2}', group.idSubscription, group.idGate, group.entries.length);
  item.iconPath = new vscode.ThemeIcon('account');
  item.contextValue = HISTORY_ITEM.subscription;
  return item;
}

function batchItem(batch: HistoryBatch, undoable: boolean): vscode.TreeItem {
  const label = batch.undoOf !== undefined
    ? vscode.l10n.t('Undo of a batch change: {0} subscriptions', batchSize(batch))
    : vscode.l10n.t('Batch change: {0} subscriptions', batchSize(batch));
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `history:batch:${batch.id}`;
  const totals = countsLine(batch.totals);
  const changed = [...batch.totals].reduce((n, [state, count]) => n + (wroteTo(state) ? count : 0), 0);
  const undone = batch.undone.size === 0 ? [] : [batch.undone.size >= changed ? vscode.l10n.t('undone') : vscode.l10n.t('undone on {0} of {1}', batch.undone.size, changed)];
  item.description = [shortTime(batch.at), batch.idGate, totals, ...undone].join(' · ');
  const rows = [
    vscode.l10n.t('When: {0}', longTime(batch.at)),
    batch.environment ? vscode.l10n.t('Gate: {0} ({1})', batch.idGate, batch.environment) : vscode.l10n.t('Gate: {0}', batch.idGate),
    vscode.l10n.t('Subscriptions: {0}', totals),
    batch.undone.size > 0
      ? vscode.l10n.t('Undo This Batch put back what it changed on {0} of its {1} changed subscriptions.', batch.undone.size, changed)
      : undoable
        ? vscode.l10n.t('Undo This Batch puts back what it changed.')
        : batch.undoOf !== undefined
          ? vscode.l10n.t('It undid an earlier batch change; undo its writes one by one.')
          : vscode.l10n.t('Only the last batch change can be undone as one (its journal is kept); undo its writes one by one.'),
  ];
  item.tooltip = new vscode.MarkdownString(`**${escape(label)}**\n\n${rows.map(escape).join('  \n')}`);
  const has = (state: BatchState): boolean => (batch.totals.get(state) ?? 0) > 0;
  item.iconPath = new vscode.ThemeIcon(has('failed') ? 'error' : has('partial') || has('conflict') ? 'warning' : batch.undoOf !== undefined ? 'discard' : 'layers');
  item.contextValue = undoable ? HISTORY_ITEM.undoableBatch : HISTORY_ITEM.batch;
  item.accessibilityInformation = { label: [label, longTime(batch.at), batch.idGate, totals, ...undone].join(', ') };
  return item;
}

/** A subscription of a batch it did not write to: where it ended, and why. */
function unwrittenItem(batch: HistoryBatch, row: BatchRecordRow): vscode.TreeItem {
  const item = new vscode.TreeItem(row.idSubscription, vscode.TreeItemCollapsibleState.None);
  item.id = `history:batch:${batch.id}/${row.idSubscription}`;
  const state = stateLabel(row.state);
  item.description = [state, ...(row.detail ? [row.detail] : [])].join(' · ');
  // A changed one listed here: its write is not in the history (sent before a reload, or beyond logup.history.maxEntries).
  const wrote = wroteTo(row.state);
  const note = wrote ? vscode.l10n.t('Its write is not in the history.') : vscode.l10n.t('Nothing was written to it by this batch.');
  item.tooltip = new vscode.MarkdownString(`**${escape(row.idSubscription)}**: ${escape(state)}${row.detail ? `\n\n${escape(row.detail)}` : ''}\n\n${escape(note)}`);
  item.iconPath = unwrittenIcon(row.state);
  item.contextValue = HISTORY_ITEM.batchSubscription;
  item.accessibilityInformation = { label: [row.idSubscription, state, row.detail ?? '', ...(wrote ? [] : [vscode.l10n.t('nothing written')])].filter(Boolean).join(', ') };
  return item;
}

/** The last child of a batch whose record lists only the first subscriptions without a write. */
function unlistedItem(batch: HistoryBatch): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('… and {0} more with nothing written', batch.unlisted), vscode.TreeItemCollapsibleState.None);
  item.id = `history:batch:${batch.id}/more`;
  item.tooltip = vscode.l10n.t('The history lists the first of them; the totals on the batch row count them all, and the batch\'s report (Save Report as CSV…) had each with why.');
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.contextValue = HISTORY_ITEM.batchSubscription;
  return item;
}

function unwrittenIcon(state: BatchState): vscode.ThemeIcon {
  switch (state) {
    case 'conflict':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    case 'failed':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    case 'refused':
      return new vscode.ThemeIcon('circle-slash');
    case 'already':
      return new vscode.ThemeIcon('pass');
    case 'done':
      return new vscode.ThemeIcon('check');
    case 'partial':
      return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    default:
      return new vscode.ThemeIcon('debug-step-over', new vscode.ThemeColor('disabledForeground'));
  }
}

function writeItem(entry: HistoryEntry, undone: boolean, inBatch: boolean): vscode.TreeItem {
  const item = new vscode.TreeItem(inBatch ? entry.idSubscription : entrySummary(entry), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `history:${entry.id}`;
  const when = inBatch ? entrySummary(entry) : [shortTime(entry.at), originText(entry.origin)].join(' · ');
  item.description = [when, ...(undone ? [vscode.l10n.t('undone')] : [])].join(' · ');
  item.tooltip = writeTooltip(entry, undone);
  item.iconPath = entry.outcome === 'failed'
    ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'))
    : entry.outcome === 'partial'
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : new vscode.ThemeIcon(entry.origin === 'undo' ? 'discard' : 'check');
  item.contextValue = isUndoable(entry) && !undone ? HISTORY_ITEM.undoableWrite : HISTORY_ITEM.write;
  item.command = { command: COMMANDS.openWriteDiff, title: vscode.l10n.t('Open Changes'), arguments: [{ id: entry.id }] };
  item.accessibilityInformation = { label: [entrySummary(entry), longTime(entry.at), originText(entry.origin), outcomeText(entry), ...(undone ? [vscode.l10n.t('undone')] : [])].join(', ') };
  return item;
}

function changeItem(entry: HistoryEntry, change: HistoryChange): vscode.TreeItem {
  const item = new vscode.TreeItem(change.key, vscode.TreeItemCollapsibleState.None);
  item.id = `history:${entry.id}/${JSON.stringify(change.key)}`;
  const state = stateText(change.state);
  item.description = `${changeText(change)}${state ? ` · ${state}` : ''}`;
  item.tooltip = new vscode.MarkdownString()
    .appendCodeblock(`${JSON.stringify(change.key)}: ${shownValue(change.before, 2000)} → ${change.call === 'delete' ? vscode.l10n.t('(deleted)') : shownValue(change.after, 2000)}`, 'json')
    .appendText(state ? `\n${state}` : '');
  const icon = change.call === 'delete' ? 'diff-removed' : change.before === undefined ? 'diff-added' : 'diff-modified';
  item.iconPath = new vscode.ThemeIcon(icon, change.state === 'done' ? undefined : new vscode.ThemeColor('disabledForeground'));
  item.contextValue = HISTORY_ITEM.change;
  item.command = { command: COMMANDS.openWriteDiff, title: vscode.l10n.t('Open Changes'), arguments: [{ id: entry.id }] };
  return item;
}

function writeTooltip(entry: HistoryEntry, undone: boolean): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escape(entrySummary(entry))}**\n\n`);
  const rows: string[] = [
    vscode.l10n.t('When: {0}', longTime(entry.at)),
    entry.environment ? vscode.l10n.t('Gate: {0} ({1})', entry.idGate, entry.environment) : vscode.l10n.t('Gate: {0}', entry.idGate),
    vscode.l10n.t('Subscription: {0}', entry.idSubscription),
    vscode.l10n.t('From: {0}', originText(entry.origin)),
    undone ? vscode.l10n.t('Outcome: {0}, undone since', outcomeText(entry)) : vscode.l10n.t('Outcome: {0}', outcomeText(entry)),
  ];
  md.appendMarkdown(rows.map(escape).join('  \n'));
  if (entry.failure) md.appendMarkdown(`\n\n${escape(entry.failure)}`);
  return md;
}

/** Where a write came from, as the History view names it. */
function originText(origin: HistoryEntry['origin']): string {
  switch (origin) {
    case 'editor':
      return vscode.l10n.t('the JSON editor');
    case 'tree':
      return vscode.l10n.t('the tree');
    case 'undo':
      return vscode.l10n.t({ message: 'undo', comment: ['Where a write came from: an undo of an earlier write.'] });
    case 'import':
      return vscode.l10n.t({ message: 'import', comment: ['Where a write came from: a file imported into the DB.'] });
    case 'batch':
      return vscode.l10n.t({ message: 'batch change', comment: ['Where a write came from: Apply Change to Subscriptions.'] });
    case 'agent':
      return vscode.l10n.t({ message: "an agent's proposal (logup_proposeChange)", comment: ['Where a write came from: a language model tool in chat; logup_proposeChange is the tool\'s name, not translated.'] });
    default:
      return origin;
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** 14:02:31 for today, else the date too. */
function shortTime(at: number): string {
  const date = new Date(at);
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}

function longTime(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** The label of a write's time, for the diff's title. */
export function writeTime(at: number): string {
  return shortTime(at);
}
