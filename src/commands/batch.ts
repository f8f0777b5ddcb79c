import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { checkChange, describeBatchChange, parseChangeFile, type BatchChange } from '../core/batchChange';
import { describeKeyChange, reportCsv, summaryText, totalsLine, wroteTo, type BatchRow } from '../core/batchReport';
import { parseTargetList } from '../core/batchTargets';
import { keyProblem } from '../core/limits';
import { BATCH_JOURNAL_FILE, BATCH_SCHEME, COMMANDS } from '../constants';
import type { Ctx } from '../ctx';
import { BatchJournalFile, changedSinceCount, isPending, isResumable, journalRows, settleUndo, undoJournal, type BatchJournal } from '../db/batchJournal';
import { checkUndo, dryRunBatch, runBatch, type BatchProgress } from '../db/batchRunner';
import type { Gate } from '../gates/gateStore';
import { batchReviewApplies, describeBatchReview } from '../review/batchReviewText';
import type { TreeNode } from '../views/treeNodes';
import { askValue } from './entries';
import { pickGate } from './targets';
import { required, withProgress } from './ui';

/**
 * What Apply Change to Subscriptions… is for, when code (a test, a link) names it instead of the person choosing:
 * the gate, the subscriptions (ids, or a file of ids) and the change. Anything left out is asked.
 */
export interface ApplyChangeArgs {
  readonly idGate?: string;
  readonly idSubscriptions?: readonly string[];
  readonly file?: vscode.Uri;
  readonly change?: BatchChange;
  /** Aborting it is the progress notification's Cancel (automation, tests). */
  readonly signal?: AbortSignal;
}

/** How a batch command ended; the in-editor tests read it. */
export type BatchOutcome =
  | { readonly kind: 'nothingToDo'; readonly journal: BatchJournal }
  | { readonly kind: 'cancelled'; readonly journal: BatchJournal }
  | { readonly kind: 'ran'; readonly journal: BatchJournal; readonly cancelled: boolean };

/**
 * "LogUp: Apply Change to Subscriptions…": which subscriptions (the tree's selection, a gate's opened
 * subscriptions, or a file of ids), which change, then a dry run that writes nothing and shows its summary, one
 * review for the whole batch, and the run, each subscription through the store's save (src/db/batchRunner.ts).
 */
export async function applyChange(ctx: Ctx, arg?: TreeNode | ApplyChangeArgs, selected?: readonly TreeNode[]): Promise<BatchOutcome> {
  const args: ApplyChangeArgs = arg && 'kind' in arg ? {} : (arg ?? {});
  const unfinished = await unfinishedBatch(ctx);
  if (unfinished) return unfinished;
  const { gate, ids } = await targetsOf(ctx, arg && 'kind' in arg ? arg : undefined, selected, args);
  const change = args.change ? checked(checkChange(args.change)) : await askChange(ctx, gate, ids.length);
  const concurrency = ctx.settings.current.batchConcurrency;

  const journal = await withProgress(vscode.l10n.t('Dry run: reading {0} subscriptions of {1}…', ids.length, gate.label), async (signal, progress) => {
    const result = await dryRunBatch(ctx.store, gate.idGate, ids, change, { concurrency, signal, onProgress: reporter(progress) });
    if (signal.aborted) throw new vscode.CancellationError();
    return result;
  });
  ctx.log.info(`Batch ${journal.id}: dry run of ${ids.length} subscription(s) of ${gate.idGate}: ${totalsLine(journalRows(journal))}`);
  const summary = await showSummary(ctx, journal, gate, vscode.l10n.t('Dry run (nothing written)'));
  if (!journal.items.some((i) => i.state === 'change')) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to change: {0}.', totalsLine(journalRows(journal))));
    return { kind: 'nothingToDo', journal };
  }
  if (!(await reviewBatch(ctx, gate, journal, summary))) {
    ctx.log.info(`Batch ${journal.id}: cancelled in the review, nothing sent`);
    return { kind: 'cancelled', journal };
  }
  return run(ctx, gate, journal, concurrency, args.signal);
}

/**
 * A new batch would replace the journal of one that is not done (a Cancel, a reload, a crash), and with it Resume
 * Batch. So the person chooses first: resume that one, discard it (what it wrote stays written) or cancel.
 * Undefined: go on with the new batch.
 */
async function unfinishedBatch(ctx: Ctx): Promise<BatchOutcome | undefined> {
  const file = journalFile(ctx);
  const journal = await file.read();
  if (!journal || !isResumable(journal)) return undefined;
  const rows = journalRows(journal);
  const left = journal.items.filter(isPending).length;
  const gate = ctx.gates.get(journal.idGate);
  const resume = vscode.l10n.t('Resume It');
  const discard = vscode.l10n.t('Discard It and Start the New One');
  const choice = await ctx.modal.ask({
    id: 'batchUnfinished',
    severity: 'warning',
    message: vscode.l10n.t('A batch change on {0} is not finished: {1} of {2} subscriptions are not done.', gate?.label ?? journal.idGate, left, rows.length),
    detail: [
      vscode.l10n.t('Change: {0}', describeBatchChange(journal.change).join('; ')),
      totalsLine(rows),
      vscode.l10n.t('A new batch replaces it, and "LogUp: Resume Batch" can no longer finish it. What it wrote already stays written.'),
    ].join('\n'),
    actions: [resume, discard],
  });
  if (choice === resume) return (await resumeBatch(ctx)) ?? { kind: 'cancelled', journal };
  if (choice !== discard) return { kind: 'cancelled', journal };
  await file.clear();
  ctx.log.info(`Batch ${journal.id}: discarded unfinished (${totalsLine(rows)}) for a new batch`);
  return undefined;
}

/** "LogUp: Resume Batch": the last batch's subscriptions not yet done, after a reload, a crash or a Cancel. */
export async function resumeBatch(ctx: Ctx): Promise<BatchOutcome | undefined> {
  const journal = await journalFile(ctx).read();
  if (!journal || !isResumable(journal)) {
    void vscode.window.showInformationMessage(vscode.l10n.t('There is no batch change to resume: the last one finished, or none was started.'));
    return undefined;
  }
  const gate = ctx.gates.get(journal.idGate);
  if (!gate) throw new Error(vscode.l10n.t('The gate {0} of the interrupted batch is no longer added. Add it again with "LogUp: Add Gate", then resume.', journal.idGate));
  const summary = await showSummary(ctx, journal, gate, vscode.l10n.t('Interrupted batch (what is not done yet is planned)'));
  const pending: BatchRow[] = journalRows(journal).map((row) => (row.state === 'cancelled' ? { ...row, state: 'change' } : row));
  if (!(await reviewBatch(ctx, gate, { ...journal, items: pending.map((r) => ({ ...r })) }, summary))) return { kind: 'cancelled', journal };
  return run(ctx, gate, journal, ctx.settings.current.batchConcurrency);
}

/**
 * "LogUp: Undo Last Batch Change" (and Undo This Batch): each subscription the last batch changed gets its keys back,
 * by the per-write undo rule. First a check reads each one: keys still as the batch left them are planned back; keys
 * someone changed since are listed, and the person chooses once for the batch to skip them or write anyway. Then one
 * review for the whole undo, as for the batch, and the run (each save merges again, so a key changing meanwhile is a
 * conflict).
 */
export async function undoBatch(ctx: Ctx, args: { signal?: AbortSignal; batchId?: string } = {}): Promise<BatchOutcome | undefined> {
  const last = await journalFile(ctx).read();
  if (args.batchId !== undefined && last?.id !== args.batchId) {
    ctx.historyTree.refresh();
    void vscode.window.showInformationMessage(vscode.l10n.t('Only the last batch change can be undone as one, and this is not it any more: undo its writes one by one.'));
    return undefined;
  }
  if (!last || isResumable(last) || last.undoOf !== undefined) {
    void vscode.window.showInformationMessage(last && isResumable(last)
      ? vscode.l10n.t('The last batch change is not finished: run "LogUp: Resume Batch" first, then undo it.')
      : vscode.l10n.t('There is no batch change to undo: the last one was undone already, or none ran.'));
    return undefined;
  }
  const gate = ctx.gates.get(last.idGate);
  if (!gate) throw new Error(vscode.l10n.t('The gate {0} of the last batch is no longer added. Add it again with "LogUp: Add Gate", then undo.', last.idGate));
  const journal = undoJournal(last, randomUUID(), Date.now());
  if (journal.items.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('The last batch change wrote nothing, so there is nothing to undo.'));
    return { kind: 'nothingToDo', journal };
  }
  const concurrency = ctx.settings.current.batchConcurrency;
  await withProgress(vscode.l10n.t('Undo: reading the {0} subscriptions the batch changed…', journal.items.length), async (signal, progress) => {
    await checkUndo(ctx.store, journal, { concurrency, signal, onProgress: reporter(progress) });
    if (signal.aborted) throw new vscode.CancellationError();
  });
  let summary = await showSummary(ctx, journal, gate, vscode.l10n.t('Undo of the last batch (checked just now, nothing written)'));
  const changed = changedSinceCount(journal);
  if (changed.keys > 0) {
    const choice = await askAboutChangedSince(ctx, journal, changed, summary);
    if (choice === undefined) {
      ctx.log.info(`Batch ${last.id}: undo cancelled at the keys changed since, nothing sent`);
      return { kind: 'cancelled', journal };
    }
    settleUndo(journal, choice);
    ctx.log.info(`Batch ${last.id}: undo, ${changed.keys} key(s) changed since on ${changed.subscriptions} subscription(s): ${choice === 'skip' ? 'skipped' : 'written anyway'}`);
    // The same tab: what it said before the choice no longer holds.
    summary = await showSummary(ctx, journal, gate, choice === 'skip'
      ? vscode.l10n.t('Undo of the last batch (keys changed since are left as they are)')
      : vscode.l10n.t('Undo of the last batch (keys changed since are written anyway)'), summary);
  }
  if (!journal.items.some((i) => i.state === 'change')) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to undo: {0}.', totalsLine(journalRows(journal))));
    return { kind: 'nothingToDo', journal };
  }
  if (!(await reviewBatch(ctx, gate, journal, summary))) return { kind: 'cancelled', journal };
  return run(ctx, gate, journal, concurrency, args.signal);
}

/**
 * The undo's one question about keys someone changed since the batch: which (the first few, the summary has them
 * all), what each holds now and what undoing it would write, and the two ways on. Undefined: undo nothing.
 */
async function askAboutChangedSince(ctx: Ctx, journal: BatchJournal, { keys, subscriptions }: { keys: number; subscriptions: number }, summary: vscode.Uri): Promise<'skip' | 'overwrite' | undefined> {
  const shown = 8;
  const lines = journal.items.flatMap((i) => (i.changedSince ?? []).map((c) => `${i.idSubscription}: ${describeKeyChange(c)}`));
  const listed = [...lines.slice(0, shown), ...(lines.length > shown ? [vscode.l10n.t('… and {0} more (Show Summary lists them all)', lines.length - shown)] : [])];
  const others = journal.items.filter((i) => i.state === 'change' && (i.changes?.length ?? 0) > 0).length;
  const skip = keys === 1 ? vscode.l10n.t('Skip It') : vscode.l10n.t('Skip Them');
  const writeAnyway = vscode.l10n.t('Write Anyway');
  const show = vscode.l10n.t('Show Summary');
  const detail = [
    vscode.l10n.t('Now → before the batch:'),
    ...listed,
    '',
    others === 0
      ? vscode.l10n.t('{0}: leave what they changed as it is; nothing else is left to undo.', skip)
      : vscode.l10n.t('{0}: leave what they changed as it is, and undo the keys still as the batch left them (on {1} of {2} subscriptions).', skip, others, journal.items.length),
    vscode.l10n.t('{0}: put back the values from before the batch over the newer ones.', writeAnyway),
  ].join('\n');
  const only = subscriptions === 1 ? journal.items.find((i) => i.changedSince)?.idSubscription ?? '' : undefined;
  const message = only !== undefined
    ? keys === 1 ? vscode.l10n.t('1 key the batch wrote changed since, on {0}.', only) : vscode.l10n.t('{0} keys the batch wrote changed since, on {1}.', keys, only)
    : vscode.l10n.t('{0} keys the batch wrote changed since, on {1} subscriptions.', keys, subscriptions);
  for (;;) {
    const answer = await ctx.modal.ask({ id: 'undoBatchChangedKeys', severity: 'warning', message, detail, actions: [skip, writeAnyway, show] });
    if (answer === show) {
      await vscode.window.showTextDocument(summary, { preview: false });
      continue;
    }
    return answer === skip ? 'skip' : answer === writeAnyway ? 'overwrite' : undefined;
  }
}

/** Undo This Batch on a batch row of the History view: the same undo, only if that batch is still the last one. */
export async function undoThisBatch(ctx: Ctx, node: { batch?: { id?: unknown } } | undefined): Promise<BatchOutcome | undefined> {
  const batchId = node?.batch?.id;
  if (typeof batchId !== 'string') throw new Error(vscode.l10n.t('Choose Undo This Batch on a batch change in the LogUp History view.'));
  return undoBatch(ctx, { batchId });
}

async function run(ctx: Ctx, gate: Gate, journal: BatchJournal, concurrency: number, cancel?: AbortSignal): Promise<BatchOutcome> {
  const file = journalFile(ctx);
  const keys = new Set(journal.items.flatMap((i) => (i.changes ?? []).map((c) => c.key)));
  const approve = ctx.reviewer.approveBatch({ idGate: gate.idGate, idSubscriptions: new Set(journal.items.map((i) => i.idSubscription)), keys });
  let cancelled = false;
  try {
    await file.write(journal);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Applying the change to {0}…', gate.label), cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const onCancel = (): void => {
          cancelled = true;
          ctx.log.info(`Batch ${journal.id}: Cancel: no new subscription is started`);
          controller.abort();
        };
        const sub = token.onCancellationRequested(onCancel);
        cancel?.addEventListener('abort', onCancel, { once: true });
        try {
          await runBatch(ctx.store, journal, {
            concurrency,
            signal: controller.signal,
            onProgress: reporter(progress),
            persist: (j) => file.write(j),
            log: ctx.log,
          });
        } finally {
          sub.dispose();
        }
      },
    );
  } finally {
    approve();
    // Where every subscription ended, for the History view's batch row (its writes alone leave out the others).
    await ctx.history.recordBatch({
      id: journal.id, at: journal.createdAt, idGate: gate.idGate, environment: gate.environment, rows: journalRows(journal),
      ...(journal.undoOf !== undefined ? { undoOf: journal.undoOf } : {}),
    }).catch((error: unknown) => ctx.log.warn(`Batch ${journal.id}: not kept in the history: ${error instanceof Error ? error.message : String(error)}`));
    // Which batch Undo This Batch applies to follows the journal, written last.
    ctx.historyTree.refresh();
  }
  const rows = journalRows(journal);
  ctx.log.info(`Batch ${journal.id}: ${totalsLine(rows)}`);
  await showSummary(ctx, journal, gate, cancelled ? vscode.l10n.t('Result (cancelled: run "LogUp: Resume Batch" for the rest)') : vscode.l10n.t('Result'));
  const saveReport = vscode.l10n.t('Save Report as CSV…');
  const undo = vscode.l10n.t('Undo This Batch');
  const actions = journal.undoOf === undefined && rows.some((r) => wroteTo(r.state)) && !isResumable(journal) ? [saveReport, undo] : [saveReport];
  void vscode.window.showInformationMessage(vscode.l10n.t('Batch change on {0}: {1}.', gate.label, totalsLine(rows)), ...actions).then(async (choice) => {
    if (choice === undo) await vscode.commands.executeCommand(COMMANDS.undoBatch);
    if (choice !== saveReport) return;
    const document = await vscode.workspace.openTextDocument({ content: reportCsv(rows), language: 'plaintext' });
    await vscode.window.showTextDocument(document, { preview: false });
  });
  return { kind: 'ran', journal, cancelled };
}

/** The one review of the batch: production always, other environments as `logup.confirmWrites` says. */
async function reviewBatch(ctx: Ctx, gate: Gate, journal: BatchJournal, summary: vscode.Uri): Promise<boolean> {
  const { confirmWrites } = ctx.settings.current;
  if (!batchReviewApplies(confirmWrites, gate.environment)) return true;
  const { message, detail } = describeBatchReview(gate, journal.change, journalRows(journal), journal.undoOf !== undefined);
  const apply = vscode.l10n.t('Apply');
  const show = vscode.l10n.t('Show Summary');
  for (;;) {
    const choice = await ctx.modal.ask({ id: 'batchReview', severity: 'warning', message, detail, actions: [apply, show] });
    if (choice !== show) return choice === apply;
    await vscode.window.showTextDocument(summary, { preview: false });
  }
}

function reporter(progress: vscode.Progress<{ message?: string; increment?: number }>): (p: BatchProgress) => void {
  return ({ done, total, counts }) => {
    const rows: BatchRow[] = [...counts].flatMap(([state, n]) => Array.from({ length: n }, () => ({ idSubscription: '', state })));
    progress.report({ increment: 100 / Math.max(1, total), message: vscode.l10n.t('{0} of {1}: {2}', done, total, totalsLine(rows)) });
  };
}

// ---- which subscriptions ---------------------------------------------------------------------------------------

async function targetsOf(ctx: Ctx, node: TreeNode | undefined, selected: readonly TreeNode[] | undefined, args: ApplyChangeArgs): Promise<{ gate: Gate; ids: string[] }> {
  const nodes = selected && selected.length > 0 ? selected : node ? [node] : [];
  const subs = nodes.filter((n) => n.kind === 'subscription');
  const gateNode = nodes.find((n) => n.kind === 'gate');
  if (subs.length > 0) {
    const gates = new Set(subs.map((s) => s.idGate));
    if (gates.size > 1 || gateNode) throw new Error(vscode.l10n.t('Select subscriptions of one gate: a batch change is made on one gate at a time.'));
    const gate = await pickGate(ctx, subs[0]!.idGate);
    return { gate, ids: [...new Set(subs.map((s) => s.subscription.idSubscription))] };
  }
  if (gateNode) return { gate: gateNode.gate, ids: openedIds(ctx, gateNode.gate) };
  const gate = await pickGate(ctx, args.idGate, vscode.l10n.t('Apply a change to subscriptions of which gate?'));
  if (args.idSubscriptions) return { gate, ids: idsFromList(args.idSubscriptions.join('\n')) };
  if (args.file) return { gate, ids: idsFromList(await readText(args.file)) };
  const opened = ctx.opened.list(gate.idGate);
  const fromFile = { label: vscode.l10n.t('$(file) From a File…'), detail: vscode.l10n.t('One id a line, a CSV file with an "idSubscription" column, or a JSON array of ids') };
  const fromOpened = { label: vscode.l10n.t('$(list-flat) Opened Subscriptions of {0} ({1})', gate.label, opened.length), detail: vscode.l10n.t('Pick among the subscriptions this gate shows in the LogUp view') };
  const how = required(await vscode.window.showQuickPick(opened.length > 0 ? [fromOpened, fromFile] : [fromFile], { title: vscode.l10n.t('Which subscriptions?'), ignoreFocusOut: true }));
  if (how === fromFile) {
    const [file] = required(await vscode.window.showOpenDialog({ title: vscode.l10n.t('A file of subscription ids'), canSelectMany: false, filters: { [vscode.l10n.t('Lists of ids')]: ['txt', 'csv', 'json'] } }));
    if (!file) throw new vscode.CancellationError();
    return { gate, ids: idsFromList(await readText(file)) };
  }
  const picked = required(await vscode.window.showQuickPick(opened.map((s) => ({ label: s.idSubscription, picked: true })), {
    title: vscode.l10n.t('Subscriptions of {0} to change', gate.label), canPickMany: true, ignoreFocusOut: true,
  }));
  if (picked.length === 0) throw new vscode.CancellationError();
  return { gate, ids: picked.map((p) => p.label) };
}

function openedIds(ctx: Ctx, gate: Gate): string[] {
  const ids = ctx.opened.list(gate.idGate).map((s) => s.idSubscription);
  if (ids.length === 0) throw new Error(vscode.l10n.t('{0} shows no opened subscriptions. Open some first, or run "LogUp: Apply Change to Subscriptions…" from the palette with a file of ids.', gate.label));
  return ids;
}

function idsFromList(text: string): string[] {
  const result = parseTargetList(text);
  if (!result.ok) throw new Error(result.message);
  return [...result.list.ids];
}

async function readText(file: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
}

// ---- which change ----------------------------------------------------------------------------------------------

function checked(result: ReturnType<typeof checkChange>): BatchChange {
  if (!result.ok) throw new Error(result.message);
  return result.change;
}

async function askChange(ctx: Ctx, gate: Gate, count: number): Promise<BatchChange> {
  const set = { label: vscode.l10n.t('$(edit) Set a Key…'), detail: vscode.l10n.t('Give one key the same value everywhere (added where missing)') };
  const del = { label: vscode.l10n.t('$(trash) Delete a Key…'), detail: vscode.l10n.t('Remove one key wherever it is') };
  const rename = { label: vscode.l10n.t('$(symbol-key) Rename a Key…'), detail: vscode.l10n.t('Keep the value under a new name; a subscription that has the new key already is a conflict') };
  const file = { label: vscode.l10n.t('$(file) From a Change File…'), detail: '{"set": {"plan": "pro"}, "delete": ["trial"]}' };
  const kind = required(await vscode.window.showQuickPick([set, del, rename, file], {
    title: vscode.l10n.t('Change {0} subscriptions of {1}', count, gate.label), ignoreFocusOut: true,
  }));
  if (kind === file) {
    const [uri] = required(await vscode.window.showOpenDialog({ title: vscode.l10n.t('A change file'), canSelectMany: false, filters: { JSON: ['json'] } }));
    if (!uri) throw new vscode.CancellationError();
    const parsed = parseChangeFile(await readText(uri));
    if (!parsed.ok) throw new Error(parsed.message);
    ctx.log.info(`Batch change file ${uri.path.split('/').pop() ?? ''} read`);
    return parsed.change;
  }
  if (kind === rename) {
    const from = await askKey(vscode.l10n.t('Rename which key?'));
    const to = await askKey(vscode.l10n.t('Rename {0} to?', from));
    return checked(checkChange({ kind: 'rename', from, to }));
  }
  if (kind === del) return checked(checkChange({ kind: 'edit', set: [], delete: [await askKey(vscode.l10n.t('Delete which key?'))] }));
  const key = await askKey(vscode.l10n.t('Set which key?'));
  const value = await askValue(vscode.l10n.t('Value of {0}', key));
  return checked(checkChange({ kind: 'edit', set: [{ key, value }], delete: [] }));
}

async function askKey(title: string): Promise<string> {
  return required(await vscode.window.showInputBox({ title, ignoreFocusOut: true, validateInput: (v) => keyProblem(v)?.message }));
}

// ---- the summary document --------------------------------------------------------------------------------------

/** `logup-batch:/<batch id>/<n>/summary.txt`: read-only documents (a content provider has no save). */
class BatchDocuments implements vscode.TextDocumentContentProvider {
  readonly texts = new Map<string, string>();
  readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '';
  }
}

// One provider per Ctx, registered at the first batch and disposed with the extension.
const documents = new WeakMap<Ctx, BatchDocuments>();

/** Shows the summary of `journal` as a new read-only document, or as the new text of `replacing` (the same tab). */
async function showSummary(ctx: Ctx, journal: BatchJournal, gate: Gate, title: string, replacing?: vscode.Uri): Promise<vscode.Uri> {
  let docs = documents.get(ctx);
  if (!docs) {
    docs = new BatchDocuments();
    documents.set(ctx, docs);
    ctx.context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(BATCH_SCHEME, docs), docs.changed);
  }
  const heading = [
    `# ${vscode.l10n.t('LogUp batch change')}: ${title}`,
    vscode.l10n.t('Gate: {0} ({1}), {2}', gate.label, gate.idGate, gate.environment),
    vscode.l10n.t('Change: {0}', describeBatchChange(journal.change).join('; ')),
  ];
  const uri = replacing ?? vscode.Uri.from({ scheme: BATCH_SCHEME, path: `/${journal.id}/${docs.texts.size + 1}/summary.txt` });
  docs.texts.set(uri.path, summaryText(heading, journalRows(journal)));
  if (replacing) docs.changed.fire(replacing);
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

function journalFile(ctx: Ctx): BatchJournalFile {
  return new BatchJournalFile(join(ctx.context.globalStorageUri.fsPath, BATCH_JOURNAL_FILE));
}
