// Bad input from both sides. From the user: every document of the invalid corpus gets its diagnostics at the exact
// range and a save that sends nothing. From the server: malformed and hostile answers get a clear error, add nothing
// to the tree, never become a logup: path, and leave the extension working.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, EXTENSION_ID } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import { analyzeDbDocument, serializeDb } from '../../src/core/dbDocument';
import { parseDbPath } from '../../src/core/dbPath';
import type { Db } from '../../src/core/db';
import type { VerifyTokenResult } from '../../src/commands/verifyToken';
import { DEMO_GATE, DEMO_LOGUP_TOKENS } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { closeAllEditors, extensionCtx, openDbEditor, removeAllGates, removeGate, waitFor } from './helpers';

const idGate = DEMO_GATE.idGate;
const ALPHA_TOKEN = DEMO_LOGUP_TOKENS[0]!;

interface Expected {
  code: string;
  text: string;
}

/** Replaces the whole text, keeping the fixture's line endings (VS Code would otherwise convert them). */
async function setText(editor: vscode.TextEditor, text: string): Promise<void> {
  const document = editor.document;
  const whole = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
  const eol = text.includes('\r\n') ? vscode.EndOfLine.CRLF : vscode.EndOfLine.LF;
  const ok = await editor.edit((b) => {
    b.replace(whole, text);
    b.setEndOfLine(eol);
  });
  assert.ok(ok, 'the edit applies');
}

function ourDiagnostics(editor: vscode.TextEditor): Expected[] {
  return vscode.languages
    .getDiagnostics(editor.document.uri)
    .filter((d) => d.source === DIAGNOSTIC_SOURCE)
    .map((d) => ({ code: String(d.code), text: editor.document.getText(d.range) }));
}

/** Every open logup: document has a path that names exactly one DB: nothing escaped the scheme's layout. */
function assertNoStrayDocuments(): void {
  for (const document of vscode.workspace.textDocuments) {
    if (document.uri.scheme === 'logup') assert.ok(parseDbPath(document.uri.path), `unexpected logup: document ${document.uri.toString()}`);
  }
}

async function resetGate(ctx: Ctx, sandbox: SandboxHandle): Promise<void> {
  await removeAllGates(ctx);
  const gate = await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'sandbox' });
  assert.ok(gate, 'the gate is added');
}

suite('Bad input: every invalid document gets a clear message and sends nothing', () => {
  const dir = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'invalid');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expected[]>;
  const files = readdirSync(dir).filter((f) => f !== 'expected.json').sort();
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  let editor: vscode.TextEditor;
  let original: string;

  suiteSetup(async () => {
    sandbox = await startSandbox();
    ctx = await extensionCtx();
    await resetGate(ctx, sandbox);
    // One editor for the whole corpus keeps this fast. Its own subscription: a document model VS Code keeps alive
    // after this suite must not be one another suite opens.
    sandbox.setDb(idGate, 'sub_corpus', { name: 'Corpus', age: 1, vip: true });
    editor = await openDbEditor({ idGate, idSubscription: 'sub_corpus' });
    original = editor.document.getText();
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    if (ctx) await removeGate(ctx, idGate);
    await sandbox?.close();
  });

  test('the corpus has at least 30 documents, each with its expected problems', () => {
    assert.ok(files.length >= 30, `${files.length} documents`);
    assert.deepEqual(Object.keys(expected).sort(), files);
  });

  for (const file of files) {
    test(file, async () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const want = expected[file]!;
      // Back to the valid DB first, so diagnostics left over from the previous document cannot pass for these.
      await setText(editor, original);
      await waitFor('the diagnostics to clear', () => (ourDiagnostics(editor).length === 0 ? true : undefined));

      await setText(editor, text);
      assert.ok(editor.document.isDirty);
      assert.equal(editor.document.getText(), text, 'the document holds the fixture exactly');
      const matched = await waitFor('the expected diagnostics', () => (isDeepEqual(ourDiagnostics(editor), want) ? true : undefined), 5000).catch(() => false);
      if (!matched) assert.deepEqual(ourDiagnostics(editor), want, 'the diagnostics name each problem at its exact range');
      const diagnostics = vscode.languages.getDiagnostics(editor.document.uri).filter((x) => x.source === DIAGNOSTIC_SOURCE);
      for (const d of diagnostics) {
        assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
        assert.ok(d.message.length > 20, `a sentence: ${d.message}`);
      }
      // The same text can occur twice (a key repeated three times): the offsets must be the problems' own.
      const analysis = analyzeDbDocument(text);
      assert.ok(!analysis.ok);
      assert.deepEqual(
        diagnostics.map((d) => [editor.document.offsetAt(d.range.start), editor.document.offsetAt(d.range.end)]),
        analysis.problems.map((p) => [p.offset, p.offset + p.length]),
      );

      sandbox.clearJournal();
      assert.equal(await editor.document.save(), false, 'the save is refused');
      assert.equal(sandbox.journal.length, 0, 'no request at all, not even a token call or a GET');
      assert.ok(editor.document.isDirty, 'still dirty');
      assert.equal(editor.document.getText(), text, "the user's text is intact");
    });
  }
});

suite('Bad input from the server: hostile answers get a clear error and change nothing', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;

  suiteSetup(async () => {
    sandbox = await startSandbox();
    ctx = await extensionCtx();
    await resetGate(ctx, sandbox);
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    if (ctx) await removeGate(ctx, idGate);
    await sandbox?.close();
  });

  setup(() => {
    ctx.lastError = undefined;
  });

  teardown(async () => {
    sandbox.clearFaults();
    assertNoStrayDocuments();
    await closeAllEditors();
  });

  async function treeIds(): Promise<string[]> {
    const [gate] = await ctx.tree.getChildren();
    if (!gate) return [];
    return (await ctx.tree.getChildren(gate)).flatMap((n) => (n.kind === 'subscription' ? [n.subscription.idSubscription] : []));
  }

  /** Verifies ALPHA_TOKEN's token while the server answers `answer` instead; returns the command's result. */
  async function verifyWithAnswer(answer: unknown): Promise<VerifyTokenResult | undefined> {
    sandbox.failNext('verification', 1, { status: 200, body: JSON.stringify(answer) });
    return vscode.commands.executeCommand<VerifyTokenResult | undefined>('logup.verifyToken', { input: ALPHA_TOKEN.logupToken, idGate });
  }

  for (const idSubscription of ['../x', 'a/b?c#d', '..', 'sub_ok/../../etc', '%2e%2e%2fx', 'sub x', 'sub_é']) {
    test(`a verification naming the subscription ${JSON.stringify(idSubscription)} is refused before it becomes a path`, async () => {
      const before = await treeIds();
      const result = await verifyWithAnswer({ verified: true, idActor: 'acr_evil', idSubscription, db: { a: 1 } });
      assert.equal(result, undefined, 'the command failed');
      assert.match(ctx.lastError ?? '', /POST \/verification returned an unexpected response: field "idSubscription" is not a valid subscription id/);
      assert.ok(!(ctx.lastError ?? '').includes(ALPHA_TOKEN.logupToken), 'the logupToken is not in the message');
      assert.ok(!ctx.opened.list(idGate).some((s) => s.idSubscription === idSubscription), 'not added');
      assert.deepEqual(await treeIds(), before, 'the tree is unchanged');
    });
  }

  test('a verification with missing or wrong-typed fields is refused with the field named', async () => {
    const cases: [unknown, RegExp][] = [
      [{ verified: true, idActor: 'acr_x', db: {} }, /field "idSubscription" is missing/],
      [{ verified: true, idActor: 'acr_x', idSubscription: 42, db: {} }, /field "idSubscription" should be a string/],
      [{ verified: true, idActor: 'acr_x', idSubscription: 'sub_typed', db: { a: { nested: 1 } } }, /field "db\.a" has the wrong type/],
      [{ verified: true, idActor: 'acr_x', idSubscription: 'sub_typed', db: [1, 2] }, /field "db" should be an object/],
      [{ verified: 'yes', idActor: 'acr_x', idSubscription: 'sub_typed', db: {} }, /unexpected response/],
      ['verified', /unexpected response/],
    ];
    for (const [answer, message] of cases) {
      ctx.lastError = undefined;
      assert.equal(await verifyWithAnswer(answer), undefined);
      assert.match(ctx.lastError ?? '', message, JSON.stringify(answer));
      assert.ok(!ctx.opened.has(idGate, 'sub_typed'), 'nothing added');
    }
  });

  test('a wrong-typed DB, an HTML error page, a non-JSON page and a 10 MB body: clear errors, nothing opened', async () => {
    const id = 'sub_hostile';
    sandbox.setDb(idGate, id, { name: 'Ada' });
    const cases: [Parameters<SandboxHandle['failNext']>[2], RegExp][] = [
      [{ status: 200, body: '{"name": ["Ada"], "age": 36}' }, /GET \/subscription\/sub_hostile\/db returned an unexpected response: field "name" has the wrong type/],
      [{ status: 200, body: '[1, 2]' }, /returned an unexpected response: the body should be an object/],
      [{ status: 200, body: '' }, /returned an unexpected response: the body is empty/],
      [{ status: 200, body: '<!doctype html><html><body>Sign in to the Wi-Fi</body></html>' }, /the body is not JSON \(is the base URL right\?\)/],
      [
        { status: 500, body: '<!DOCTYPE html><html><head><title>500 Internal Server Error</title><script>alert("x")</script></head><body><h1>Oops</h1></body></html>' },
        /GET \/subscription\/sub_hostile\/db failed: 500 500 Internal Server Error/,
      ],
      [{ status: 200, body: `{"big": "${'x'.repeat(10 * 1024 * 1024)}"}` }, /the body is larger than 2 MB/],
    ];
    for (const [fault, message] of cases) {
      ctx.lastError = undefined;
      sandbox.failNext('getDb', 1, fault);
      await vscode.commands.executeCommand('logup.openSubscriptionById', { idGate, idSubscription: id });
      assert.match(ctx.lastError ?? '', message);
      assert.ok(!/[<>]/.test(ctx.lastError ?? ''), `no markup in the message: ${ctx.lastError ?? ''}`);
      assert.ok(!ctx.opened.has(idGate, id), 'not added to the tree');
    }
    // The same DB editor, opened while the server answers garbage, does not open.
    ctx.lastError = undefined;
    sandbox.failNext('getDb', 1, { status: 200, body: '{"name": null}' });
    await vscode.commands.executeCommand('logup.openDb', { idGate, idSubscription: id });
    assert.match(ctx.lastError ?? '', /field "name" has the wrong type/);
  });

  test('a "__proto__" key on the server is shown and kept like any other key', async () => {
    const db = JSON.parse('{"__proto__": "kept", "constructor": 1, "plain": true}') as Db;
    sandbox.setDb(idGate, 'sub_proto', db);
    const editor = await openDbEditor({ idGate, idSubscription: 'sub_proto' });
    assert.equal(editor.document.getText(), serializeDb(db));
    assert.ok(editor.document.getText().includes('"__proto__": "kept"'));
    const edited = JSON.parse('{"__proto__": "kept", "constructor": 2, "plain": true}') as Db;
    const whole = new vscode.Range(editor.document.positionAt(0), editor.document.positionAt(editor.document.getText().length));
    await editor.edit((b) => b.replace(whole, serializeDb(edited)));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true);
    assert.deepEqual(sandbox.journal.filter((e) => e.route === 'putDb').map((e) => e.body), [{ data: [{ key: 'constructor', value: 2 }] }], 'only the changed key is sent');
    assert.equal(sandbox.count('deleteDb'), 0, '"__proto__" is not mistaken for a deleted key');
    assert.deepEqual(Object.entries(sandbox.getDb(idGate, 'sub_proto')!).sort(), Object.entries(edited).sort());
  });

  test('after all that, the extension still verifies a token and opens a DB', async () => {
    const result = await vscode.commands.executeCommand<VerifyTokenResult>('logup.verifyToken', { input: ALPHA_TOKEN.logupToken, idGate });
    assert.ok(result?.verification.verified);
    assert.ok((await treeIds()).includes(ALPHA_TOKEN.idSubscription));
    sandbox.setDb(idGate, 'sub_after', { still: 'works' });
    const editor = await openDbEditor({ idGate, idSubscription: 'sub_after' });
    assert.equal(editor.document.getText(), serializeDb({ still: 'works' }));
  });
});

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}
