// The fault matrix: every way a save can fail, driven through the real save path (document.save() → the logup:
// FileSystemProvider → DbStore → LogUpClient → sandbox). For each: the edit stays in the editor, dirty; the server
// holds what the message says; keys the user did not touch keep their values; saving again sends only what is left.
// One row per scenario (SCENARIOS below); one test runs them all the same way.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { secretKeyFor } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import { serializeDb } from '../../src/core/dbDocument';
import type { Db } from '../../src/core/db';
import type { SubscriptionRef } from '../../src/db/subscriptionRef';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { calls, closeAllEditors, extensionCtx, openDbEditor, removeAllGates, removeGate, replaceText, waitFor } from './helpers';

const idGate = DEMO_GATE.idGate;

/**
 * A DB whose save plan sends the PUT and the DELETE together (the key cap allows either order): change `age`, add
 * `score`, delete `plan`; four keys are left alone.
 */
const BASE: Db = { name: 'Ada Lovelace', country: 'italy', age: 36, plan: 'pro', newsletter: false, vip: true };
const EDITED: Db = { name: 'Ada Lovelace', country: 'italy', age: 37, newsletter: false, vip: true, score: 7 };
const AFTER_PUT: Db = { ...BASE, age: 37, score: 7 };
const AFTER_DELETE: Db = withoutKeys(BASE, ['plan']);
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

type Call = ReturnType<typeof calls>[number];
/** Requests in the order they must reach the server; the calls of one step are sent together, in any order. */
type Steps = readonly (readonly Call[])[];

const GET: Call = { route: 'getDb', status: 200 };
const PUT = (status = 200, body: unknown = PUT_BODY): Call => ({ route: 'putDb', status, body });
const DELETE = (status = 204, body: unknown = DELETE_BODY): Call => ({ route: 'deleteDb', status, body });
const FULL_PUT = (status = 200): Call => PUT(status, FULL_PUT_BODY);
const FULL_DELETE = (status = 204): Call => DELETE(status, FULL_DELETE_BODY);

/** What a scenario's hooks get to work with. */
interface Run {
  readonly sandbox: SandboxHandle;
  readonly ctx: Ctx;
  readonly ref: SubscriptionRef;
  readonly editor: vscode.TextEditor;
}

interface Scenario {
  /** The test's title. */
  readonly title: string;
  /** The matrix row printed at the end: the scenario and its outcome in short. */
  readonly row: string;
  readonly outcome: string;
  /** What the server holds when the editor opens, and the text the user saves. */
  readonly db: Db;
  readonly edited: Db;
  /** Before the editor opens (and undone by `after`): settings the scenario needs. */
  readonly before?: (ctx: Ctx) => Promise<void>;
  readonly after?: (ctx: Ctx) => Promise<void>;
  /** A change on the server after the editor opened and before the user edits. */
  readonly meanwhile?: Db;
  /** The fault, injected once the edit is made (the journal is cleared right after). */
  readonly fault: (run: Run) => Promise<void> | void;
  /** Whether the first save goes through. */
  readonly saved: boolean;
  /** The requests of the first save (token calls aside). */
  readonly calls: Steps;
  /** What the user reads: every pattern must match the message of the failed save (none when VS Code refuses itself). */
  readonly message?: readonly RegExp[];
  /** Checks of its own, before the server's DB is compared. */
  readonly check?: (run: Run) => Promise<void> | void;
  /** The server's DB after the first save. */
  readonly server: Db;
  /** Saving again: what the user does first, the text it saves (default `edited`), and the requests it sends. */
  readonly beforeRetry?: (run: Run) => Promise<void>;
  readonly retryDb?: Db;
  readonly retry?: Steps;
  readonly afterRetry?: (run: Run) => void;
}

async function setTimeoutSeconds(ctx: Ctx, seconds: number | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('logup').update('requestTimeoutSeconds', seconds, vscode.ConfigurationTarget.Global);
  await ctx.clients.resetAll();
}

const SCENARIOS: readonly Scenario[] = [
  {
    title: 'token endpoint down: nothing is sent, saving again completes',
    row: 'token endpoint down (503)', outcome: 'refused, 0 writes, server unchanged; retry: GET, PUT ‖ DELETE',
    db: BASE, edited: EDITED,
    fault: async ({ sandbox, ctx }) => {
      await ctx.clients.reset(idGate); // the next call needs a new access token
      sandbox.failNext('token', 50, { status: 503 });
    },
    saved: false,
    calls: [],
    message: [/oauth\/token failed: 503/, /Nothing was changed on the server/],
    check: ({ sandbox }) => {
      assert.ok(sandbox.count('token') >= 1, 'the token call was tried');
      assert.ok(sandbox.journal.every((e) => e.route === 'token' && e.status === 503), 'no other call got through');
    },
    server: BASE,
    retry: [[GET], [PUT(), DELETE()]],
    afterRetry: ({ sandbox }) => assert.equal(sandbox.count('token'), 1, 'one new token'),
  },
  {
    title: '401 once in the middle of a save: a fresh token, the PUT is sent once more, saved',
    row: '401 once mid-save (token expired)', outcome: 'saved: 1 new token, PUT re-sent once',
    db: BASE, edited: EDITED,
    fault: ({ sandbox }) => sandbox.failNext('putDb', 1, { status: 401 }),
    saved: true,
    calls: [[GET], [PUT(401), DELETE()], [PUT()]],
    check: ({ sandbox }) => assert.equal(sandbox.count('token'), 1, 'exactly one new token'),
    server: EDITED,
  },
  {
    title: '401 twice after a DELETE (20 keys: DELETE first): partial save, saving again sends only the PUT',
    row: '401 twice mid-save (after DELETE)', outcome: 'partial: DELETE done, PUT refused; retry: GET, PUT',
    db: FULL, edited: FULL_EDITED,
    fault: ({ sandbox }) => sandbox.failNext('putDb', 2, { status: 401 }),
    saved: false,
    calls: [[GET], [FULL_DELETE()], [FULL_PUT(401)], [FULL_PUT(401)]],
    message: [/Saved the deletion of 2 keys, but adding or changing 2 keys failed: .*401.*Save again/],
    server: withoutKeys(FULL, ['k01', 'k02']),
    retry: [[GET], [FULL_PUT()]],
  },
  {
    title: '500 on the DELETE while the PUT lands: the PUT is kept, saving again sends only the DELETE',
    row: '500 on the DELETE (PUT ‖ DELETE)', outcome: 'partial: PUT done, DELETE 500 (may have applied, said); retry: GET, DELETE',
    db: BASE, edited: EDITED,
    fault: ({ sandbox }) => sandbox.failNext('deleteDb', 1, { status: 500 }),
    saved: false,
    calls: [[GET], [PUT(), DELETE(500)]],
    // A 500 may come after the server acted: the message does not promise either way, the retry re-reads.
    message: [/^Saved 2 keys added or changed, but deleting 1 key failed: DELETE \S+ failed: 500 .*The server may or may not have applied it; save again/],
    server: AFTER_PUT,
    retry: [[GET], [DELETE()]],
  },
  {
    title: '500 on the PUT while the DELETE lands: the deletion is kept, saving again sends only the PUT',
    row: '500 on the PUT (PUT ‖ DELETE)', outcome: 'partial: DELETE done, PUT 500 (may have applied, said); retry: GET, PUT',
    db: BASE, edited: EDITED,
    fault: ({ sandbox }) => sandbox.failNext('putDb', 1, { status: 500 }),
    saved: false,
    calls: [[GET], [PUT(500), DELETE()]],
    message: [/^Saved the deletion of 1 key, but adding or changing 2 keys failed: PUT \S+ failed: 500 .*The server may or may not have applied it; save again/],
    server: AFTER_DELETE,
    retry: [[GET], [PUT()]],
  },
  {
    title: '500 on the PUT after a successful DELETE (20 keys: DELETE first): saving again sends only the PUT',
    row: '500 on the PUT after a DELETE', outcome: 'partial: DELETE done, PUT 500 (may have applied, said); retry: GET, PUT',
    db: FULL, edited: FULL_EDITED,
    fault: ({ sandbox }) => sandbox.failNext('putDb', 1, { status: 500 }),
    saved: false,
    calls: [[GET], [FULL_DELETE()], [FULL_PUT(500)]],
    message: [/^Saved the deletion of 2 keys, but adding or changing 2 keys failed: PUT \S+ failed: 500 .*The server may or may not have applied it; save again/],
    server: withoutKeys(FULL, ['k01', 'k02']),
    retry: [[GET], [FULL_PUT()]],
  },
  {
    title: 'a DELETE refused at 20 keys: the PUT that had to wait for it is not sent, nothing changed',
    row: '400 on the DELETE (20 keys)', outcome: 'refused, PUT not sent, server unchanged; retry: GET, DELETE, PUT',
    db: FULL, edited: FULL_EDITED,
    fault: ({ sandbox }) => sandbox.failNext('deleteDb', 1, { status: 400 }),
    saved: false,
    calls: [[GET], [FULL_DELETE(400)]],
    message: [/^Saving failed: deleting 2 keys failed: DELETE \S+ failed: 400 .*Nothing was changed on the server/],
    server: FULL,
    retry: [[GET], [FULL_DELETE()], [FULL_PUT()]],
  },
  {
    title: 'the PUT and the DELETE both fail, one of them perhaps applied: both are named, and which one may have landed',
    row: 'PUT 400 and DELETE 500 together', outcome: 'refused: both named, the DELETE may have applied (said); retry: GET, PUT ‖ DELETE',
    db: BASE, edited: EDITED,
    fault: ({ sandbox }) => {
      sandbox.failNext('putDb', 1, { status: 400 });
      sandbox.failNext('deleteDb', 1, { status: 500 });
    },
    saved: false,
    calls: [[GET], [PUT(400), DELETE(500)]],
    message: [
      /^Saving failed: adding or changing 2 keys failed: PUT \S+ failed: 400 .*, and deleting 1 key failed: DELETE \S+ failed: 500 /,
      /Deleting 1 key may or may not have been applied; adding or changing 2 keys was not\. Save again to check and send what is left\.$/,
    ],
    server: BASE,
    retry: [[GET], [PUT(), DELETE()]],
  },
  {
    title: 'a timeout on the PUT while the DELETE lands: the message says the PUT may have been applied; it was, so saving again sends nothing',
    row: 'timeout on the PUT (applied late)', outcome: 'partial: DELETE done, PUT unknown (said); retry: GET only',
    db: BASE, edited: EDITED,
    before: (ctx) => setTimeoutSeconds(ctx, 1),
    // The retry runs with the normal timeout, so a slow moment on this machine cannot add a GET retry.
    after: (ctx) => setTimeoutSeconds(ctx, undefined),
    // The sandbox still applies the PUT after the client gave up, as a slow real server would.
    fault: ({ sandbox }) => sandbox.failNext('putDb', 1, { delayMs: 1500 }),
    saved: false,
    calls: [[GET], [PUT(0), DELETE()]],
    message: [/^Saved the deletion of 1 key, but adding or changing 2 keys failed: PUT \/subscription\/sub_fault\d+\/db timed out after 1000 ms\. The server may or may not have applied it; save again/],
    check: async ({ sandbox, ref }) => {
      await waitFor('the late PUT to land', () => (sandbox.getDb(idGate, ref.idSubscription)?.score === 7 ? true : undefined), 5000);
    },
    server: EDITED,
    beforeRetry: ({ ctx }) => setTimeoutSeconds(ctx, undefined),
    // Our own late write is not mistaken for someone else's change.
    retry: [[GET]],
  },
  {
    title: 'a dropped connection on the PUT while the DELETE lands: the PUT was not applied, saving again sends it',
    row: 'dropped connection on the PUT', outcome: 'partial: DELETE done, PUT unknown (said), not applied; retry: GET, PUT',
    db: BASE, edited: EDITED,
    fault: ({ sandbox }) => sandbox.failNext('putDb', 1, { drop: true }),
    saved: false,
    // A write is never re-sent blindly: one PUT.
    calls: [[GET], [PUT(0), DELETE()]],
    message: [/^Saved the deletion of 1 key, but adding or changing 2 keys failed: PUT \/subscription\/sub_fault\d+\/db failed: could not reach the LogUp server.*The server may or may not have applied it; save again/],
    server: AFTER_DELETE,
    retry: [[GET], [PUT()]],
  },
  {
    title: '429 with Retry-After: 1 on the PUT: the client waits and the save succeeds with one extra call',
    row: '429 Retry-After: 1 on the PUT', outcome: 'saved after waiting 1 s: PUT sent twice',
    db: BASE, edited: EDITED,
    fault: ({ sandbox }) => sandbox.failNext('putDb', 1, { status: 429, headers: { 'retry-after': '1' } }),
    saved: true,
    calls: [[GET], [PUT(429), DELETE()], [PUT()]],
    check: ({ sandbox }) => {
      const puts = sandbox.journal.filter((e) => e.route === 'putDb');
      assert.ok(puts[1]!.at - puts[0]!.at >= 900, `waited ${puts[1]!.at - puts[0]!.at} ms as Retry-After asked`);
    },
    server: EDITED,
  },
  {
    title: "a 400 limit error on the PUT while the DELETE lands: the server's words are shown, saving again sends the PUT",
    row: '400 limit error on the PUT', outcome: "partial: DELETE done, PUT refused with the server's words; retry: GET, PUT",
    db: BASE, edited: EDITED,
    fault: ({ sandbox }) => sandbox.failNext('putDb', 1, { status: 400, body: JSON.stringify({ errorMessage: 'DB_LIMIT_EXCEEDED: a subscription holds at most 20 keys' }) }),
    saved: false,
    calls: [[GET], [PUT(400), DELETE()]],
    message: [/^Saved the deletion of 1 key, but adding or changing 2 keys failed: .*400 DB_LIMIT_EXCEEDED: a subscription holds at most 20 keys\. Save again to send the rest\.$/],
    server: AFTER_DELETE,
    retry: [[GET], [PUT()]],
  },
  {
    title: 'the same key changed on the server between read and save: never overwritten, a merge saves only my change',
    row: 'same key changed on the server meanwhile', outcome: 'refused twice (File Modified Since), 0 writes; merge: GET, PUT of my key',
    db: BASE, edited: { ...BASE, age: 37 },
    meanwhile: { ...BASE, age: 40, country: 'spain', theirs: 'added elsewhere' },
    fault: () => undefined,
    saved: false,
    calls: [[GET]],
    check: async ({ sandbox, editor }) => {
      assert.equal(await editor.document.save(), false, 'refused again: no silent overwrite on a second try');
      assert.equal(sandbox.count('putDb') + sandbox.count('deleteDb'), 0, 'no write call');
    },
    server: { ...BASE, age: 40, country: 'spain', theirs: 'added elsewhere' },
    // The user keeps their text, reloads the server's version and applies their change on top of it.
    beforeRetry: async ({ editor }) => {
      await vscode.window.showTextDocument(editor.document);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      assert.equal(editor.document.getText(), serializeDb({ ...BASE, age: 40, country: 'spain', theirs: 'added elsewhere' }), "the editor shows the server's DB");
      await replaceText(editor, serializeDb({ ...BASE, age: 37, country: 'spain', theirs: 'added elsewhere' }));
    },
    retryDb: { ...BASE, age: 37, country: 'spain', theirs: 'added elsewhere' },
    retry: [[GET], [PUT(200, { data: [{ key: 'age', value: 37 }] })]],
  },
  {
    title: "the gate's secret deleted in another window: nothing sent, Add Gate again and the save completes",
    row: 'secret deleted in another window', outcome: '0 requests, "Add Gate" asked; after re-adding: GET, PUT ‖ DELETE',
    db: BASE, edited: EDITED,
    fault: async ({ ctx, ref }) => {
      await ctx.context.secrets.delete(secretKeyFor(idGate));
      // The extension notices through secrets.onDidChange and drops what it knew about the gate.
      await waitFor('the extension to notice', () => (ctx.store.current(ref) === undefined ? true : undefined));
    },
    saved: false,
    calls: [],
    message: [/no longer stored.*Add Gate/, /Nothing was changed on the server/],
    check: ({ sandbox }) => assert.equal(sandbox.journal.length, 0, 'no request at all, not even a token call'),
    server: BASE,
    beforeRetry: async ({ sandbox }) => {
      const gate = await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'sandbox' });
      assert.ok(gate, 'the gate is added again');
    },
    retry: [[GET], [PUT(), DELETE()]],
  },
];

suite('Faults: nothing lost, nothing overwritten', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  const failures: unknown[] = [];
  const matrix: { scenario: string; outcome: string }[] = [];
  let unspy = (): void => undefined;
  let n = 0;

  suiteSetup(async () => {
    sandbox = await startSandbox();
    ctx = await extensionCtx();
    await removeAllGates(ctx);
    const gate = await vscode.commands.executeCommand('logup.addGate', { idGate, secretKey: DEMO_GATE.secretKey, baseUrl: sandbox.url, environment: 'sandbox' });
    assert.ok(gate, 'the gate is added');
    unspy = spyOnFileSystem(ctx, failures);
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    if (ctx) {
      unspy();
      await removeGate(ctx, idGate);
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

  /** A fresh subscription holding `db`, opened in an editor (then changed on the server), edited to `edited`, not saved. */
  async function editedSubscription(s: Scenario): Promise<Run & { text: string }> {
    const ref = { idGate, idSubscription: `sub_fault${++n}` };
    sandbox.setDb(idGate, ref.idSubscription, s.db);
    const editor = await openDbEditor(ref);
    assert.equal(editor.document.getText(), serializeDb(s.db));
    if (s.meanwhile) sandbox.setDb(idGate, ref.idSubscription, s.meanwhile);
    const text = serializeDb(s.edited);
    await replaceText(editor, text);
    sandbox.clearJournal();
    return { sandbox, ctx, ref, editor, text };
  }

  /** What the user was told about the failed save: the message of the error the provider gave VS Code. */
  function shownMessage(): string {
    const last = failures.at(-1);
    assert.ok(last instanceof Error, 'the provider refused the write');
    assert.match(last.name, /FileSystemError/, 'a FileSystemError, so VS Code keeps the editor dirty');
    return last.message;
  }

  /** Keys the user did not touch hold their original values on the server. */
  function assertUntouched(ref: SubscriptionRef, base: Db, edited: Db): void {
    const server = sandbox.getDb(idGate, ref.idSubscription)!;
    for (const [key, value] of Object.entries(base)) {
      if (Object.hasOwn(edited, key) && edited[key] === value) assert.equal(server[key], value, `untouched key ${key} kept its value`);
    }
  }

  async function saveAgain(editor: vscode.TextEditor, ref: SubscriptionRef, edited: Db): Promise<Call[]> {
    sandbox.clearFaults();
    sandbox.clearJournal();
    assert.equal(await editor.document.save(), true, 'saving again succeeds');
    assert.ok(!editor.document.isDirty);
    assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), edited, 'the server holds the edit');
    return calls(sandbox);
  }

  for (const s of SCENARIOS) {
    test(s.title, async () => {
      await s.before?.(ctx);
      try {
        const run = await editedSubscription(s);
        const { ref, editor, text } = run;
        await s.fault(run);
        sandbox.clearJournal();
        assert.equal(await editor.document.save(), s.saved, s.saved ? 'the save goes through' : 'the save fails');
        if (s.saved) {
          assert.ok(!editor.document.isDirty, 'the editor is clean');
        } else {
          assert.ok(editor.document.isDirty, 'the editor is still dirty');
          assert.equal(editor.document.getText(), text, "the user's text is intact");
        }
        assertSteps(calls(sandbox), s.calls);
        if (s.message) {
          const message = shownMessage();
          for (const pattern of s.message) assert.match(message, pattern);
        }
        await s.check?.(run);
        assert.deepEqual(sandbox.getDb(idGate, ref.idSubscription), s.server, 'the server holds what the user was told');
        if (!s.meanwhile) assertUntouched(ref, s.db, s.edited);
        if (s.retry) {
          await s.beforeRetry?.(run);
          assertSteps(await saveAgain(editor, ref, s.retryDb ?? s.edited), s.retry);
          s.afterRetry?.(run);
        }
        matrix.push({ scenario: s.row, outcome: s.outcome });
      } finally {
        await s.after?.(ctx);
      }
    });
  }
});

/** The journal's calls in `steps`: each step's calls arrive after the previous step's, in any order among themselves. */
function assertSteps(actual: readonly Call[], steps: Steps): void {
  const key = (c: Call): string => JSON.stringify(c);
  const expected = steps.flat();
  assert.equal(actual.length, expected.length, `${actual.length} calls, expected ${expected.length}: ${actual.map(key).join(' ')}`);
  let at = 0;
  for (const step of steps) {
    const got = actual.slice(at, at + step.length).map(key).sort();
    assert.deepEqual(got, step.map(key).sort(), `calls ${at + 1}–${at + step.length}`);
    at += step.length;
  }
}

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
