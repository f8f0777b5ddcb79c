// The base of a save is the DB the editor's document was built on (docs/architecture.md, "The save path"): reviewing before saving, a document
// that outlives its extension host, and a folder's own settings must never make a save revert a colleague's change.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import { serializeDb } from '../../src/core/dbDocument';
import type { Db } from '../../src/core/db';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { calls, closeAllEditors, extensionCtx, openDbEditor, removeAllGates, removeGate, removeWorkspaceSettings, replaceText, waitFor, writeWorkspaceSettings } from './helpers';

const idGate = DEMO_GATE.idGate;

suite('The base of a save: what the editor holds', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  let n = 0;
  const fresh = (db: Db): { idGate: string; idSubscription: string } => {
    const ref = { idGate, idSubscription: `sub_base${++n}` };
    sandbox.setDb(idGate, ref.idSubscription, db);
    return ref;
  };
  const server = (ref: { idSubscription: string }): Db | undefined => sandbox.getDb(idGate, ref.idSubscription);
  const writes = (): ReturnType<typeof calls> => calls(sandbox).filter((c) => c.route !== 'getDb');

  suiteSetup(async () => {
    sandbox = await startSandbox();
    ctx = await extensionCtx();
    await removeAllGates(ctx);
    assert.ok(await vscode.commands.executeCommand(COMMANDS.addGate, { idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'sandbox' }));
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    await removeWorkspaceSettings();
    if (ctx) await removeGate(ctx, idGate);
    await sandbox?.close();
  });

  teardown(async () => {
    await closeAllEditors();
  });

  test("Compare with Saved before saving: the save keeps the colleague's change it showed", async () => {
    const ref = fresh({ a: 1, b: 1 });
    const editor = await openDbEditor(ref);
    await replaceText(editor, serializeDb({ a: 2, b: 1 }));
    sandbox.setDb(idGate, ref.idSubscription, { a: 1, b: 5 }); // a colleague sets b
    await vscode.commands.executeCommand('workbench.files.action.compareWithSaved');
    const theirs = serializeDb({ a: 1, b: 5 });
    await waitFor('the diff to show the server', () => (vscode.workspace.textDocuments.some((d) => d.uri.scheme !== 'logup' && d.getText() === theirs) ? true : undefined));
    await vscode.window.showTextDocument(editor.document);
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true);
    assert.deepEqual(writes(), [{ route: 'putDb', status: 200, body: { data: [{ key: 'a', value: 2 }] } }], 'only my change is sent');
    assert.deepEqual(server(ref), { a: 2, b: 5 }, "the colleague's b survives");
  });

  test("another extension's workspace.fs.readFile of a dirty document does not move its base", async () => {
    const ref = fresh({ a: 1, b: 1 });
    const editor = await openDbEditor(ref);
    await replaceText(editor, serializeDb({ a: 2, b: 1 }));
    sandbox.setDb(idGate, ref.idSubscription, { a: 1, b: 5 });
    const read = new TextDecoder().decode(await vscode.workspace.fs.readFile(editor.document.uri));
    assert.equal(read, serializeDb({ a: 1, b: 5 }));
    assert.ok(editor.document.isDirty, 'the document keeps my text');
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true);
    assert.deepEqual(server(ref), { a: 2, b: 5 }, "the colleague's b survives");
  });

  test('a dirty document restored into a new extension host: saving shows Compare / Overwrite instead of replacing the DB', async () => {
    const ref = fresh({ a: 1, b: 1 });
    const editor = await openDbEditor(ref);
    await replaceText(editor, serializeDb({ a: 2, b: 1 }));
    // A window reload with hot exit: VS Code restores the text; the new extension host never loaded the document.
    ctx.fileSystem.forgetDocumentsForTests();
    assert.equal(ctx.fileSystem.baseOf(editor.document.uri), undefined);
    sandbox.setDb(idGate, ref.idSubscription, { a: 1, b: 5 });
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), false, 'VS Code asks: Compare or Overwrite');
    assert.deepEqual(writes(), [], 'nothing written');
    assert.deepEqual(server(ref), { a: 1, b: 5 }, "the colleague's b is still there");
    assert.ok(editor.document.isDirty, 'the text stays');
    // Revert takes the server's DB as the base again; the next change saves as usual.
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor('the base after Revert', () => (ctx.fileSystem.baseOf(editor.document.uri)?.['b'] === 5 ? true : undefined));
    await replaceText(editor, serializeDb({ a: 2, b: 5 }));
    assert.equal(await editor.document.save(), true);
    assert.deepEqual(server(ref), { a: 2, b: 5 });
  });

  test("a folder's [logup-db] files.autoSave afterDelay writes nothing: the tab stays dirty, the status bar says why; Ctrl+S writes", async () => {
    await writeWorkspaceSettings({ 'files.autoSaveDelay': 300, '[logup-db]': { 'files.autoSave': 'afterDelay', 'files.autoSaveDelay': 300 } });
    const shown: string[] = [];
    const original = vscode.window.setStatusBarMessage;
    (vscode.window as { setStatusBarMessage: unknown }).setStatusBarMessage = (text: string, ...rest: unknown[]) => {
      shown.push(text);
      return (original as (...a: unknown[]) => vscode.Disposable)(text, ...rest);
    };
    try {
      const ref = fresh({ a: 1, b: 1 });
      const editor = await openDbEditor(ref);
      sandbox.clearJournal();
      await replaceText(editor, serializeDb({ a: 2, b: 1 }));
      await new Promise((r) => setTimeout(r, 2500));
      assert.ok(editor.document.isDirty, 'still dirty after the delay');
      assert.deepEqual(calls(sandbox), [], 'no request at all');
      assert.ok(shown.some((m) => /never auto-saved.*Ctrl\+S/.test(m)), `the status bar says why: ${JSON.stringify(shown)}`);
      assert.deepEqual(server(ref), { a: 1, b: 1 });
      assert.equal(await editor.document.save(), true, 'Ctrl+S saves');
      assert.deepEqual(server(ref), { a: 2, b: 1 });
    } finally {
      (vscode.window as { setStatusBarMessage: unknown }).setStatusBarMessage = original;
      await removeWorkspaceSettings();
    }
  });

  test("a folder's files.saveConflictResolution overwriteFileOnDisk forces only the keys in conflict", async () => {
    await writeWorkspaceSettings({ '[logup-db]': { 'files.saveConflictResolution': 'overwriteFileOnDisk' } });
    try {
      const ref = fresh({ a: 1, b: 1, c: 1 });
      const editor = await openDbEditor(ref);
      await replaceText(editor, serializeDb({ a: 2, b: 2, c: 1 }));
      sandbox.setDb(idGate, ref.idSubscription, { a: 1, b: 5, c: 5 }); // a colleague sets b (a conflict) and c
      sandbox.clearJournal();
      assert.equal(await editor.document.save(), true, 'VS Code does not ask, as the folder says');
      assert.deepEqual(writes(), [{ route: 'putDb', status: 200, body: { data: [{ key: 'a', value: 2 }, { key: 'b', value: 2 }] } }]);
      assert.deepEqual(server(ref), { a: 2, b: 2, c: 5 }, "my a and b; the colleague's c stays");
    } finally {
      await removeWorkspaceSettings();
    }
  });
});
