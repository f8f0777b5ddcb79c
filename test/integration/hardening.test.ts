// What an adversarial review found, each driven through the real editor: a URL that would send the secret off the
// machine, hostile server words, answers that arrive out of order, keys named like Object members, a DB the
// server already holds over LogUp's limits, and lone surrogates.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { COMMANDS, DIAGNOSTIC_SOURCE } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import { serializeDb } from '../../src/core/dbDocument';
import type { Db } from '../../src/core/db';
import type { VerifyTokenResult } from '../../src/commands/verifyToken';
import { DEMO_GATE, DEMO_LOGUP_TOKENS } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { answering, calls, captureWarnings, closeAllEditors, confirm, extensionCtx, openDbEditor, removeAllGates, removeGate, replaceText, waitFor } from './helpers';

const idGate = DEMO_GATE.idGate;
const ALPHA_TOKEN = DEMO_LOGUP_TOKENS[0]!;

suite('Hardening: what an adversarial review found', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  let n = 0;
  const fresh = (db: Db): { idGate: string; idSubscription: string } => {
    const ref = { idGate, idSubscription: `sub_hard${++n}` };
    sandbox.setDb(idGate, ref.idSubscription, db);
    return ref;
  };

  suiteSetup(async () => {
    sandbox = await startSandbox();
    ctx = await extensionCtx();
    await removeAllGates(ctx);
    assert.ok(await vscode.commands.executeCommand(COMMANDS.addGate, { idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'sandbox' }));
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    if (ctx) await removeGate(ctx, idGate);
    await sandbox?.close();
  });

  teardown(async () => {
    sandbox.clearFaults();
    await closeAllEditors();
  });

  test('Add Gate refuses http://localhost.: (resolved by DNS, not this machine) before any request', async () => {
    sandbox.clearJournal();
    ctx.lastError = undefined;
    const port = new URL(sandbox.url).port;
    const gate = await vscode.commands.executeCommand(COMMANDS.addGate, { idGate: 'gate_dot', secretKey: 'never-sent', baseUrl: `http://localhost.:${port}/v1_0` });
    assert.equal(gate, undefined, 'no gate added');
    assert.match(ctx.lastError ?? '', /localhost/);
    assert.equal(sandbox.journal.length, 0, 'no request, so the secret went nowhere');
    assert.equal(ctx.gates.get('gate_dot'), undefined);
  });

  test('Add Gate arguments with an id that is not a gate id are refused before any request, and nothing is stored', async () => {
    const hostile = `gate'"$(touch /tmp/logup-pwned)\n# x`;
    sandbox.clearJournal();
    ctx.lastError = undefined;
    const gate = await vscode.commands.executeCommand(COMMANDS.addGate, { idGate: hostile, secretKey: 'never-sent', baseUrl: sandbox.url, environment: 'sandbox' });
    assert.equal(gate, undefined, 'no gate added');
    assert.match(ctx.lastError ?? '', /is not a gate id/);
    assert.ok(!(ctx.lastError ?? '').includes('\n'), 'the id is quoted escaped');
    assert.equal(sandbox.journal.length, 0, 'no request');
    assert.equal(ctx.gates.get(hostile), undefined);
    await assert.rejects(ctx.gates.save({ idGate: hostile, label: 'x', baseUrl: sandbox.url }, 'never-stored'), /is not a gate id/);
    assert.equal(ctx.gates.list().some((g) => g.idGate === hostile), false, 'GateStore.save refuses it too');
  });

  test('a hostile "not verified" answer is shown and logged redacted, without control or bidi characters, and short', async () => {
    ctx.lastError = undefined;
    const errorMessage = `INVALID: ${ALPHA_TOKEN.logupToken} (secret ${DEMO_GATE.secretKey})\u001b[2K\r\n[info] Token verified\u202e${'x'.repeat(80_000)}`;
    sandbox.failNext('verification', 1, { status: 200, body: JSON.stringify({ verified: false, errorMessage }) });
    const warnings = await captureWarnings(async () => {
      const result = await vscode.commands.executeCommand<VerifyTokenResult>(COMMANDS.verifyToken, { input: ALPHA_TOKEN.logupToken, idGate });
      assert.equal(result?.verification.verified, false);
    });
    const shown = warnings.join('\n');
    assert.ok(shown.length > 0 && shown.length < 1_000, `a short warning (${shown.length} chars)`);
    assert.ok(!shown.includes(ALPHA_TOKEN.logupToken), 'no logupToken');
    assert.ok(!shown.includes(DEMO_GATE.secretKey), 'no secret');
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u001f\u202e]/.test(shown), 'no control or bidi character');
  });

  test('a GET answered after a save never reloads the editor to the pre-save DB, and the next save keeps the user’s own save', async () => {
    const ref = fresh({ a: 1, b: 1 });
    const editor = await openDbEditor(ref);
    // A refresh whose answer (the DB before the save) is held back until the save is done.
    const hold = sandbox.hold('getDb');
    const refresh = vscode.commands.executeCommand(COMMANDS.refreshSubscription, ref);
    await hold.arrived;
    await replaceText(editor, serializeDb({ a: 2, b: 1 }));
    assert.equal(await editor.document.save(), true);
    hold.release();
    await refresh;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(editor.document.getText(), serializeDb({ a: 2, b: 1 }), 'the editor still shows the saved DB');
    assert.deepEqual(ctx.store.current(ref)?.db, { a: 2, b: 1 }, 'the store too');
    // Someone else then changes b; the user changes b too: a real conflict, and a.. stays the user's 2.
    sandbox.setDb(idGate, ref.idSubscription, { a: 2, b: 5 });
    await replaceText(editor, serializeDb({ a: 2, b: 9 }));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), false, 'Compare / Overwrite, not a silent write');
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 2, b: 5 }, 'the user’s own save of a is not reverted');
  });

  test('a reload read while the user types does not move the base: the next save never undoes a change it never showed', async () => {
    const ref = fresh({ a: 1, b: 1 });
    const editor = await openDbEditor(ref);
    sandbox.setDb(idGate, ref.idSubscription, { a: 1, b: 2 }); // someone else changes b
    // VS Code reloads (reads the file) while the user types; it then drops what it read, so the editor never shows b: 2.
    const hold = sandbox.hold('getDb');
    const read = ctx.fileSystem.readFile(editor.document.uri);
    await hold.arrived;
    await replaceText(editor, serializeDb({ a: 5, b: 1 }));
    hold.release();
    await read;
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true);
    assert.deepEqual(calls(sandbox).filter((c) => c.route === 'putDb').map((c) => c.body), [{ data: [{ key: 'a', value: 5 }] }], 'only the user’s change');
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { a: 5, b: 2 }, 'the other change is kept');
  });

  test('tree actions on keys named constructor, toString and __proto__ behave like any key', async () => {
    const ref = fresh({ plain: 1 });
    await vscode.commands.executeCommand(COMMANDS.openSubscriptionById, ref);
    ctx.lastError = undefined;
    await vscode.commands.executeCommand(COMMANDS.addKey, ref, 'constructor', 'c');
    await vscode.commands.executeCommand(COMMANDS.editValue, { ...ref, key: 'toString' }, 't');
    sandbox.clearJournal();
    await vscode.commands.executeCommand(COMMANDS.addKey, ref, '__proto__', 'p');
    assert.equal(ctx.lastError, undefined, `no error: ${ctx.lastError ?? ''}`);
    assert.deepEqual(calls(sandbox).filter((c) => c.route === 'putDb').map((c) => c.body), [{ data: [{ key: '__proto__', value: 'p' }] }], '__proto__ is sent');
    assert.deepEqual(Object.entries(sandbox.getDb(idGate, ref.idSubscription)!).sort(), [['__proto__', 'p'], ['constructor', 'c'], ['plain', 1], ['toString', 't']]);
  });

  test('a DB the server holds over the limits can be fixed: tree Delete Key and an editor save that only deletes', async () => {
    const over: Db = Object.fromEntries(Array.from({ length: 22 }, (_, i) => [`k${String(i + 1).padStart(2, '0')}`, i + 1]));
    over.k05 = 1.5;
    const ref = fresh(over);
    await vscode.commands.executeCommand(COMMANDS.openSubscriptionById, ref);
    ctx.lastError = undefined;
    await answering(ctx, confirm, () => vscode.commands.executeCommand(COMMANDS.deleteKey, { ...ref, key: 'k22' }));
    assert.equal(ctx.lastError, undefined, `no error: ${ctx.lastError ?? ''}`);
    assert.equal(Object.keys(sandbox.getDb(idGate, ref.idSubscription)!).length, 21);

    const editor = await openDbEditor(ref);
    const edited: Db = { ...sandbox.getDb(idGate, ref.idSubscription)! };
    delete edited.k21;
    delete edited.k20;
    await replaceText(editor, serializeDb(edited));
    const errors = () => vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === DIAGNOSTIC_SOURCE && d.severity === vscode.DiagnosticSeverity.Error);
    await waitFor('diagnostics to settle', () => (errors().length === 0 ? true : undefined));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true, 'a save that only deletes is allowed');
    assert.deepEqual(calls(sandbox), [{ route: 'getDb', status: 200 }, { route: 'deleteDb', status: 204, body: { keys: ['k20', 'k21'] } }]);
    assert.equal(sandbox.getDb(idGate, ref.idSubscription)!.k05, 1.5, 'the untouched 1.5 is left as it is');
  });

  test('a lone surrogate is an error at its exact range, and the save sends nothing', async () => {
    const ref = fresh({ a: 1 });
    const editor = await openDbEditor(ref);
    const text = '{\n  "a": 1,\n  "\\ud800x": 2\n}\n';
    await replaceText(editor, text);
    const diagnostic = await waitFor('the diagnostic', () =>
      vscode.languages.getDiagnostics(editor.document.uri).find((d) => d.source === DIAGNOSTIC_SOURCE && d.severity === vscode.DiagnosticSeverity.Error));
    assert.equal(editor.document.getText(diagnostic.range), '"\\ud800x"');
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), false);
    assert.equal(sandbox.journal.length, 0);
    assert.equal(editor.document.getText(), text, 'the edit is intact');
  });
});
