import * as vscode from 'vscode';
import { serializeDb } from '../core/dbDocument';
import { plural } from '../core/limits';
import { isEmptyPlan, planSave, type SavePlan } from '../core/savePlan';
import type { Ctx } from '../ctx';
import type { SubscriptionRef } from '../db/subscriptionRef';
import { subscriptionFor } from '../commands/find';
import type { SubscriptionArg } from '../commands/subscriptions';
import { required, withProgress } from '../commands/ui';
import { checkImport, decodeImport, describeImport, listProblems, MAX_IMPORT_BYTES, tooLarge, type PlacedProblem } from './importCheck';

/**
 * "Export DB…": the subscription's DB as the server holds it now, in the canonical form of the DB editor, to a
 * `.json` file the person picks. `target` skips the save dialog (automation, tests). Returns the file written.
 */
export async function exportDb(ctx: Ctx, arg?: SubscriptionArg, target?: vscode.Uri): Promise<vscode.Uri> {
  const ref = await subscriptionFor(ctx, arg, 'Export the DB of which subscription?');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const file = target ?? required(await vscode.window.showSaveDialog({
    title: `Export the DB of ${ref.idSubscription}`,
    saveLabel: 'Export',
    filters: { JSON: ['json'] },
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${ref.idSubscription}.json`) } : {}),
  }));
  const { db } = await withProgress(`Reading the DB of ${ref.idSubscription}…`, (signal) => ctx.store.read(ref, signal));
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(serializeDb(db)));
  ctx.log.info(`${ref.idSubscription}: DB exported (${plural(Object.keys(db).length, 'key')})`);
  void vscode.window.showInformationMessage(`Exported the DB of ${ref.idSubscription} (${plural(Object.keys(db).length, 'key')}) to ${fileName(file)}.`, 'Open File')
    .then((choice) => {
      if (choice === 'Open File') void vscode.window.showTextDocument(file, { preview: true });
    });
  return file;
}

/** What an import did; the in-editor tests read it. */
export type ImportOutcome =
  | { readonly kind: 'imported'; readonly plan: SavePlan }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'refused'; readonly problems: readonly PlacedProblem[] };

/**
 * "Import DB…": the subscription's DB becomes exactly the content of a `.json` file: keys the file has are added or
 * changed, keys it does not have are deleted. The file passes the same checks as a save of the DB document (against
 * the server's DB now) and the write goes through the store like any save (plan, review, history); nothing is sent
 * before the person confirmed, nor when the file has a problem (they are listed with their line and column).
 * `source` skips the open dialog (automation, tests).
 */
export async function importDb(ctx: Ctx, arg?: SubscriptionArg, source?: vscode.Uri): Promise<ImportOutcome> {
  const ref = await subscriptionFor(ctx, arg, 'Import a file into which subscription?');
  const file = source ?? required(await vscode.window.showOpenDialog({
    title: `Import a file into ${ref.idSubscription}`,
    openLabel: 'Import',
    canSelectMany: false,
    filters: { JSON: ['json'] },
  }))[0];
  if (!file) throw new vscode.CancellationError();
  const name = fileName(file);
  const text = await readImport(file);


  // The one request before the confirmation: the server's DB now, which the file is checked and planned against.
  const server = await withProgress(`Reading the DB of ${ref.idSubscription}…`, (signal) => ctx.store.read(ref, signal));
  const checked = checkImport(text, server.db);
  if (!checked.ok) {
    await showProblems(ctx, file, checked.problems);
    return { kind: 'refused', problems: checked.problems };
  }
  ctx.importDiagnostics.clear(file);
  const plan = planSave(server.db, checked.db);
  if (isEmptyPlan(plan)) {
    void vscode.window.showInformationMessage(`Nothing to import: ${ref.idSubscription} already holds exactly the content of ${name}.`);
    return { kind: 'unchanged' };
  }
  const confirmed = await ctx.modal.confirm(
    `Replace the DB of ${ref.idSubscription} with the content of ${name}?`,
    [`The DB becomes exactly the file's content: keys the file does not have are deleted on the server.`, '', ...describeImport(server.db, checked.db)].join('\n'),
    'Import',
  );
  if (!confirmed) {
    ctx.log.info(`${ref.idSubscription}: import of ${name} cancelled, nothing sent`);
    return { kind: 'cancelled' };
  }
  const result = await withProgress(`Importing ${name} into ${ref.idSubscription}…`, (signal) =>
    // base = the server's DB now: the whole difference to the file is the change to send.
    ctx.store.save(ref, { base: server.db, edited: checked.db, server, origin: 'import', signal }));
  announce(ref, name, result.plan);
  return { kind: 'imported', plan: result.plan };
}

function announce(ref: SubscriptionRef, name: string, plan: SavePlan): void {
  const deleted = plan.deleteKeys.length;
  const put = plan.putEntries.length;
  void vscode.window.showInformationMessage(
    `Imported ${name} into ${ref.idSubscription}: ${plural(put, 'key')} added or changed, ${plural(deleted, 'key')} deleted.`,
  );
}

/** Every problem with its place, in a modal (nothing was sent) and in the Problems view; "Open File" shows the first. */
async function showProblems(ctx: Ctx, file: vscode.Uri, problems: readonly PlacedProblem[]): Promise<void> {
  const name = fileName(file);
  ctx.importDiagnostics.set(file, problems);
  ctx.log.info(`Import of ${name} refused: ${plural(problems.length, 'problem')}, nothing sent`);
  const message = problems.length === 1
    ? `Nothing was imported: ${name} has a problem.`
    : `Nothing was imported: ${name} has ${problems.length} problems.`;
  const choice = await ctx.modal.ask({ severity: 'error', message, detail: listProblems(name, problems), actions: ['Open File'] });
  const [first] = problems;
  if (choice !== 'Open File' || !first) return;
  const editor = await vscode.window.showTextDocument(file, { preview: false });
  const position = new vscode.Position(first.line - 1, first.column - 1);
  editor.selection = new vscode.Selection(position, position);
  editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

/** The file's text: what its editor shows when it is open (fixes need no save), else the file as UTF-8. */
async function readImport(file: vscode.Uri): Promise<string> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
  if (open) return open.getText();
  const { size } = await vscode.workspace.fs.stat(file);
  const problem = size > MAX_IMPORT_BYTES ? tooLarge(size) : undefined;
  const decoded = problem ? { ok: false as const, message: problem } : decodeImport(await vscode.workspace.fs.readFile(file));
  if (!decoded.ok) throw new Error(`Nothing was imported: ${fileName(file)} cannot be read. ${decoded.message}`);
  return decoded.text;
}

function fileName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}
