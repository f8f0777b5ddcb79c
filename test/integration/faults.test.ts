// The fault matrix: every way a save can fail, driven through the real save path (document.save() → the logup:
// FileSystemProvider → DbStore → LogUpClient → sandbox). For each: the edit stays in the editor, dirty; the server
// holds what the message says; keys the user did not touch keep their values; saving again sends only what is left.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { secretKeyFor } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import { serializeDb } from '../../src/core/dbDocument';
import type { Db } from '../../src/core/db';
import type { SubscriptionRef } from '../../src/db/subscriptionRef';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { calls, closeAllEditors, extensionCtx, openDbEditor, replaceText, waitFor } from './helpers';

const idGate = DEMO_GATE.idGate;

/** A DB whose save plan is PUT first: change `age`, add `score`, delete `plan`; four keys are left alone. */
const BASE: Db = { name: 'Ada Lovelace', country: 'italy', age: 36, plan: 'pro', newsletter: false, vip: true };
const EDITED: Db = { name: 'Ada Lovelace', country: 'italy', age: 37, newsletter: false, vip: true, score: 7 };
const PUT_BODY = { data: [{ key: 'age', value: 37 }, { key: 'score', value: 7 }] };
const DELETE_BODY = { keys: ['plan'] };

/** 20 keys: adding 2 and deleting 2 would briefly hold 22 if the PUT went first, so the DELETE goes first. */
const FULL: Db = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${String(i + 1).padStart(2, '0')}`, i + 1]));
const FULL_EDITED: Db = (() => {
  const db: Db = { ...FULL, n1: 'one', n2: 'two' };
  delete db.k01;
  delete db.k02;
  return db;
})();
const FULL_PUT_BODY = { data: [{ key: 'n1', value: 'one' }, { key: 'n2', value: 'two' }] };
const FULL_DELETE_BODY = { keys: ['k01', 'k02'] };

interface Row {
  scenario: string;
  outcome: string;
}

suite('Faults: nothing lost, nothing overwritten', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  const failures: unknown[] = [];
  const matrix: Row[] = [];
  let unspy = (): void => undefined;
  let n = 0;

  suiteSetup(async () => {
    sandbox = await startSandbox();
    ctx = await extensionCtx();
    for (const gate of ctx.gates.list()) await vscode.commands.executeCommand('logup.removeGate', { idGate: gate.idGate, confirmed: true });
    const gate = await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url });
    assert.ok(gate, 'the gate is added');
    unspy = spyOnFileSystem(ctx, failures);
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    if (ctx) {
      unspy();
      await vscode.commands.executeCommand('logup.removeGate', { idGate, confirmed: true });
    }
    await sandbox?.close();
    const width = Math.max(...matrix.map((r) => r.scenario.length), 'scenario'.length);
    console.log(`\n  Fault matrix (${matrix.length} scenarios)\n  ${'scenario'.padEnd(width)} | outcome`);
    console.log(`  ${'-'.repeat(width)}-+-${'-'.repeat(60)}`);
    for (const row of matrix) console.log(`  ${row.scenario.padEnd(width)} | ${row.outcome}`);
  });

  setup(() => {
    failures.length = 0;
  });

  teardown(async function () {
    // A failing scenario still gets its row, so the printed matrix never looks greener than the run.
    if (this.currentTest?.state === 'failed') matrix.push({ scenario: this.currentTest.title.slice(0, 60), outcome: 'FAILED' });
    sandbox.clearFaults();
    await closeAllEditors();
  });

  /** A fresh subscription holding `db`, opened in an editor and edited to `edited` (dirty, not saved). */
  async function editedSubscription(db: Db, edited: Db): Promise<{ ref: SubscriptionRef; editor: vscode.TextEditor; text: string }> {
    const ref = { idGate, idSubscription: `sub_fault${++n}` };
    sandbox.setDb(idGate, ref.idSubscription, db);
    const editor = await openDbEditor(ref);
    assert.equal(editor.document.getText(), serializeDb(db));
    const text = serializeDb(edited);
    await replaceText(editor, text);
    sandbox.clearJournal();
    return { ref, editor, text };
  }

  /** What the user was told about the failed save: the message of the error the provider gave VS Code. */
  function shownMessage(): string {
    const last = failures.at(-1);
    assert.ok(last instanceof Error, 'the provider refused the write');
    assert.match(last.name, /FileSystemError/, 'a FileSystemError, so VS Code keeps the editor dirty');
    return last.message;
  }

  function assertEditKept(editor: vscode.TextEditor, text: string): void {
    assert.ok(editor.document.isDirty, 'the editor is still dirty');
    assert.equal(editor.document.getText(), text, "the user's text is intact");
  }

  /** Keys the user did not touch hold their original values on the server. */
  function assertUntouched(ref: SubscriptionRef, base: Db, edited: Db): void {
    const server = sandbox.getDb(idGate, ref.idSubscription)!;
    for (const [key, value] of Object.entries(base)) {
      if (Object.hasOwn(edited, key) && edited[key] === value) assert.equal(server[key], value, `untouched key ${key} kept its value`);
    }
  }

  async function saveAgain(editor: vscode.TextEditor, ref: SubscriptionRef, edited: Db): Promise<ReturnType<typeof calls>> {
    sandbox.clearFaults();
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true, 'saving again succeeds');
    assert.ok(!editor.document.isDirty);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), edited, 'the server holds the edit');
    return calls(sandbox);
  }

  test('token endpoint down: nothing is sent, saving again completes', async () => {
    const { ref, editor, text } = await editedSubscription(BASE, EDITED);
    await ctx.clients.reset(idGate); // the next call needs a new access token
    sandbox.failNext('token', 50, { status: 503 });
    assert.equal(await editor.document.save(), false, 'the save fails');
    assertEditKept(editor, text);
    assert.ok(sandbox.count('token') >= 1, 'the token call was tried');
    assert.ok(sandbox.journal.every((e) => e.route === 'token' && e.status === 503), 'no other call got through');
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), BASE, 'the server is unchanged');
    const message = shownMessage();
    assert.match(message, /oauth\/token failed: 503/);
    assert.match(message, /Nothing was changed on the server/);

    const retry = await saveAgain(editor, ref, EDITED);
    assert.deepEqual(retry, [
      { route: 'getDb', status: 200 },
      { route: 'putDb', status: 200, body: PUT_BODY },
      { route: 'deleteDb', status: 204, body: DELETE_BODY },
    ]);
    assert.equal(sandbox.count('token'), 1, 'one new token');
    matrix.push({ scenario: 'token endpoint down (503)', outcome: 'refused, 0 writes, server unchanged; retry: GET+PUT+DELETE' });
  });

  test('401 once in the middle of a save: a fresh token, the PUT is sent once more, saved', async () => {
    const { ref, editor } = await editedSubscription(BASE, EDITED);
    sandbox.failNext('putDb', 1, { status: 401 });
    assert.equal(await editor.document.save(), true, 'the client recovers by itself');
    assert.ok(!editor.document.isDirty);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), EDITED);
    assert.deepEqual(calls(sandbox), [
      { route: 'getDb', status: 200 },
      { route: 'putDb', status: 401, body: PUT_BODY },
      { route: 'putDb', status: 200, body: PUT_BODY },
      { route: 'deleteDb', status: 204, body: DELETE_BODY },
    ]);
    assert.equal(sandbox.count('token'), 1, 'exactly one new token');
    matrix.push({ scenario: '401 once mid-save (token expired)', outcome: 'saved: 1 new token, PUT re-sent once' });
  });

  test('401 twice after a DELETE: partial save, saving again sends only the PUT', async () => {
    const { ref, editor, text } = await editedSubscription(FULL, FULL_EDITED);
    sandbox.failNext('putDb', 2, { status: 401 });
    assert.equal(await editor.document.save(), false);
    assertEditKept(editor, text);
    assert.deepEqual(calls(sandbox), [
      { route: 'getDb', status: 200 },
      { route: 'deleteDb', status: 204, body: FULL_DELETE_BODY },
      { route: 'putDb', status: 401, body: FULL_PUT_BODY },
      { route: 'putDb', status: 401, body: FULL_PUT_BODY },
    ]);
    const afterDelete = withoutKeys(FULL, ['k01', 'k02']);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), afterDelete, 'the server holds the deletion only');
    assert.match(shownMessage(), /Saved the deletion of 2 keys, but adding or changing 2 keys failed: .*401.*Save again/);
    assertUntouched(ref, FULL, FULL_EDITED);

    const retry = await saveAgain(editor, ref, FULL_EDITED);
    assert.deepEqual(retry, [{ route: 'getDb', status: 200 }, { route: 'putDb', status: 200, body: FULL_PUT_BODY }]);
    matrix.push({ scenario: '401 twice mid-save (after DELETE)', outcome: 'partial: DELETE done, PUT refused; retry: GET+PUT' });
  });

  test('500 on the DELETE: the PUT is kept, saving again sends only the DELETE', async () => {
    const { ref, editor, text } = await editedSubscription(BASE, EDITED);
    sandbox.failNext('deleteDb', 1, { status: 500 });
    assert.equal(await editor.document.save(), false);
    assertEditKept(editor, text);
    assert.deepEqual(calls(sandbox), [
      { route: 'getDb', status: 200 },
      { route: 'putDb', status: 200, body: PUT_BODY },
      { route: 'deleteDb', status: 500, body: DELETE_BODY },
    ]);
    // A 500 may come after the server acted: the message does not promise either way, the retry re-reads.
    assert.match(shownMessage(), /^Saved 2 keys added or changed, but deleting 1 key failed: DELETE \S+ failed: 500 .*The server may or may not have applied it; save again/);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { ...BASE, age: 37, score: 7 }, 'the PUT only, as the message says');
    assertUntouched(ref, BASE, EDITED);

    const retry = await saveAgain(editor, ref, EDITED);
    assert.deepEqual(retry, [{ route: 'getDb', status: 200 }, { route: 'deleteDb', status: 204, body: DELETE_BODY }]);
    matrix.push({ scenario: '500 on the DELETE', outcome: 'partial: PUT done, DELETE 500 (may have applied, said); retry: GET+DELETE' });
  });

  test('500 on the PUT after a successful DELETE: saving again sends only the PUT', async () => {
    const { ref, editor, text } = await editedSubscription(FULL, FULL_EDITED);
    sandbox.failNext('putDb', 1, { status: 500 });
    assert.equal(await editor.document.save(), false);
    assertEditKept(editor, text);
    assert.deepEqual(calls(sandbox), [
      { route: 'getDb', status: 200 },
      { route: 'deleteDb', status: 204, body: FULL_DELETE_BODY },
      { route: 'putDb', status: 500, body: FULL_PUT_BODY },
    ]);
    assert.match(shownMessage(), /^Saved the deletion of 2 keys, but adding or changing 2 keys failed: PUT \S+ failed: 500 .*The server may or may not have applied it; save again/);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), withoutKeys(FULL, ['k01', 'k02']));
    assertUntouched(ref, FULL, FULL_EDITED);

    const retry = await saveAgain(editor, ref, FULL_EDITED);
    assert.deepEqual(retry, [{ route: 'getDb', status: 200 }, { route: 'putDb', status: 200, body: FULL_PUT_BODY }]);
    matrix.push({ scenario: '500 on the PUT after a DELETE', outcome: 'partial: DELETE done, PUT 500 (may have applied, said); retry: GET+PUT' });
  });

  test('a timeout on the PUT: the message says it may have been applied; saving again sends only the DELETE', async () => {
    const config = vscode.workspace.getConfiguration('logup');
    const restore = async (): Promise<void> => {
      await config.update('requestTimeoutSeconds', undefined, vscode.ConfigurationTarget.Global);
      await ctx.clients.resetAll();
    };
    await config.update('requestTimeoutSeconds', 1, vscode.ConfigurationTarget.Global);
    try {
      await ctx.clients.resetAll();
      const { ref, editor, text } = await editedSubscription(BASE, EDITED);
      // The sandbox still applies the PUT after the client gave up, as a slow real server would.
      sandbox.failNext('putDb', 1, { delayMs: 1500 });
      assert.equal(await editor.document.save(), false);
      assertEditKept(editor, text);
      const message = shownMessage();
      assert.match(message, /^Saving failed: adding or changing 2 keys failed: PUT \/subscription\/sub_fault\d+\/db timed out after 1000 ms\. The server may or may not have applied it; save again/);
      assert.equal(sandbox.count('deleteDb'), 0, 'nothing was sent after the PUT that timed out');
      await waitFor('the late PUT to land', () => (sandbox.getDb(idGate, ref.idSubscription)?.score === 7 ? true : undefined), 5000);
      assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), { ...BASE, age: 37, score: 7 });
      assertUntouched(ref, BASE, EDITED);
      // The retry runs with the normal timeout, so a slow moment on this machine cannot add a GET retry.
      await restore();

      // Our own late write is not mistaken for someone else's change.
      const retry = await saveAgain(editor, ref, EDITED);
      assert.deepEqual(retry, [{ route: 'getDb', status: 200 }, { route: 'deleteDb', status: 204, body: DELETE_BODY }]);
      matrix.push({ scenario: 'timeout on the PUT (applied late)', outcome: 'unknown outcome said; retry: GET+DELETE' });
    } finally {
      await restore();
    }
  });

  test('a dropped connection on the PUT: not applied, saving again sends the whole plan', async () => {
    const { ref, editor, text } = await editedSubscription(BASE, EDITED);
    sandbox.failNext('putDb', 1, { drop: true });
    assert.equal(await editor.document.save(), false);
    assertEditKept(editor, text);
    assert.deepEqual(calls(sandbox), [{ route: 'getDb', status: 200 }, { route: 'putDb', status: 0, body: PUT_BODY }], 'a write is never re-sent blindly');
    const message = shownMessage();
    assert.match(message, /^Saving failed: adding or changing 2 keys failed: PUT \/subscription\/sub_fault\d+\/db failed: could not reach the LogUp server.*The server may or may not have applied it; save again/);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), BASE, 'the dropped PUT was not applied');

    const retry = await saveAgain(editor, ref, EDITED);
    assert.deepEqual(retry, [
      { route: 'getDb', status: 200 },
      { route: 'putDb', status: 200, body: PUT_BODY },
      { route: 'deleteDb', status: 204, body: DELETE_BODY },
    ]);
    matrix.push({ scenario: 'dropped connection on the PUT', outcome: 'unknown outcome said, not applied; retry: GET+PUT+DELETE' });
  });

  test('429 with Retry-After: 1 on the PUT: the client waits and the save succeeds with one extra call', async () => {
    const { ref, editor } = await editedSubscription(BASE, EDITED);
    sandbox.failNext('putDb', 1, { status: 429, headers: { 'retry-after': '1' } });
    assert.equal(await editor.document.save(), true);
    assert.ok(!editor.document.isDirty);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), EDITED);
    assert.deepEqual(calls(sandbox), [
      { route: 'getDb', status: 200 },
      { route: 'putDb', status: 429, body: PUT_BODY },
      { route: 'putDb', status: 200, body: PUT_BODY },
      { route: 'deleteDb', status: 204, body: DELETE_BODY },
    ]);
    const puts = sandbox.journal.filter((e) => e.route === 'putDb');
    assert.ok(puts[1]!.at - puts[0]!.at >= 900, `waited ${puts[1]!.at - puts[0]!.at} ms as Retry-After asked`);
    matrix.push({ scenario: '429 Retry-After: 1 on the PUT', outcome: 'saved after waiting 1 s: PUT sent twice' });
  });

  test("a 400 limit error from the server: the server's words are shown, nothing changed", async () => {
    const { ref, editor, text } = await editedSubscription(BASE, EDITED);
    sandbox.failNext('putDb', 1, { status: 400, body: JSON.stringify({ errorMessage: 'DB_LIMIT_EXCEEDED: a subscription holds at most 20 keys' }) });
    assert.equal(await editor.document.save(), false);
    assertEditKept(editor, text);
    assert.deepEqual(calls(sandbox), [{ route: 'getDb', status: 200 }, { route: 'putDb', status: 400, body: PUT_BODY }]);
    const message = shownMessage();
    assert.match(message, /400 DB_LIMIT_EXCEEDED: a subscription holds at most 20 keys/);
    assert.match(message, /Nothing was changed on the server/);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), BASE);

    const retry = await saveAgain(editor, ref, EDITED);
    assert.deepEqual(retry, [
      { route: 'getDb', status: 200 },
      { route: 'putDb', status: 200, body: PUT_BODY },
      { route: 'deleteDb', status: 204, body: DELETE_BODY },
    ]);
    matrix.push({ scenario: '400 limit error on the PUT', outcome: "refused with the server's words, server unchanged; retry: GET+PUT+DELETE" });
  });

  test('the same key changed on the server between read and save: never overwritten, a merge saves only my change', async () => {
    const ref = { idGate, idSubscription: `sub_fault${++n}` };
    sandbox.setDb(idGate, ref.idSubscription, BASE);
    const editor = await openDbEditor(ref);
    const theirs: Db = { ...BASE, age: 40, country: 'spain', theirs: 'added elsewhere' };
    sandbox.setDb(idGate, ref.idSubscription, theirs);
    const mine = { ...BASE, age: 37 };
    await replaceText(editor, serializeDb(mine));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), false, 'refused');
    assert.equal(await editor.document.save(), false, 'refused again: no silent overwrite on a second try');
    assertEditKept(editor, serializeDb(mine));
    assert.equal(sandbox.count('putDb') + sandbox.count('deleteDb'), 0, 'no write call');
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), theirs, 'the other change is kept');

    // The user keeps their text, reloads the server's version and applies their change on top of it.
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.equal(editor.document.getText(), serializeDb(theirs), "the editor shows the server's DB");
    const merged = { ...theirs, age: 37 };
    await replaceText(editor, serializeDb(merged));
    const retry = await saveAgain(editor, ref, merged);
    assert.deepEqual(retry, [{ route: 'getDb', status: 200 }, { route: 'putDb', status: 200, body: { data: [{ key: 'age', value: 37 }] } }]);
    matrix.push({ scenario: 'same key changed on the server meanwhile', outcome: 'refused twice (File Modified Since), 0 writes; merge: GET+PUT of my key' });
  });

  test("the gate's secret deleted in another window: nothing sent, Add Gate again and the save completes", async () => {
    const { ref, editor, text } = await editedSubscription(BASE, EDITED);
    await ctx.context.secrets.delete(secretKeyFor(idGate));
    // The extension notices through secrets.onDidChange and drops what it knew about the gate.
    await waitFor('the extension to notice', () => (ctx.store.current(ref) === undefined ? true : undefined));
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), false);
    assertEditKept(editor, text);
    assert.equal(sandbox.journal.length, 0, 'no request at all, not even a token call');
    const message = shownMessage();
    assert.match(message, /no longer stored.*Add Gate/);
    assert.match(message, /Nothing was changed on the server/);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), BASE);

    const gate = await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url });
    assert.ok(gate, 'the gate is added again');
    const retry = await saveAgain(editor, ref, EDITED);
    assert.deepEqual(retry, [
      { route: 'getDb', status: 200 },
      { route: 'putDb', status: 200, body: PUT_BODY },
      { route: 'deleteDb', status: 204, body: DELETE_BODY },
    ]);
    matrix.push({ scenario: 'secret deleted in another window', outcome: '0 requests, "Add Gate" asked; after re-adding: GET+PUT+DELETE' });
  });
});

type Spied = Pick<vscode.FileSystemProvider, 'writeFile' | 'createDirectory'>;

/**
 * Records what the logup: provider throws at VS Code when a save fails: that error's message is what the user
 * reads ("Unable to write file …: <message>").
 */
function spyOnFileSystem(ctx: Ctx, failures: unknown[]): () => void {
  const provider: Spied = ctx.fileSystem;
  const spy = <K extends keyof Spied>(name: K): void => {
    const original = (provider[name] as (...a: unknown[]) => unknown).bind(provider);
    (provider as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      try {
        return await original(...args);
      } catch (error) {
        failures.push(error);
        throw error;
      }
    };
  };
  spy('writeFile');
  spy('createDirectory');
  return () => {
    Reflect.deleteProperty(provider, 'writeFile');
    Reflect.deleteProperty(provider, 'createDirectory');
  };
}

function withoutKeys(db: Db, keys: string[]): Db {
  return Object.fromEntries(Object.entries(db).filter(([key]) => !keys.includes(key)));
}
