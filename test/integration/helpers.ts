import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS, EXTENSION_ID } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import type { ModalQuestion } from '../../src/dialogs/modal';
import type { JournalEntry, SandboxHandle } from '../../src/sandbox/sandbox';
import { dbUri } from '../../src/db/subscriptionFileSystem';
import type { SubscriptionRef } from '../../src/db/subscriptionRef';

/** The running extension's owner object (handed out only in test mode). */
export async function extensionCtx(): Promise<Ctx> {
  const extension = vscode.extensions.getExtension<Ctx | undefined>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  const ctx = await extension.activate();
  assert.ok(ctx, 'the extension hands its context to tests (ExtensionMode.Test)');
  return ctx;
}

/** Polls until `check` returns a value that is not undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The journal's write calls (and GETs) since it was cleared, in a form easy to compare. */
export function calls(sandbox: SandboxHandle): { route: string; body?: unknown; status: number }[] {
  return sandbox.journal
    .filter((e: JournalEntry) => e.route !== 'token' && e.route !== 'control')
    .map((e) => ({ route: e.route, status: e.status, ...(e.body === undefined ? {} : { body: e.body }) }));
}

/**
 * `list` with the DELETE and the PUT of each save in the order its plan names them (PUT, then DELETE): a save that
 * sends both side by side sends them on two connections, and either may reach the server first (src/db/writeCalls.ts).
 * Not for a save at the 20-key cap, whose DELETE must come first: a test of that must see the order.
 */
export function putThenDelete<T extends { route: string }>(list: readonly T[]): T[] {
  const out = [...list];
  for (let i = 0; i + 1 < out.length; i++) {
    if (out[i]!.route === 'deleteDb' && out[i + 1]!.route === 'putDb') [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
  }
  return out;
}

/** Opens the DB document of a subscription in an editor. */
export async function openDbEditor(ref: SubscriptionRef): Promise<vscode.TextEditor> {
  const editor = await vscode.commands.executeCommand<vscode.TextEditor>('logup.openDb', ref);
  assert.ok(editor, 'logup.openDb returns the editor');
  assert.equal(editor.document.uri.toString(), dbUri(ref).toString());
  return editor;
}

/** Replaces the whole text of an editor as a person would by typing (the document becomes dirty). */
export async function replaceText(editor: vscode.TextEditor, text: string): Promise<void> {
  const document = editor.document;
  const whole = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
  const ok = await editor.edit((b) => b.replace(whole, text));
  assert.ok(ok, 'the edit applies');
  assert.ok(document.isDirty, 'the document is dirty after the edit');
}

/** Closes every editor without saving, so one test's dirty document does not leak into the next. */
export async function closeAllEditors(): Promise<void> {
  for (const document of vscode.workspace.textDocuments) {
    if (document.uri.scheme === 'logup' && document.isDirty) {
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Runs `work` while warnings (and the modals shown with showWarningMessage) are recorded instead of shown; each is
 * answered with `undefined`, as if dismissed. Returns the messages in order.
 */
export async function captureWarnings(work: () => Thenable<unknown> | Promise<unknown>): Promise<string[]> {
  const messages: string[] = [];
  const original = vscode.window.showWarningMessage;
  (vscode.window as { showWarningMessage: unknown }).showWarningMessage = (message: string) => {
    messages.push(message);
    return Promise.resolve(undefined);
  };
  try {
    await work();
  } finally {
    (vscode.window as { showWarningMessage: unknown }).showWarningMessage = original;
  }
  return messages;
}

function workspaceSettingsUri(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  return vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json');
}

/**
 * Writes the folder's .vscode/settings.json as a cloned repository would bring it, plus a workspace-scoped marker
 * (editor.tabSize) whose arrival proves VS Code has read the file.
 */
export async function writeWorkspaceSettings(settings: Record<string, unknown>): Promise<void> {
  const text = JSON.stringify({ ...settings, 'editor.tabSize': 7 }, null, 2);
  await vscode.workspace.fs.writeFile(workspaceSettingsUri(), new TextEncoder().encode(text));
  await waitFor('the workspace settings to be read', () => (vscode.workspace.getConfiguration('editor').get('tabSize') === 7 ? true : undefined));
}

export async function removeWorkspaceSettings(): Promise<void> {
  const uri = workspaceSettingsUri();
  try {
    await vscode.workspace.fs.delete(uri);
  } catch {
    return; // never written
  }
  await waitFor('the workspace settings to be dropped', () => (vscode.workspace.getConfiguration('editor').get('tabSize') !== 7 ? true : undefined));
}

/**
 * Runs `work` with every modal question answered by `answer` through the one seam the extension asks them by
 * (ctx.modal, src/dialogs/modal.ts), then puts back whatever answered before. Returns the questions asked, in order.
 */
export async function answering(ctx: Ctx, answer: (q: ModalQuestion) => string | undefined, work: () => Thenable<unknown> | Promise<unknown>): Promise<ModalQuestion[]> {
  const asked: ModalQuestion[] = [];
  const before = ctx.modal.ask;
  ctx.modal.ask = async (q) => {
    asked.push(q);
    return answer(q);
  };
  try {
    await work();
  } finally {
    ctx.modal.ask = before;
  }
  return asked;
}

/** The button of the question's one action: what a person who confirms clicks. */
export const confirm = (q: ModalQuestion): string | undefined => q.actions[0];

/** "LogUp: Remove Gate" of `idGate`, confirmed. */
export async function removeGate(ctx: Ctx, idGate: string): Promise<void> {
  const asked = await answering(ctx, (q) => (q.id === 'removeGate' ? confirm(q) : undefined), () => vscode.commands.executeCommand(COMMANDS.removeGate, { idGate }));
  assert.deepEqual(asked.map((q) => q.id), ['removeGate'], 'Remove Gate asks once');
}

/** Removes every gate the extension holds (a suite's clean start and end), each as a person confirms it. */
export async function removeAllGates(ctx: Ctx): Promise<void> {
  for (const gate of ctx.gates.list()) await removeGate(ctx, gate.idGate);
}

/** What a person chooses in the write review. */
export type ReviewAnswer = 'save' | 'diff' | 'cancel';

/** The review's button for `answer` (the suite runs in English), or undefined for Cancel. */
export function reviewButton(answer: ReviewAnswer): string | undefined {
  return answer === 'save' ? 'Save' : answer === 'diff' ? 'Show Diff' : undefined;
}
