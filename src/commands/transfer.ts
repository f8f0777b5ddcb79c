import * as vscode from 'vscode';
import { serializeDb } from '../core/dbDocument';
import { plural } from '../core/limits';
import { isEmptyPlan, planSave, type SavePlan } from '../core/savePlan';
import type { Ctx } from '../ctx';
import type { SubscriptionRef } from '../db/subscriptionRef';
import { subscriptionFor, type SubscriptionArg } from './targets';
import { required, withProgress } from './ui';
import { checkImport, decodeImport, describeImport, listProblems, MAX_IMPORT_BYTES, tooLarge, type PlacedProblem } from '../core/importCheck';

/**
 * "Export DB…": the subscription's DB as the server holds it now, in the canonical form of the DB editor, to a
 * `.json` file the person picks. `target` skips the save dialog (automation, tests). Returns the file written.
 */
export async function exportDb(ctx: Ctx, arg?: SubscriptionArg, target?: vscode.Uri): Promise<vscode.Uri> {
  const ref = await subscriptionFor(ctx, arg, vscode.l10n.t('Export the DB of which subscription?'));
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const file = target ?? required(await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Export the DB of {0}', ref.idSubscription),
    saveLabel: vscode.l10n.t('Export'),
    filters: { JSON: ['json'] },
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${ref.idSubscription}.json`) } : {}),
  }));
  const { db } = await withProgress(vscode.l10n.t('Reading the DB of {0}…', ref.idSubscription), (signal) => ctx.store.read(ref, signal));
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(serializeDb(db)));
  ctx.log.info(`${ref.idSubscription}: DB exported (${plural(Object.keys(db).length, 'key')})`);
  const keys = Object.keys(db).length;
  const openFile = vscode.l10n.t('Open File');
  const exported = keys === 1
    ? vscode.l10n.t('Exported the DB of {0} (1 key) to {1}.', ref.idSubscription, fileName(file))
    : vscode.l10n.t('Exported the DB of {0} ({1} keys) to {2}.', ref.idSubscription, keys, fileName(file));
  void vscode.window.showInformationMessage(exported, openFile)
    .then((choice) => {
      if (choice === openFile) void vscode.window.showTextDocument(file, { preview: true });
    });
  return file;
}

/** What an import did; the in-editor tests read it. */
export type ImportOutcome =
  | { readonly kind: 'imported'; readonly plan: SavePlan }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'refused'; readonly problems: readonly PlacedProblem[]; readonly total: number };

/**
 * "Import DB…": the subscription's DB becomes exactly the content of a `.json` file: keys the file has are added or
 * changed, keys it does not have are deleted. The file passes the same checks as a save of the DB document (against
 * the server's DB now) and the write goes through the store like any save (plan, review, history); nothing is sent
 * before the person confirmed, nor when the file has a problem (they are listed with their line and column).
 * `source` skips the open dialog (automation, tests).
 */
export async function importDb(ctx: Ctx, arg?: SubscriptionArg, source?: vscode.Uri): Promise<ImportOutcome> {
  const ref = await subscriptionFor(ctx, arg, vscode.l10n.t('Import a file into which subscription?'));
  const file = source ?? required(await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Import a file into {0}', ref.idSubscription),
    openLabel: vscode.l10n.t('Import'),
    canSelectMany: false,
    filters: { JSON: ['json'] },
  }))[0];
  if (!file) throw new vscode.CancellationError();
  const name = fileName(file);
  const text = await readImport(file);


  // The request before the confirmation: the server's DB now, which the file is checked and planned against.
  const server = await withProgress(vscode.l10n.t('Reading the DB of {0}…', ref.idSubscription), (signal) => ctx.store.read(ref, signal));
  const checked = checkImport(text, server.db);
  if (!checked.ok) {
    await showProblems(ctx, file, checked.problems, checked.total);
    return { kind: 'refused', problems: checked.problems, total: checked.total };
  }
  ctx.importDiagnostics.clear(file);
  const plan = planSave(server.db, checked.db);
  if (isEmptyPlan(plan)) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to import: {0} already holds exactly the content of {1}.', ref.idSubscription, name));
    return { kind: 'unchanged' };
  }
  const confirmed = await ctx.modal.confirm(
    'importReplace',
    vscode.l10n.t('Replace the DB of {0} with the content of {1}?', ref.idSubscription, name),
    [vscode.l10n.t("The DB becomes exactly the file's content: keys the file does not have are deleted on the server."), '', ...describeImport(server.db, checked.db)].join('\n'),
    vscode.l10n.t('Import'),
  );
  if (!confirmed) {
    ctx.log.info(`${ref.idSubscription}: import of ${name} cancelled, nothing sent`);
    return { kind: 'cancelled' };
  }
  const result = await withProgress(vscode.l10n.t('Importing {0} into {1}…', name, ref.idSubscription), (signal) =>
    // base = the DB the confirmation showed: the whole difference to the file is the change to send. The save reads
    // the server again (the person took their time), so a key someone changed meanwhile is refused as a conflict
    // rather than overwritten, and the review and the history see the server as it is after the confirmation.
    ctx.store.save(ref, { base: server.db, edited: checked.db, origin: 'import', signal }));
  announce(ref, name, result.plan);
  return { kind: 'imported', plan: result.plan };
}

function announce(ref: SubscriptionRef, name: string, plan: SavePlan): void {
  const deleted = plan.deleteKeys.length;
  const put = plan.putEntries.length;
  void vscode.window.showInformationMessage(vscode.l10n.t('Imported {0} into {1}. Keys added or changed: {2}. Keys deleted: {3}.', name, ref.idSubscription, put, deleted));
}

/**
 * The problems with their places, in a modal (nothing was sent) and in the Problems view (the first of them, when
 * there are `total` in all); "Open File" shows the first.
 */
async function showProblems(ctx: Ctx, file: vscode.Uri, problems: readonly PlacedProblem[], total: number): Promise<void> {
  const name = fileName(file);
  ctx.importDiagnostics.set(file, problems);
  ctx.log.info(`Import of ${name} refused: ${plural(total, 'problem')}, nothing sent`);
  const message = total === 1
    ? vscode.l10n.t('Nothing was imported: {0} has a problem.', name)
    : vscode.l10n.t('Nothing was imported: {0} has {1} problems.', name, total);
  const openFile = vscode.l10n.t('Open File');
  const choice = await ctx.modal.ask({ id: 'importProblems', severity: 'error', message, detail: listProblems(name, problems, 8, total), actions: [openFile] });
  const [first] = problems;
  if (choice !== openFile || !first) return;
  const editor = await vscode.window.showTextDocument(file, { preview: false });
  const position = new vscode.Position(first.line - 1, first.column - 1);
  editor.selection = new vscode.Selection(position, position);
  editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/**
 * The file's text: what its editor shows when it is open (fixes need no save), else the file as UTF-8. Either way
 * a text over MAX_IMPORT_BYTES (in UTF-8) is refused before it is checked.
 */
async function readImport(file: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
  const cannotRead = (message: string): Error => new Error(`${vscode.l10n.t('Nothing was imported: {0} cannot be read.', fileName(file))} ${message}`);
  if (open) {
    const text = open.getText();
    const size = Buffer.byteLength(text, 'utf8');
    if (size > MAX_IMPORT_BYTES) throw cannotRead(tooLarge(size));
    return text;
  }
  const { size } = await vscode.workspace.fs.stat(file);
  const problem = size > MAX_IMPORT_BYTES ? tooLarge(size) : undefined;
  const decoded = problem ? { ok: false as const, message: problem } : decodeImport(await vscode.workspace.fs.readFile(file));
  if (!decoded.ok) throw cannotRead(decoded.message);
  return decoded.text;
}

function fileName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}
