// Safe edits of production data, in a real VS Code: each gate has an environment (and old gates get one), production
// is marked on the tree, the tab and the status bar, every write to production waits for a review that shows exactly
// what will be sent, and VS Code's auto-save never writes a logup: document.
// A test cannot click a modal, so the review's `ask` is replaced by a scripted one; test/e2e/production.e2e.mjs
// clicks the real modal.
import * as assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { COLOR_PRODUCTION, DB_LANGUAGE_ID, DIAGNOSTIC_SOURCE, REVIEW_SCHEME, STATE_GATES } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import type { Db } from '../../src/core/db';
import { serializeDb } from '../../src/core/dbDocument';
import type { ReviewChoice, ReviewPrompt } from '../../src/review/writeReviewer';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import type { GateNode } from '../../src/views/treeNodes';
import { calls, captureWarnings, closeAllEditors, extensionCtx, openDbEditor, putThenDelete, replaceText, waitFor } from './helpers';

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
  let realAsk: Ctx['reviewer']['ask'];
  /** Every review shown, with what the journal held when it was shown. */
  let prompts: { prompt: ReviewPrompt; sentBefore: ReturnType<typeof calls> }[];
  /** The scripted answers, in order; an unscripted review is cancelled. */
  let answers: ReviewChoice[];
  // Each test has its own subscription: a document closed by the previous test may still be open in VS Code's model.
  let n = 0;
  let SUB: string;
  let live: { idGate: string; idSubscription: string };
  let dev: { idGate: string; idSubscription: string };

  suiteSetup(async () => {
    sandbox = await startSandbox();
    sandbox.addGate(LIVE, DEMO_GATE.secretKey);
    ctx = await extensionCtx();
    realAsk = ctx.reviewer.ask;
    for (const gate of ctx.gates.list()) await vscode.commands.executeCommand('logup.removeGate', { idGate: gate.idGate, confirmed: true });
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    if (ctx) {
      ctx.reviewer.ask = realAsk;
      for (const gate of ctx.gates.list()) await vscode.commands.executeCommand('logup.removeGate', { idGate: gate.idGate, confirmed: true });
    }
    await sandbox?.close();
  });

  setup(() => {
    prompts = [];
    answers = [];
    ctx.reviewer.ask = async (prompt) => {
      prompts.push({ prompt, sentBefore: calls(sandbox) });
      return answers.shift() ?? 'cancel';
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

  test('Add Gate: a server on this machine is a sandbox by default; the environment can be given or changed later', async () => {
    const added = await vscode.commands.executeCommand<{ environment: string } | undefined>('logup.addGate', { idGate: LIVE, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url });
    assert.equal(added?.environment, 'sandbox');
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

  test('JSON features still serve logup: documents: syntax and schema diagnostics, hover, completion, formatting', async () => {
    const editor = await openDbEditor(dev);
    assert.equal(editor.document.languageId, DB_LANGUAGE_ID);
    const text = '{\n  "nested": {"a": 1},\n  "name": "Ada",\n  "vip": ,\n}\n';
    await replaceText(editor, text);
    const uri = editor.document.uri;
    const json = await waitFor('diagnostics of the JSON language server', () => {
      const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source !== DIAGNOSTIC_SOURCE);
      return found.some((d) => editor.document.getText(d.range) === '{"a": 1}') ? found : undefined;
    }, 20_000);
    assert.ok(json.some((d) => d.range.start.line === 3), `a syntax error on the line of "vip": ${json.map((d) => d.message).join(' | ')}`);

    const at = (needle: string, delta = 0): vscode.Position => editor.document.positionAt(text.indexOf(needle) + delta);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at('"Ada"', 1));
    const hoverText = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
    assert.match(hoverText, /1024 bytes/, 'the schema describes the value');

    const completion = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, at('"vip": ', 7));
    const labels = completion.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('true') && labels.includes('false'), `the schema completes values: ${labels.join(', ')}`);

    await replaceText(editor, '{"name":"Ada","vip":true}');
    const edits = await vscode.commands.executeCommand<vscode.TextEdit[]>('vscode.executeFormatDocumentProvider', uri, { tabSize: 2, insertSpaces: true });
    assert.ok(edits && edits.length > 0, 'Format Document works');
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
    assert.equal(prompt.gate.environment, 'production');
    const lines = prompt.detail.split('\n');
    for (const line of [`Subscription: ${SUB}`, 'Delete 1 key:', '  "plan": "pro"', 'Set 2 keys:', '  "country": "italy" → "spain"', '  "score": new → 7']) {
      assert.ok(lines.includes(line), `the review says ${JSON.stringify(line)}:\n${prompt.detail}`);
    }
    assert.ok(lines.some((l) => l.startsWith(`Gate: ${LIVE}, production`)), prompt.detail);
    assert.deepEqual(putThenDelete(calls(sandbox)), [{ route: 'getDb', status: 200 }, ...WRITES], 'after Save: exactly the plan');
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
    const confirmations = await captureWarnings(() => vscode.commands.executeCommand('logup.deleteKey', { ...live, key: 'plan' }));
    assert.deepEqual(confirmations, [], 'no second confirmation before the review');
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
