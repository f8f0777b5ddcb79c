// What a person meets around the core, in a real editor: the LogUp view comes forward when a command adds to it,
// links, snippets, export and import, and Find.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import { serializeDb } from '../../src/core/dbDocument';
import type { Db } from '../../src/core/db';
import { dbUri } from '../../src/db/subscriptionFileSystem';
import type { SubscriptionRef } from '../../src/db/subscriptionRef';
import type { ModalQuestion } from '../../src/dialogs/modal';
import { parseDeepLink } from '../../src/core/deepLink';
import { DEMO_GATE, DEMO_LOGUP_TOKENS } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import type { SnippetCall, SnippetLanguage } from '../../src/core/snippets';
import type { ImportOutcome } from '../../src/commands/transfer';
import { calls, closeAllEditors, extensionCtx, putThenDelete, removeAllGates, removeGate, waitFor } from './helpers';

const idGate = DEMO_GATE.idGate;
const [ALPHA, BETA, GAMMA] = DEMO_LOGUP_TOKENS as [typeof DEMO_LOGUP_TOKENS[0], typeof DEMO_LOGUP_TOKENS[0], typeof DEMO_LOGUP_TOKENS[0]];
const alpha: SubscriptionRef = { idGate, idSubscription: ALPHA.idSubscription };
const GATE_LABEL = 'Reach Test Gate';
/** The shape of the sandbox's access tokens (96 base64url characters): none may reach a snippet or a link. */
const ACCESS_TOKEN = /[A-Za-z0-9_-]{96}/;

suite('reach: the LogUp view, links, snippets, export/import and Find', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  let originalAsk: Ctx['modal']['ask'];
  let folder: string;
  /** What the modals asked during a test; `answer` decides what the person chooses. */
  let asked: ModalQuestion[];
  let answer: (q: ModalQuestion) => string | undefined;

  suiteSetup(async () => {
    sandbox = await startSandbox();
    ctx = await extensionCtx();
    originalAsk = ctx.modal.ask;
    await removeAllGates(ctx);
    const added = await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'sandbox', label: GATE_LABEL });
    assert.ok(added, 'the sandbox gate is added');
    folder = mkdtempSync(join(tmpdir(), 'logup-reach-'));
  });

  setup(() => {
    asked = [];
    answer = () => undefined;
    ctx.modal.ask = async (q) => {
      asked.push(q);
      return answer(q);
    };
    ctx.lastError = undefined;
  });

  teardown(async () => {
    ctx.modal.ask = originalAsk;
    await closeAllEditors();
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    await removeGate(ctx, idGate);
    await sandbox?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  /** The Explorer in front: the LogUp view is hidden, as for a person who was browsing files. */
  async function showExplorer(): Promise<void> {
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor('the LogUp view to be hidden', () => (ctx.treeView.visible ? undefined : true));
  }

  /** Waits until the LogUp view is visible with the subscription selected in it. */
  async function revealed(ref: SubscriptionRef): Promise<void> {
    await waitFor(`the LogUp view to show ${ref.idSubscription} selected`, () =>
      ctx.treeView.visible && ctx.treeView.selection.some((n) => n.kind === 'subscription' && n.idGate === ref.idGate && n.subscription.idSubscription === ref.idSubscription)
        ? true : undefined);
  }

  function writes(): string[] {
    return putThenDelete(calls(sandbox).filter((c) => c.route === 'putDb' || c.route === 'deleteDb')).map((c) => c.route);
  }

  /** Opens a link the way the workbench routes one (its URL service), not by calling our handler. */
  async function openLink(pathAndQuery: string): Promise<void> {
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(`${vscode.env.uriScheme}://${EXTENSION_ID}${pathAndQuery}`));
  }

  test('Verify Token with the Explorer in front ends with the subscription shown in the LogUp view', async () => {
    await ctx.opened.remove(idGate, ALPHA.idSubscription);
    await showExplorer();
    await vscode.commands.executeCommand('logup.verifyToken', { input: ALPHA.logupToken });
    await revealed(alpha);
  });

  test('Open Subscription by ID with the Explorer in front shows it in the LogUp view', async () => {
    await ctx.opened.remove(idGate, GAMMA.idSubscription);
    await showExplorer();
    await vscode.commands.executeCommand('logup.openSubscriptionById', { idGate, idSubscription: GAMMA.idSubscription });
    await revealed({ idGate, idSubscription: GAMMA.idSubscription });
  });

  test('a /verify link verifies after a confirmation that names the gate, and writes nothing', async () => {
    await ctx.opened.remove(idGate, BETA.idSubscription);
    await showExplorer();
    answer = () => 'Verify';
    sandbox.clearJournal();
    // No gate in the link: the only gate is taken, and the confirmation says which one it is.
    await openLink(`/verify?logupToken=${encodeURIComponent(BETA.logupToken)}&isNewUser=false`);
    await revealed({ idGate, idSubscription: BETA.idSubscription });
    assert.equal(asked.length, 1, 'one confirmation');
    assert.match(asked[0]?.message ?? '', new RegExp(GATE_LABEL));
    assert.match(asked[0]?.detail ?? '', new RegExp(`${idGate} \\(${sandbox.url.replace(/[.]/g, '\\.')}\\)`));
    assert.equal(sandbox.count('verification'), 1);
    assert.deepEqual(writes(), []);
    for (const q of asked) assert.ok(!`${q.message}${q.detail}`.includes(BETA.logupToken), 'the confirmation does not show the token');
  });

  test('a /verify link the person does not confirm sends nothing', async () => {
    await ctx.opened.remove(idGate, BETA.idSubscription);
    const answered = new Promise<void>((resolve) => {
      answer = () => {
        resolve();
        return undefined;
      };
    });
    sandbox.clearJournal();
    await openLink(`/verify?logupToken=${encodeURIComponent(BETA.logupToken)}&gate=${idGate}`);
    await answered;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sandbox.journal.length, 0, 'no request at all');
    assert.ok(!ctx.opened.has(idGate, BETA.idSubscription));
  });

  test('a malformed or unknown link gets a message saying what is wrong and what to do, and sends nothing', async () => {
    sandbox.clearJournal();
    const cases: [string, RegExp][] = [
      [`/verify?logupToken=${encodeURIComponent(BETA.logupToken)}&gate=gate_elsewhere`, /gate gate_elsewhere, which is not added in this VS Code\. Add it with "LogUp: Add Gate"/],
      ['/delete?gate=x', /asks for "\/delete", which LogUp does not know/],
      ['/open?gate=gate_x', /does not name a subscription/],
      [`/open?gate=${idGate}&subscription=sub_alpha&secretKey=${DEMO_GATE.secretKey}`, /carries a credential/],
    ];
    for (const [link, expected] of cases) {
      ctx.lastError = undefined;
      await openLink(link);
      const shown = await waitFor(`the message for ${link.split('?')[0]}`, () => ctx.lastError);
      assert.match(shown, expected);
      assert.ok(!shown.includes(BETA.logupToken) && !shown.includes(DEMO_GATE.secretKey), 'the message repeats no secret');
    }
    assert.deepEqual(asked, []);
    assert.equal(sandbox.journal.length, 0);
  });

  test('Copy Link makes a link, without anything secret in it, that opens the DB when followed', async () => {
    const link = await vscode.commands.executeCommand<string>('logup.copyLink', alpha);
    assert.ok(link, 'Copy Link returns the link it copied');
    assert.ok(!link.includes(DEMO_GATE.secretKey) && !ACCESS_TOKEN.test(link), 'nothing secret in the link');
    assert.equal(await vscode.env.clipboard.readText(), link, 'the link is on the clipboard');
    // Desktop VS Code gives its own scheme's link; a browser workbench (code-server) a callback URL of its server that
    // carries the link's path and query as parameters.
    const url = new URL(link);
    const inner = url.searchParams.has('vscode-path')
      ? { path: url.searchParams.get('vscode-path') ?? '', query: url.searchParams.get('vscode-query') ?? '' }
      : { path: url.pathname, query: url.search.slice(1) };
    assert.deepEqual(parseDeepLink(inner.path, inner.query), { ok: true, link: { kind: 'open', idGate, idSubscription: ALPHA.idSubscription } }, link);

    // Followed as a person would: a browser opens the callback URL; VS Code's own link is routed by the workbench.
    if (url.protocol === 'http:' || url.protocol === 'https:') await vscode.env.openExternal(vscode.Uri.parse(link));
    else await vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(link));
    await waitFor('the DB editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === dbUri(alpha).toString()));
    assert.deepEqual(asked, [], 'opening asks nothing: it only reads');
  });

  test('the curl and SDK snippets on the clipboard hold no secret and no token', async () => {
    await ctx.store.read(alpha);
    for (const language of ['curl', 'python'] as SnippetLanguage[]) {
      for (const call of ['token', 'get', 'put', 'delete'] as SnippetCall[]) {
        const text = await vscode.commands.executeCommand<string>('logup.copySnippet', alpha, { language, call });
        assert.ok(text, `${language} ${call} returns the snippet`);
        assert.ok(!text.includes(DEMO_GATE.secretKey), `${language} ${call}: no secret key`);
        assert.ok(!ACCESS_TOKEN.test(text), `${language} ${call}: no access token`);
        assert.ok(!DEMO_LOGUP_TOKENS.some((t) => text.includes(t.logupToken)), `${language} ${call}: no logupToken`);
        assert.match(text, language === 'curl' && call !== 'token' ? /\$LOGUP_ACCESS_TOKEN/ : /LOGUP_SECRET_KEY/);
        assert.equal(await vscode.env.clipboard.readText(), text, `${language} ${call}: the snippet is on the clipboard`);
      }
    }
  });

  test('export then import of the same file sends nothing but the check GET', async () => {
    const file = vscode.Uri.file(join(folder, 'alpha.json'));
    await vscode.commands.executeCommand('logup.exportDb', alpha, file);
    assert.equal(readFileSync(file.fsPath, 'utf8'), serializeDb(sandbox.getDb(idGate, ALPHA.idSubscription)!));
    sandbox.clearJournal();
    const outcome = await vscode.commands.executeCommand<ImportOutcome>('logup.importDb', alpha, file);
    assert.deepEqual(outcome, { kind: 'unchanged' });
    assert.deepEqual(calls(sandbox).map((c) => c.route), ['getDb']);
    assert.deepEqual(asked, [], 'nothing to confirm');
  });

  test('an import makes the DB the file, after a confirmation that says absent keys are deleted, through the store', async () => {
    // A subscription no editor ever showed: a DB change makes VS Code re-read an open (or recently closed) document,
    // and that GET is not the import's.
    const target: SubscriptionRef = { idGate, idSubscription: 'sub_import' };
    const server: Db = { name: 'Ada', plan: 'pro', age: 36 };
    sandbox.setDb(idGate, target.idSubscription, server);
    const wanted: Db = { name: 'Ada', plan: 'team', city: 'Rome' };
    const file = vscode.Uri.file(join(folder, 'wanted.json'));
    writeFileSync(file.fsPath, JSON.stringify(wanted, null, 2));

    // Cancelled: only the check GET.
    sandbox.clearJournal();
    assert.deepEqual(await vscode.commands.executeCommand<ImportOutcome>('logup.importDb', target, file), { kind: 'cancelled' });
    assert.deepEqual(calls(sandbox).map((c) => c.route), ['getDb']);
    assert.match(asked[0]?.message ?? '', /Replace the DB of sub_import with the content of wanted\.json\?/);
    assert.match(asked[0]?.detail ?? '', /keys the file does not have are deleted/);
    assert.match(asked[0]?.detail ?? '', /Deleted, because the file does not have them: "age"\./);

    answer = (q) => (q.actions.includes('Import') ? 'Import' : undefined);
    sandbox.clearJournal();
    const outcome = await vscode.commands.executeCommand<ImportOutcome>('logup.importDb', target, file);
    assert.equal(outcome?.kind, 'imported');
    assert.deepEqual(sandbox.getDb(idGate, target.idSubscription), wanted);
    // The read the confirmation showed, then the save's own read after the person's choice: a change made on the
    // server while the modal was open is merged or refused, never overwritten. Then only the difference.
    assert.deepEqual(putThenDelete(calls(sandbox)).map((c) => c.route), ['getDb', 'getDb', 'putDb', 'deleteDb'], 'a check after the confirmation, then only the difference');
    await waitFor('the History view to list the import', () => (ctx.history.list().some((e) => e.idSubscription === target.idSubscription && e.origin === 'import' && e.outcome === 'done') ? true : undefined));
  });

  test('an import of a file with problems sends nothing and lists them with their line and column', async () => {
    const file = vscode.Uri.file(join(folder, 'broken.json'));
    writeFileSync(file.fsPath, '{\n  "plan": "pro",\n  "plan": null,\n  "age": 1.5\n}\n');
    sandbox.clearJournal();
    const outcome = await vscode.commands.executeCommand<ImportOutcome>('logup.importDb', alpha, file);
    assert.equal(outcome?.kind, 'refused');
    assert.deepEqual(writes(), []);
    assert.equal(asked.length, 1);
    assert.match(asked[0]?.message ?? '', /Nothing was imported: broken\.json has 3 problems\./);
    const detail = asked[0]?.detail ?? '';
    for (const place of ['broken.json:3:3 ', 'broken.json:3:11 ', 'broken.json:4:10 ']) assert.ok(detail.includes(place), `the detail names ${place.trim()}`);
    const diagnostics = vscode.languages.getDiagnostics(file);
    assert.deepEqual(diagnostics.map((d) => [d.range.start.line + 1, d.range.start.character + 1]), [[3, 3], [3, 11], [4, 10]]);
  });

  test('an import from an open editor whose text grew over 1 MB is refused before it is checked: nothing is read or sent', async () => {
    const file = vscode.Uri.file(join(folder, 'grown.json'));
    writeFileSync(file.fsPath, '{}\n');
    const document = await vscode.workspace.openTextDocument(file);
    const grow = new vscode.WorkspaceEdit();
    grow.insert(file, new vscode.Position(0, 1), `"pad": "${'x'.repeat(1024 * 1024)}"`);
    assert.ok(await vscode.workspace.applyEdit(grow));
    try {
      sandbox.clearJournal();
      ctx.lastError = undefined;
      const outcome = await vscode.commands.executeCommand<ImportOutcome | undefined>('logup.importDb', alpha, file);
      assert.equal(outcome, undefined, 'not checked, so neither refused nor imported');
      assert.match(ctx.lastError ?? '', /grown\.json cannot be read.*too large/);
      assert.deepEqual(calls(sandbox), [], 'not even the read of the server\'s DB');
    } finally {
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });

  test('Find reveals the subscription whose loaded DB matches key=value', async () => {
    sandbox.setDb(idGate, BETA.idSubscription, { plan: 'enterprise-reach' });
    await ctx.opened.add(idGate, { idSubscription: BETA.idSubscription });
    await ctx.store.read({ idGate, idSubscription: BETA.idSubscription });
    await showExplorer();
    const ref = await vscode.commands.executeCommand<SubscriptionRef>('logup.findSubscription', { query: 'plan=enterprise-reach' });
    assert.deepEqual(ref, { idGate, idSubscription: BETA.idSubscription });
    await revealed(ref);
  });
});
