import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { STATE_GATES, STATE_OPENED } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import { serializeDb } from '../../src/core/dbDocument';
import type { Db } from '../../src/core/db';
import { DEMO_GATE, DEMO_LOGUP_TOKENS, DEMO_INVALID_LOGUP_TOKEN } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import type { VerifyTokenResult } from '../../src/commands/verifyToken';
import type { TreeNode } from '../../src/views/treeNodes';
import { answering, calls, closeAllEditors, confirm, extensionCtx, openDbEditor, removeAllGates, removeGate, replaceText, waitFor } from './helpers';

const ALPHA_TOKEN = DEMO_LOGUP_TOKENS[0]!;
const idGate = DEMO_GATE.idGate;
const alpha = { idGate, idSubscription: ALPHA_TOKEN.idSubscription };

suite('LogUp extension in a real VS Code', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;

  suiteSetup(async () => {
    sandbox = await startSandbox();
    ctx = await extensionCtx();
    await removeAllGates(ctx);
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    await sandbox?.close();
  });

  teardown(async () => {
    await closeAllEditors();
    sandbox.clearFaults();
  });

  test('contributes its commands, with "LogUp: Verify Token" in the palette', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['logup.addGate', 'logup.removeGate', 'logup.verifyToken', 'logup.openSubscriptionById', 'logup.openDb', 'logup.revertToServer', 'logup.showLog']) {
      assert.ok(all.includes(id), `${id} is registered`);
    }
    const manifest = vscode.extensions.getExtension('logup-tools.logup-vscode')!.packageJSON as { contributes: { commands: { command: string; title: string; category: string }[] } };
    const verify = manifest.contributes.commands.find((c) => c.command === 'logup.verifyToken');
    assert.equal(`${verify?.category}: ${verify?.title}`, 'LogUp: Verify Token');
  });

  test('wrong credentials are refused and nothing is saved', async () => {
    const added = await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: 'not-the-secret', baseUrl: sandbox.url, environment: 'sandbox' });
    assert.equal(added, undefined);
    assert.equal(ctx.gates.get(idGate), undefined, 'no gate saved');
    assert.equal(await ctx.gates.secretKey(idGate), undefined, 'no secret saved');
    assert.match(ctx.lastError ?? '', /refused/i);
    assert.ok(!(ctx.lastError ?? '').includes('not-the-secret'), 'the secret is not in the message');
  });

  test('an insecure base URL is refused before any request', async () => {
    sandbox.clearJournal();
    await vscode.commands.executeCommand('logup.addGate', { idGate: 'gate_x', secretKey: 's3cret-value', baseUrl: 'http://example.com/v1_0' });
    assert.equal(ctx.gates.get('gate_x'), undefined);
    assert.match(ctx.lastError ?? '', /https/);
    assert.equal(sandbox.journal.length, 0);
  });

  test('Add Gate checks the credentials, keeps the secret only in SecretStorage', async () => {
    sandbox.clearJournal();
    const gate = await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'sandbox' });
    assert.ok(gate, 'the gate is added');
    assert.equal(sandbox.count('token'), 1, 'one token request checked the credentials');
    assert.equal(await ctx.gates.secretKey(idGate), DEMO_GATE.secretKey);
    const state = JSON.stringify(ctx.context.globalState.keys().map((k) => ctx.context.globalState.get(k)));
    assert.ok(state.includes(idGate), 'the gate metadata is in globalState');
    assert.ok(!state.includes(DEMO_GATE.secretKey), 'the secret is not in globalState');
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('logup')).includes(DEMO_GATE.secretKey), 'nor in settings');
  });

  test('Verify Token takes a whole redirect URL and adds the subscription to the tree', async () => {
    sandbox.clearJournal();
    const url = `https://site.example/after-login?logupToken=${encodeURIComponent(ALPHA_TOKEN.logupToken)}&isNewUser=true`;
    const result = await vscode.commands.executeCommand<VerifyTokenResult>('logup.verifyToken', { input: url });
    assert.ok(result?.verification.verified);
    assert.equal(result.verification.idSubscription, ALPHA_TOKEN.idSubscription);
    assert.equal(result.verification.idActor, ALPHA_TOKEN.idActor);
    assert.equal(result.isNewUser, true);
    assert.deepEqual(sandbox.journal.filter((e) => e.route === 'verification').map((e) => e.body), [{ logupToken: ALPHA_TOKEN.logupToken }]);

    const gates = await ctx.tree.getChildren();
    assert.deepEqual(gates.map((g) => g.kind === 'gate' && g.gate.idGate), [idGate]);
    const subs = await ctx.tree.getChildren(gates[0]);
    const sub = subs.find((s) => s.kind === 'subscription' && s.subscription.idSubscription === ALPHA_TOKEN.idSubscription);
    assert.ok(sub, 'the verified subscription is in the tree');
    assert.equal(ctx.tree.getTreeItem(sub).description, ALPHA_TOKEN.idActor);
    const entries = await ctx.tree.getChildren(sub);
    const db = sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription)!;
    assert.deepEqual(entries.map(labelOf), Object.keys(db).sort());
    const age = entries.find((e) => e.kind === 'entry' && e.key === 'age')!;
    assert.equal(ctx.tree.getTreeItem(age).description, JSON.stringify(db.age));
    assert.deepEqual(ctx.context.globalState.get(STATE_OPENED), { [idGate]: [{ idSubscription: ALPHA_TOKEN.idSubscription, idActor: ALPHA_TOKEN.idActor }] }, 'the list is persisted');
  });

  test('an unknown token is reported as not verified and adds nothing', async () => {
    const before = ctx.opened.list(idGate).length;
    const result = await vscode.commands.executeCommand<VerifyTokenResult>('logup.verifyToken', { input: DEMO_INVALID_LOGUP_TOKEN });
    assert.equal(result?.verification.verified, false);
    assert.match(result.verification.errorMessage ?? '', /INVALID_LOGUP_TOKEN/);
    assert.equal(ctx.opened.list(idGate).length, before);
  });

  test('Open Subscription by ID adds it; an unknown id is refused', async () => {
    await vscode.commands.executeCommand('logup.openSubscriptionById', { idGate, idSubscription: 'sub_beta' });
    assert.ok(ctx.opened.has(idGate, 'sub_beta'));
    await vscode.commands.executeCommand('logup.openSubscriptionById', { idGate, idSubscription: 'sub_nobody' });
    assert.ok(!ctx.opened.has(idGate, 'sub_nobody'));
    assert.match(ctx.lastError ?? '', /404|not found/i);
  });

  test('the DB opens as canonical JSON and a save sends exactly one DELETE and one PUT', async () => {
    const editor = await openDbEditor(alpha);
    const server = sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription)!;
    assert.equal(editor.document.getText(), serializeDb(server));
    assert.equal(editor.document.languageId, 'logup-db', 'its own language keeps auto-save away (docs/harness.md, H18)');

    const edited: Db = { ...server, country: 'spain', score: 7 };
    delete edited.plan;
    await replaceText(editor, serializeDb(edited));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true, 'the save succeeds');
    assert.ok(!editor.document.isDirty);
    // the check first; the PUT and the DELETE then go together, in either order
    const [check, ...writes] = calls(sandbox);
    assert.deepEqual(check, { route: 'getDb', status: 200 });
    assert.deepEqual(writes.sort((a, b) => a.route.localeCompare(b.route)), [
      { route: 'deleteDb', status: 204, body: { keys: ['plan'] } },
      { route: 'putDb', status: 200, body: { data: [{ key: 'country', value: 'spain' }, { key: 'score', value: 7 }] } },
    ]);
    assert.deepEqual(sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription), edited);
    const sub = ctx.tree.subscriptionNode(alpha)!;
    assert.deepEqual((await ctx.tree.getChildren(sub)).map(labelOf), Object.keys(edited).sort(), 'the tree shows the saved DB');
  });

  test('an invalid document shows diagnostics at the exact range and is refused with zero requests', async () => {
    const editor = await openDbEditor(alpha);
    const longKey = 'k'.repeat(33);
    const text = `{\n  "${longKey}": 1,\n  "ok": 1.5\n}\n`;
    await replaceText(editor, text);
    const diagnostics = await waitFor('diagnostics', () => {
      const d = vscode.languages.getDiagnostics(editor.document.uri);
      return d.length >= 2 ? d : undefined;
    });
    const keyDiagnostic = diagnostics.find((d) => editor.document.getText(d.range) === `"${longKey}"`);
    assert.ok(keyDiagnostic, 'the diagnostic covers the key');
    assert.match(keyDiagnostic.message, /32/);
    assert.ok(diagnostics.some((d) => editor.document.getText(d.range) === '1.5'), 'the float value is flagged');
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), false, 'the save is refused');
    assert.equal(sandbox.journal.length, 0, 'no request at all');
    assert.ok(editor.document.isDirty);
    assert.equal(editor.document.getText(), text, 'the edit is intact');
  });

  test('a change on the server to another key is merged: no prompt, only my key sent, the editor shows both', async () => {
    const editor = await openDbEditor(alpha);
    const original = sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription)!;
    const theirs: Db = { ...original, country: 'changed-by-someone-else', addedElsewhere: 1 };
    sandbox.setDb(idGate, ALPHA_TOKEN.idSubscription, theirs);
    const mine = { ...original, name: 'My edit' };
    await replaceText(editor, serializeDb(mine));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true, 'the save goes through without Compare / Overwrite');
    assert.deepEqual(calls(sandbox), [
      { route: 'getDb', status: 200 },
      { route: 'putDb', status: 200, body: { data: [{ key: 'name', value: 'My edit' }] } },
    ], 'one check and exactly my change');
    const both = { ...theirs, name: 'My edit' };
    assert.deepEqual(sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription), both, 'both changes are on the server');
    await waitFor('the editor to show the merged DB', () => (editor.document.getText() === serializeDb(both) ? true : undefined));
    assert.ok(!editor.document.isDirty, 'clean');
  });

  test('the same key changed on the server and in the editor is a conflict: nothing written', async () => {
    const editor = await openDbEditor(alpha);
    const original = sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription)!;
    const theirs: Db = { ...original, name: 'Their edit' };
    sandbox.setDb(idGate, ALPHA_TOKEN.idSubscription, theirs);
    const mine = { ...original, name: `${String(original.name)}, edited again` };
    await replaceText(editor, serializeDb(mine));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), false, 'the save does not go through');
    assert.deepEqual(sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription), theirs, 'the server keeps the other change');
    assert.equal(sandbox.journal.filter((e) => e.route === 'putDb' || e.route === 'deleteDb').length, 0, 'no write call');
    assert.ok(editor.document.isDirty);
    assert.equal(editor.document.getText(), serializeDb(mine));
  });

  test('a failed PUT keeps the edit dirty; saving again sends only what is left', async () => {
    const editor = await openDbEditor(alpha);
    const server = sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription)!;
    const edited: Db = { ...server, age: 99 };
    delete edited.newsletter;
    await replaceText(editor, serializeDb(edited));
    sandbox.failNext('putDb', 1, { status: 500 });
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), false);
    assert.ok(editor.document.isDirty, 'still dirty');
    assert.equal(editor.document.getText(), serializeDb(edited), 'the text is intact');
    assert.equal(sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription)?.age, server.age, 'the failed PUT changed nothing');
    assert.match(ctx.lastError ?? '', /./);

    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true, 'the retry succeeds');
    assert.deepEqual(sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription), edited);
    assert.equal(sandbox.journal.filter((e) => e.route === 'putDb').length, 1);
  });

  test('tree actions edit, add and delete a key through the same save path', async () => {
    const entry = { idGate, idSubscription: 'sub_beta', key: 'country' };
    await vscode.commands.executeCommand('logup.editValue', entry, 'germany');
    assert.equal(sandbox.getDb(idGate, 'sub_beta')?.country, 'germany');
    await vscode.commands.executeCommand('logup.addKey', { idGate, idSubscription: 'sub_beta' }, 'vip', true);
    assert.equal(sandbox.getDb(idGate, 'sub_beta')?.vip, true);
    sandbox.clearJournal();
    const asked = await answering(ctx, confirm, () => vscode.commands.executeCommand('logup.deleteKey', { idGate, idSubscription: 'sub_beta', key: 'vip' }));
    assert.deepEqual(asked.map((q) => q.message), ['Delete "vip" from sub_beta?'], 'asked first where no review follows');
    assert.equal(sandbox.getDb(idGate, 'sub_beta')?.vip, undefined);
    assert.deepEqual(calls(sandbox).filter((c) => c.route !== 'getDb'), [{ route: 'deleteDb', status: 204, body: { keys: ['vip'] } }]);
  });

  test('clicking a DB entry in the tree opens the DB with that key selected', async () => {
    const sub = ctx.tree.subscriptionNode(alpha)!;
    const entry = (await ctx.tree.getChildren(sub)).find((e) => e.kind === 'entry' && e.key === 'country')!;
    const command = ctx.tree.getTreeItem(entry).command!;
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>(command.command, ...(command.arguments ?? []));
    assert.equal(editor.document.getText(editor.selection), '"country"');
  });

  test('Refresh shows a change made on the server in the tree and in a clean open editor', async () => {
    const editor = await openDbEditor(alpha);
    const theirs: Db = { ...sandbox.getDb(idGate, ALPHA_TOKEN.idSubscription)!, refreshedKey: 'from elsewhere' };
    sandbox.setDb(idGate, ALPHA_TOKEN.idSubscription, theirs);
    await vscode.commands.executeCommand('logup.refresh');
    const sub = ctx.tree.subscriptionNode(alpha)!;
    assert.deepEqual((await ctx.tree.getChildren(sub)).map(labelOf), Object.keys(theirs).sort(), 'the tree shows the server');
    await waitFor('the clean editor to reload', () => (editor.document.getText() === serializeDb(theirs) ? true : undefined));
    assert.ok(!editor.document.isDirty);
  });

  test('Remove Gate leaves no secret, no gate and no opened subscription behind', async () => {
    assert.ok(ctx.gates.get(idGate));
    await removeGate(ctx, idGate);
    assert.equal(await ctx.gates.secretKey(idGate), undefined);
    assert.equal(ctx.gates.get(idGate), undefined);
    assert.deepEqual(ctx.opened.list(idGate), []);
    assert.ok(!JSON.stringify(ctx.context.globalState.get(STATE_GATES) ?? []).includes(idGate));
    assert.deepEqual(await ctx.tree.getChildren(), []);
  });
});

function labelOf(node: TreeNode): string {
  return node.kind === 'entry' ? node.key : node.kind;
}
