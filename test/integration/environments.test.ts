// Safe edits of production data, in a real VS Code: each gate has an environment (and old gates get one), production
// is marked on the tree, the tab and the status bar, every write to production waits for a review that shows exactly
// what will be sent, and VS Code's auto-save never writes a logup: document.
// A test cannot click a modal, so the modal seam (ctx.modal) answers from a script; test/e2e/production.e2e.mjs
// clicks the real modal.
import * as assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { COLOR_PRODUCTION, DB_LANGUAGE_ID, DIAGNOSTIC_SOURCE, REVIEW_SCHEME, STATE_GATES } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import type { Db } from '../../src/core/db';
import { serializeDb } from '../../src/core/dbDocument';
import type { ModalQuestion } from '../../src/dialogs/modal';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import type { GateNode } from '../../src/views/treeNodes';
import { calls, closeAllEditors, extensionCtx, openDbEditor, putThenDelete, removeAllGates, removeGate, replaceText, ReviewAnswer, reviewButton, waitFor } from './helpers';

/** A gate the user marks as production (it runs on the local sandbox, as every server a test starts). */
const LIVE = 'gate_liveShop';
/** The sandbox's demo gate, added as a development gate. */
const DEV = DEMO_GATE.idGate;
const START: Db = { country: 'italy', name: 'Ada Lovelace', plan: 'pro', visits: 3 };
/** Delete `plan`, change `country`, add `score`: the review must list all three, and nothing about the others. */
const EDITED: Db = { country: 'spain', name: 'Ada Lovelace', score: 7, visits: 3 };
const WRITES = [
  { route: 'putDb', status: 200, body: { data: [{ key: 'country', value: 'spain' }, { key: 'score', value: 7 }] } },
  { route: 'deleteDb', status: 204, body: { keys: ['plan'] } },
];

suite('Environments, the write review and auto-save', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  let realAsk: Ctx['modal']['ask'];
  /** Every review shown, with what the journal held when it was shown. */
  let prompts: { prompt: ModalQuestion; sentBefore: ReturnType<typeof calls> }[];
  /** Every modal question asked, reviews included. */
  let questions: ModalQuestion[];
  /** The scripted answers to the reviews, in order; an unscripted review is cancelled, any other question too. */
  let answers: ReviewAnswer[];
  // Each test has its own subscription: a document closed by the previous test may still be open in VS Code's model.
  let n = 0;
  let SUB: string;
  let live: { idGate: string; idSubscription: string };
  let dev: { idGate: string; idSubscription: string };

  suiteSetup(async () => {
    sandbox = await startSandbox();
    sandbox.addGate(LIVE, DEMO_GATE.secretKey);
    ctx = await extensionCtx();
    realAsk = ctx.modal.ask;
    await removeAllGates(ctx);
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    if (ctx) {
      ctx.modal.ask = realAsk;
      await removeAllGates(ctx);
    }
    await sandbox?.close();
  });

  setup(() => {
    prompts = [];
    questions = [];
    answers = [];
    ctx.modal.ask = async (prompt) => {
      questions.push(prompt);
      if (prompt.id !== 'review') return undefined;
      prompts.push({ prompt, sentBefore: calls(sandbox) });
      return reviewButton(answers.shift() ?? 'cancel');
    };
    SUB = `sub_env${++n}`;
    live = { idGate: LIVE, idSubscription: SUB };
    dev = { idGate: DEV, idSubscription: SUB };
    sandbox.setDb(LIVE, SUB, START);
    sandbox.setDb(DEV, SUB, START);
  });

  teardown(async () => {
    await closeAllEditors();
  });

  test('Add Gate: a URL on this machine that is not the sandbox\'s own is production by default; the environment can be given or changed later', async () => {
    // An SSH tunnel to a live server is on 127.0.0.1 too: only the local sandbox's own URL defaults to sandbox.
    const added = await vscode.commands.executeCommand<{ environment: string } | undefined>('logup.addGate', { idGate: LIVE, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'sandbox' });
    assert.equal(added?.environment, 'sandbox');
    sandbox.addGate('gate_tunnel', DEMO_GATE.secretKey);
    const tunnel = await vscode.commands.executeCommand<{ environment: string } | undefined>('logup.addGate', { idGate: 'gate_tunnel', secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url });
    assert.equal(tunnel?.environment, 'production');
    await removeGate(ctx, 'gate_tunnel');
    const devGate = await vscode.commands.executeCommand<{ environment: string } | undefined>('logup.addGate', { idGate: DEV, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'development' });
    assert.equal(devGate?.environment, 'development');

    await ctx.store.read(live);
    const tokens = sandbox.count('token');
    await vscode.commands.executeCommand('logup.setGateEnvironment', { idGate: LIVE, environment: 'production' });
    assert.equal(ctx.gates.get(LIVE)?.environment, 'production');
    const stored = ctx.context.globalState.get<{ idGate: string; environment?: string }[]>(STATE_GATES) ?? [];
    assert.equal(stored.find((g) => g.idGate === LIVE)?.environment, 'production', 'kept in globalState');
    await ctx.store.read(live);
    assert.equal(sandbox.count('token'), tokens, 'changing the environment keeps the gate\'s client and its token');

    const items = (await ctx.tree.getChildren()).map((node) => ctx.tree.getTreeItem(node));
    const liveItem = items.find((i) => i.label === LIVE)!;
    const devItem = items.find((i) => i.label === DEV)!;
    assert.match(String(liveItem.description), /^PRODUCTION · 127\.0\.0\.1:\d+$/);
    assert.equal(((liveItem.iconPath as vscode.ThemeIcon).color as vscode.ThemeColor | undefined)?.id, COLOR_PRODUCTION);
    assert.match(String(devItem.description), /^Development · /);
    assert.notEqual(((devItem.iconPath as vscode.ThemeIcon).color as vscode.ThemeColor | undefined)?.id, COLOR_PRODUCTION);
  });

  test('a gate saved before environments existed reads as production, or as sandbox on this machine', async () => {
    const before = ctx.context.globalState.get<unknown[]>(STATE_GATES) ?? [];
    try {
      await ctx.context.globalState.update(STATE_GATES, [
        ...before,
        { idGate: 'gate_old', label: 'Old shop', baseUrl: 'https://api.logup.co/v1_0' },
        { idGate: 'gate_oldLocal', label: 'Old local', baseUrl: 'http://127.0.0.1:4580/v1_0' },
        { idGate: 'gate_oldOdd', label: 'Odd', baseUrl: 'https://api.logup.co/v1_0', environment: 'prod' },
      ]);
      assert.equal(ctx.gates.get('gate_old')?.environment, 'production');
      assert.equal(ctx.gates.get('gate_oldLocal')?.environment, 'sandbox');
      assert.equal(ctx.gates.get('gate_oldOdd')?.environment, 'production', 'an unknown value is not trusted');
      assert.equal(ctx.gates.get(LIVE)?.environment, 'production', 'gates that have one keep it');
      const old = ctx.tree.getTreeItem({ kind: 'gate', gate: ctx.gates.get('gate_old')! } satisfies GateNode);
      assert.match(String(old.description), /^PRODUCTION · api\.logup\.co$/);
    } finally {
      await ctx.context.globalState.update(STATE_GATES, before);
    }
    assert.equal(ctx.gates.get('gate_old'), undefined);
  });

  test("with the user's files.autoSave afterDelay, typing and a 3 s pause write nothing; Ctrl+S writes", async () => {
    const files = vscode.workspace.getConfiguration('files');
    const previous = { autoSave: files.inspect('autoSave')?.globalValue, delay: files.inspect('autoSaveDelay')?.globalValue };
    await files.update('autoSave', 'afterDelay', vscode.ConfigurationTarget.Global);
    await files.update('autoSaveDelay', 500, vscode.ConfigurationTarget.Global);
    try {
      const editor = await openDbEditor(dev);
      assert.equal(editor.document.languageId, DB_LANGUAGE_ID);
      sandbox.clearJournal();
      await replaceText(editor, serializeDb(EDITED));
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(editor.document.isDirty, 'still dirty after the pause');
      assert.deepEqual(calls(sandbox), [], 'no request at all');

      assert.equal(await editor.document.save(), true);
      assert.deepEqual(putThenDelete(calls(sandbox)), [{ route: 'getDb', status: 200 }, ...WRITES], 'the save the user asked for writes');
      assert.deepEqual(sandbox.getDb(DEV, SUB), EDITED);

      // The control: a plain JSON file in the same window is auto-saved after the same pause, so the setting is live.
      const control = vscode.Uri.file(join(tmpdir(), `logup-autosave-control-${Date.now()}.json`));
      await vscode.workspace.fs.writeFile(control, new TextEncoder().encode('{}\n'));
      try {
        const plain = await vscode.window.showTextDocument(control);
        await replaceText(plain, '{ "saved": true }\n');
        await waitFor('auto-save of a plain JSON file', () => (plain.document.isDirty ? undefined : true));
        assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(control)), '{ "saved": true }\n');
      } finally {
        await vscode.workspace.fs.delete(control);
      }
    } finally {
      await files.update('autoSave', previous.autoSave, vscode.ConfigurationTarget.Global);
      await files.update('autoSaveDelay', previous.delay, vscode.ConfigurationTarget.Global);
    }
  });

  test('a logup: document opened any other way (a link, a restored tab) gets the logup-db language too', async () => {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'logup', path: `/${DEV}/${SUB}.json` }));
    await vscode.window.showTextDocument(document);
    await waitFor('the logup-db language', () => (document.languageId === DB_LANGUAGE_ID ? true : undefined));
    // A language the user picks afterwards is theirs (the switch happens once per opened document).
    await vscode.languages.setTextDocumentLanguage(document, 'json');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(document.languageId, 'json');
  });

  test('a logup: document gets its problems from the extension and Format Document, not from the JSON language server', async () => {
    const editor = await openDbEditor(dev);
    assert.equal(editor.document.languageId, DB_LANGUAGE_ID);
    const text = '{\n  "nested": {"a": 1},\n  "name": "Ada",\n  "vip": ,\n}\n';
    await replaceText(editor, text);
    const uri = editor.document.uri;
    const ours = await waitFor('the extension\'s diagnostics', () => {
      const found = vscode.languages.getDiagnostics(uri);
      return found.some((d) => editor.document.getText(d.range) === '{"a": 1}') ? found : undefined;
    });
    assert.ok(ours.some((d) => d.range.start.line === 3), `a syntax error on the line of "vip": ${ours.map((d) => d.message).join(' | ')}`);
    assert.deepEqual(ours.filter((d) => d.source !== DIAGNOSTIC_SOURCE).map((d) => d.source), [], 'only the extension judges the document (H23)');

    await replaceText(editor, '{"name":"Ada","vip":true}');
    const edits = await vscode.commands.executeCommand<vscode.TextEdit[]>('vscode.executeFormatDocumentProvider', uri, { tabSize: 2, insertSpaces: true });
    assert.ok(edits && edits.length > 0, 'Format Document works');
    const formatted = new vscode.WorkspaceEdit();
    formatted.set(uri, edits);
    assert.ok(await vscode.workspace.applyEdit(formatted));
    assert.equal(editor.document.getText(), '{\n  "name": "Ada",\n  "vip": true\n}');
  });

  test('a DB key "$schema" never makes the editor fetch its URL, not even one on this machine', async () => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"type": "object", "description": "fetched"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/schema.json`;
      sandbox.setDb(DEV, SUB, { $schema: url, ...START });
      const editor = await openDbEditor(dev);
      assert.equal(editor.document.languageId, DB_LANGUAGE_ID);
      assert.ok(editor.document.getText().includes(url));
      // Everything that makes VS Code's JSON language server resolve a document's schema: validation on open, hover,
      // completion; then time for a server that starts on first use.
      const at = editor.document.positionAt(editor.document.getText().indexOf('"italy"') + 1);
      await vscode.commands.executeCommand('vscode.executeHoverProvider', editor.document.uri, at);
      await vscode.commands.executeCommand('vscode.executeCompletionItemProvider', editor.document.uri, at);
      for (let i = 0; i < 40 && requests.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 250));
      assert.deepEqual(requests, [], 'the schema URL in the DB was fetched');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('on a development gate nothing is reviewed (default setting): one save, the same requests as before', async () => {
    const editor = await openDbEditor(dev);
    await replaceText(editor, serializeDb(EDITED));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true);
    assert.equal(prompts.length, 0, 'no review');
    assert.deepEqual(putThenDelete(calls(sandbox)), [{ route: 'getDb', status: 200 }, ...WRITES]);
  });

  test('a save to production shows the exact plan and sends nothing until Save', async () => {
    const editor = await openDbEditor(live);
    await replaceText(editor, serializeDb(EDITED));
    sandbox.clearJournal();
    answers = ['save'];
    assert.equal(await editor.document.save(), true);
    assert.equal(prompts.length, 1, 'one review');
    const { prompt, sentBefore } = prompts[0]!;
    assert.deepEqual(sentBefore, [{ route: 'getDb', status: 200 }], 'only the check was sent before the review');
    assert.match(prompt.message, /PRODUCTION/);
    const lines = prompt.detail.split('\n');
    for (const line of [`Subscription: ${SUB}`, 'Delete 1 key:', '  "plan": "pro"', 'Set 2 keys:', '  "country": "italy" → "spain"', '  "score": new → 7']) {
      assert.ok(lines.includes(line), `the review says ${JSON.stringify(line)}:\n${prompt.detail}`);
    }
    assert.ok(lines.some((l) => l.startsWith(`Gate: ${LIVE}, production`)), prompt.detail);
    // After Save the server is read again (the person took their time), then exactly the plan is sent.
    assert.deepEqual(putThenDelete(calls(sandbox)), [{ route: 'getDb', status: 200 }, { route: 'getDb', status: 200 }, ...WRITES], 'after Save: a fresh read, then exactly the plan');
    assert.deepEqual(sandbox.getDb(LIVE, SUB), EDITED);
  });

  test('Cancel in the review sends nothing and keeps the edit dirty; saving again can send it', async () => {
    const editor = await openDbEditor(live);
    await replaceText(editor, serializeDb(EDITED));
    sandbox.clearJournal();
    answers = ['cancel'];
    assert.equal(await editor.document.save(), false, 'the save does not happen');
    assert.equal(prompts.length, 1);
    assert.ok(editor.document.isDirty, 'still dirty');
    assert.equal(editor.document.getText(), serializeDb(EDITED), 'the edit is intact');
    assert.deepEqual(calls(sandbox), [{ route: 'getDb', status: 200 }], 'no write');
    assert.deepEqual(sandbox.getDb(LIVE, SUB), START, 'the server is untouched');

    answers = ['save'];
    assert.equal(await editor.document.save(), true);
    assert.deepEqual(sandbox.getDb(LIVE, SUB), EDITED);
  });

  test("Show Diff opens VS Code's diff of the server's DB now (read-only) and the result; then the review comes back", async () => {
    const editor = await openDbEditor(live);
    // Someone changes another key meanwhile: the result the diff shows keeps it (the save merges, docs/api.md).
    sandbox.setDb(LIVE, SUB, { ...START, visits: 4 });
    await replaceText(editor, serializeDb(EDITED));
    answers = ['diff', 'cancel'];
    assert.equal(await editor.document.save(), false);
    assert.equal(prompts.length, 2, 'the review came back after the diff');
    const diff = await waitFor('the diff editor', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
      .map((t) => t.input).find((i): i is vscode.TabInputTextDiff => i instanceof vscode.TabInputTextDiff && i.original.scheme === REVIEW_SCHEME));
    assert.equal((await vscode.workspace.openTextDocument(diff.original)).getText(), serializeDb({ ...START, visits: 4 }), 'left: the server now');
    assert.equal((await vscode.workspace.openTextDocument(diff.modified)).getText(), serializeDb({ ...EDITED, visits: 4 }), 'right: after Save');
    assert.notEqual(vscode.workspace.fs.isWritableFileSystem(REVIEW_SCHEME), true, 'neither side can be edited and saved');
    assert.deepEqual(sandbox.getDb(LIVE, SUB), { ...START, visits: 4 }, 'nothing written');
  });

  test('tree actions on a production gate go through the same review; Cancel there is quiet', async () => {
    ctx.lastError = undefined;
    answers = ['cancel'];
    sandbox.clearJournal();
    await vscode.commands.executeCommand('logup.editValue', { ...live, key: 'country' }, 'germany');
    assert.equal(prompts.length, 1);
    assert.match(prompts[0]!.prompt.detail, /"country": "italy" → "germany"/);
    assert.match(prompts[0]!.prompt.detail, /the LogUp view/);
    assert.deepEqual(calls(sandbox).filter((c) => c.route !== 'getDb'), [], 'nothing written');
    assert.equal(ctx.lastError, undefined, 'no error message for the user\'s own Cancel');

    answers = ['save', 'save', 'save'];
    await vscode.commands.executeCommand('logup.editValue', { ...live, key: 'country' }, 'germany');
    await vscode.commands.executeCommand('logup.addKey', live, 'vip', true);
    // Delete Key asks nothing of its own where the review shows the deletion: one question per write.
    await vscode.commands.executeCommand('logup.deleteKey', { ...live, key: 'plan' });
    assert.deepEqual(questions.map((q) => q.id), ['review', 'review', 'review', 'review'], 'no second confirmation before the review');
    assert.equal(prompts.length, 4, 'each tree action was reviewed');
    assert.match(prompts[3]!.prompt.detail, /Delete 1 key:\n {2}"plan": "pro"/);
    assert.deepEqual(sandbox.getDb(LIVE, SUB), { country: 'germany', name: 'Ada Lovelace', visits: 3, vip: true });
  });

  test('a save nobody asked for (Save All) is still reviewed on production', async () => {
    const editor = await openDbEditor(live);
    await replaceText(editor, serializeDb(EDITED));
    sandbox.clearJournal();
    answers = ['cancel'];
    await vscode.commands.executeCommand('workbench.action.files.saveAll');
    await waitFor('the review', () => (prompts.length > 0 ? true : undefined));
    await waitFor('the save to end', () => (calls(sandbox).length > 0 ? true : undefined));
    assert.ok(editor.document.isDirty);
    assert.deepEqual(sandbox.getDb(LIVE, SUB), START);
    assert.deepEqual(calls(sandbox).filter((c) => c.route !== 'getDb'), []);
  });

  test('the tab and the status bar say production; a development gate is not marked', async () => {
    const liveEditor = await openDbEditor(live);
    const decoration = ctx.decorations.provideFileDecoration(liveEditor.document.uri);
    assert.equal(decoration?.badge, 'P');
    assert.equal((decoration?.color as vscode.ThemeColor | undefined)?.id, COLOR_PRODUCTION);
    assert.match(decoration?.tooltip ?? '', /Production/);
    await waitFor('the status bar to name the production gate', () => (ctx.statusBar.item.text.includes(`${LIVE}: Production`) ? true : undefined));
    assert.equal((ctx.statusBar.item.backgroundColor as vscode.ThemeColor | undefined)?.id, 'statusBarItem.warningBackground');

    const devEditor = await openDbEditor(dev);
    assert.equal(ctx.decorations.provideFileDecoration(devEditor.document.uri), undefined);
    await waitFor('the status bar to name the development gate', () => (ctx.statusBar.item.text.includes(`${DEV}: Development`) ? true : undefined));
    assert.equal(ctx.statusBar.item.backgroundColor, undefined);

    await vscode.commands.executeCommand('logup.setGateEnvironment', { idGate: DEV, environment: 'production' });
    try {
      await waitFor('the status bar to follow the change', () => (ctx.statusBar.item.text.includes(`${DEV}: Production`) ? true : undefined));
      assert.equal(ctx.decorations.provideFileDecoration(devEditor.document.uri)?.badge, 'P');
    } finally {
      await vscode.commands.executeCommand('logup.setGateEnvironment', { idGate: DEV, environment: 'development' });
    }
  });

  test('logup.confirmWrites: "always" reviews a development gate, "never" sends to production at once', async () => {
    const config = vscode.workspace.getConfiguration('logup');
    try {
      await config.update('confirmWrites', 'always', vscode.ConfigurationTarget.Global);
      answers = ['cancel'];
      const devEditor = await openDbEditor(dev);
      await replaceText(devEditor, serializeDb(EDITED));
      assert.equal(await devEditor.document.save(), false);
      assert.equal(prompts.length, 1);
      assert.match(prompts[0]!.prompt.message, /\(development\)/);
      assert.deepEqual(sandbox.getDb(DEV, SUB), START);

      await config.update('confirmWrites', 'never', vscode.ConfigurationTarget.Global);
      const liveEditor = await openDbEditor(live);
      await replaceText(liveEditor, serializeDb(EDITED));
      assert.equal(await liveEditor.document.save(), true);
      assert.equal(prompts.length, 1, 'no new review');
      assert.deepEqual(sandbox.getDb(LIVE, SUB), EDITED);
    } finally {
      await config.update('confirmWrites', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a workspace cannot turn the review off', async () => {
    const config = vscode.workspace.getConfiguration('logup');
    await assert.rejects(Promise.resolve(config.update('confirmWrites', 'never', vscode.ConfigurationTarget.Workspace)));
    assert.equal(vscode.workspace.getConfiguration('logup').inspect('confirmWrites')?.workspaceValue, undefined);
    assert.equal(vscode.workspace.getConfiguration('logup').get('confirmWrites'), 'production');
  });
});
