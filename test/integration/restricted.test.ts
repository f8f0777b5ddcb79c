import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { serializeDb } from '../../src/core/dbDocument';
import type { Db } from '../../src/core/db';
import { DEMO_GATE, DEMO_LOGUP_TOKENS } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import type { VerifyTokenResult } from '../../src/commands/verifyToken';
import { closeAllEditors, extensionCtx, openDbEditor, removeGate, replaceText } from './helpers';

// Runs only in the harness's restricted-mode run (workspace trust on, folder untrusted): the manifest declares
// untrustedWorkspaces.supported = true, so everything must work there, and nothing may come from the workspace.
const TOKEN = DEMO_LOGUP_TOKENS[1]!;
const ref = { idGate: DEMO_GATE.idGate, idSubscription: TOKEN.idSubscription };

suite('Restricted Mode (an untrusted workspace)', () => {
  let sandbox: SandboxHandle;

  suiteSetup(async () => {
    sandbox = await startSandbox();
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    await sandbox?.close();
  });

  test('this run really is in Restricted Mode', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is untrusted');
  });

  test('the extension activates and its commands are there, as the manifest declares', async () => {
    const ctx = await extensionCtx();
    assert.ok(ctx);
    const all = await vscode.commands.getCommands(true);
    for (const id of ['logup.addGate', 'logup.verifyToken', 'logup.openDb']) assert.ok(all.includes(id), id);
  });

  test('add a gate, verify a token, edit and save the DB: the whole flow works untrusted', async () => {
    const ctx = await extensionCtx();
    const gate = await vscode.commands.executeCommand('logup.addGate', { idGate: DEMO_GATE.idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'sandbox' });
    assert.ok(gate, ctx.lastError);
    const result = await vscode.commands.executeCommand<VerifyTokenResult>('logup.verifyToken', { input: TOKEN.logupToken, idGate: DEMO_GATE.idGate });
    assert.ok(result?.verification.verified);

    const editor = await openDbEditor(ref);
    const edited: Db = { ...sandbox.getDb(ref.idGate, ref.idSubscription)!, restricted: true };
    await replaceText(editor, serializeDb(edited));
    assert.equal(await editor.document.save(), true);
    assert.deepEqual(sandbox.getDb(ref.idGate, ref.idSubscription), edited);
    await removeGate(ctx, DEMO_GATE.idGate);
    assert.equal(await ctx.gates.secretKey(DEMO_GATE.idGate), undefined);
  });
});
