// Ctrl+S on a LogUp DB document of a production gate, in a real VS Code: the review comes before VS Code's save
// starts (logup.saveDb, bound to Ctrl+S / Cmd+S in package.json), so Cancel sends nothing, leaves the tab dirty and
// starts no save at all, hence no "Failed to save" notification; Save writes once, without asking twice. Anything
// that changes between the review and the write is reviewed again. test/e2e/production.e2e.mjs presses the real keys.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import type { Db } from '../../src/core/db';
import { serializeDb } from '../../src/core/dbDocument';
import type { ModalQuestion } from '../../src/dialogs/modal';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { calls, closeAllEditors, extensionCtx, openDbEditor, removeGate, replaceText, ReviewAnswer, reviewButton } from './helpers';

const LIVE = 'gate_liveSave';
const START: Db = { country: 'italy', plan: 'pro', visits: 3 };
const EDITED: Db = { country: 'spain', score: 7, visits: 3 };
const WRITES = [
  { route: 'putDb', status: 200, body: { data: [{ key: 'country', value: 'spain' }, { key: 'score', value: 7 }] } },
  { route: 'deleteDb', status: 204, body: { keys: ['plan'] } },
];
const GET = { route: 'getDb', status: 200 };

suite('Ctrl+S reviews before the save', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  let realAsk: Ctx['modal']['ask'];
  let prompts: ModalQuestion[];
  /** Scripted answers, each run when its review is shown; an unscripted review is cancelled. */
  let answers: (ReviewAnswer | (() => ReviewAnswer))[];
  /** Saves VS Code started (onWillSaveTextDocument): a save that did not start cannot fail. */
  let savesStarted: string[];
  let saveListener: vscode.Disposable;
  let n = 0;
  let live: { idGate: string; idSubscription: string };

  suiteSetup(async () => {
    sandbox = await startSandbox();
    sandbox.addGate(LIVE, DEMO_GATE.secretKey);
    ctx = await extensionCtx();
    realAsk = ctx.modal.ask;
    await vscode.commands.executeCommand(COMMANDS.addGate, { idGate: LIVE, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'production' });
    saveListener = vscode.workspace.onWillSaveTextDocument((e) => savesStarted.push(e.document.uri.toString()));
  });

  suiteTeardown(async () => {
    saveListener?.dispose();
    await closeAllEditors();
    if (ctx) {
      ctx.modal.ask = realAsk;
      if (ctx.gates.get(LIVE)) await removeGate(ctx, LIVE);
    }
    await sandbox?.close();
  });

  setup(() => {
    prompts = [];
    answers = [];
    savesStarted = [];
    ctx.lastError = undefined;
    ctx.modal.ask = async (prompt) => {
      if (prompt.id !== 'review') return undefined;
      prompts.push(prompt);
      const next = answers.shift() ?? 'cancel';
      return reviewButton(typeof next === 'function' ? next() : next);
    };
    live = { idGate: LIVE, idSubscription: `sub_ctrlS${++n}` };
    sandbox.setDb(LIVE, live.idSubscription, START);
  });

  teardown(async () => {
    await closeAllEditors();
  });

  async function editedEditor(): Promise<vscode.TextEditor> {
    const editor = await openDbEditor(live);
    await replaceText(editor, serializeDb(EDITED));
    sandbox.clearJournal();
    return editor;
  }

  test('Cancel: nothing is sent, the tab stays dirty, and no save starts (so VS Code reports no failure)', async () => {
    const editor = await editedEditor();
    answers = ['cancel'];
    assert.equal(await vscode.commands.executeCommand(COMMANDS.saveDb), false);
    assert.equal(prompts.length, 1, 'the review was shown');
    assert.match(prompts[0]!.detail, /"country": "italy" → "spain"/);
    assert.deepEqual(calls(sandbox), [GET], 'one read for the review, no write');
    assert.ok(editor.document.isDirty, 'still dirty');
    assert.equal(editor.document.getText(), serializeDb(EDITED), 'the edit is intact');
    assert.deepEqual(savesStarted, [], 'VS Code started no save: there is no save to fail');
    assert.equal(ctx.lastError, undefined, 'no error message for the person\'s own Cancel');
    assert.deepEqual(sandbox.getDb(LIVE, live.idSubscription), START);

    // The control: the same Cancel inside a save VS Code already started (Save All, File › Save) is a failed save.
    answers = ['cancel'];
    assert.equal(await editor.document.save(), false);
    assert.deepEqual(savesStarted, [editor.document.uri.toString()], 'that save started, and ended failed');
  });

  test('Save: the plan is written once, asked once', async () => {
    const editor = await editedEditor();
    answers = ['save'];
    assert.equal(await vscode.commands.executeCommand(COMMANDS.saveDb), true);
    assert.equal(prompts.length, 1, 'not asked twice');
    assert.deepEqual(calls(sandbox), [GET, GET, ...WRITES], "the review's read, the save's own check, then exactly the plan");
    assert.equal(editor.document.isDirty, false);
    assert.deepEqual(sandbox.getDb(LIVE, live.idSubscription), EDITED);
  });

  test('Show Diff, then Save: the DB document is saved, not the diff that became the active editor', async () => {
    const editor = await editedEditor();
    answers = ['diff', 'save'];
    assert.equal(await vscode.commands.executeCommand(COMMANDS.saveDb), true);
    assert.equal(prompts.length, 2);
    assert.equal(editor.document.isDirty, false);
    assert.deepEqual(sandbox.getDb(LIVE, live.idSubscription), EDITED);
  });

  test('a server changed between the review and the write is a new review, never a silent write', async () => {
    const editor = await editedEditor();
    answers = [
      () => {
        // A colleague changes a key while the person reads the review.
        sandbox.setDb(LIVE, live.idSubscription, { ...START, visits: 4 });
        return 'save';
      },
      'save',
    ];
    assert.equal(await vscode.commands.executeCommand(COMMANDS.saveDb), true);
    assert.equal(prompts.length, 2, 'reviewed again inside the save');
    assert.match(prompts[1]!.detail, /Shown again: the server changed after you chose Save/);
    assert.equal(editor.document.isDirty, false);
    assert.deepEqual(sandbox.getDb(LIVE, live.idSubscription), { ...EDITED, visits: 4 }, "the colleague's visits: 4 is kept");
  });

  test('a key the person changed that a colleague changed during the review is refused: nothing is written', async () => {
    const editor = await editedEditor();
    answers = [
      () => {
        sandbox.setDb(LIVE, live.idSubscription, { ...START, country: 'france' });
        return 'save';
      },
    ];
    await vscode.commands.executeCommand(COMMANDS.saveDb);
    assert.ok(editor.document.isDirty, 'the edit is kept');
    assert.deepEqual(calls(sandbox).filter((c) => c.route !== 'getDb'), [], 'nothing written');
    assert.deepEqual(sandbox.getDb(LIVE, live.idSubscription), { ...START, country: 'france' });
  });
});
