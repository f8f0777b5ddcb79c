// DbDocuments (src/db/dbDocuments.ts), driven the way VS Code drives the logup: provider, against the sandbox: the
// base of a save moves only when the document takes a read; without a base every difference is a conflict; auto-saves
// write nothing; a conflict that reaches the write forces only its own keys. The model (test/model/) mixes these
// calls at random; these are the editor paths that once reverted a colleague's change (CHANGELOG, Fixed and Security), one by one.
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/core/db';
import { serializeDb } from '../../src/core/dbDocument';
import { DbDocuments, DocumentNotSavedError, type EditorText } from '../../src/db/dbDocuments';
import { DbStore, NO_REVIEW, type Version } from '../../src/db/dbStore';
import type { SubscriptionRef } from '../../src/db/subscriptionRef';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { sandboxClient } from './support';

const idGate = DEMO_GATE.idGate;
const quiet = { info: () => undefined, warn: () => undefined };

/** One document as VS Code holds it, and the calls VS Code makes to the provider (docs/harness.md, H14–H16). */
class Editor {
  text = '';
  dirty = false;
  version: Version = { mtime: 0, size: 0 };
  constructor(
    public docs: DbDocuments,
    readonly ref: SubscriptionRef,
    readonly key: string,
  ) {}

  private get now(): EditorText {
    return { text: this.text, dirty: this.dirty };
  }

  async open(): Promise<void> {
    this.text = await this.docs.readFile(this.key, this.ref);
    this.version = await this.docs.stat(this.key, this.ref, undefined);
    this.docs.documentChanged(this.key, this.now);
  }

  type(db: Db): void {
    this.text = serializeDb(db);
    this.dirty = true;
    this.docs.documentChanged(this.key, this.now);
  }

  /** File: Compare with Saved: a stat and a read the document does not take. */
  async compare(): Promise<string> {
    await this.docs.stat(this.key, this.ref, this.now);
    return this.docs.readFile(this.key, this.ref);
  }

  /** Revert: the text comes in while VS Code still calls the document dirty, then it is called clean. */
  async revert(between?: () => void): Promise<void> {
    this.version = await this.docs.stat(this.key, this.ref, this.now);
    this.text = await this.docs.readFile(this.key, this.ref);
    this.docs.documentChanged(this.key, this.now);
    between?.();
    this.dirty = false;
    this.docs.documentChanged(this.key, this.now);
  }

  /** A save up to VS Code's own check: 'conflict' when it would show Compare / Overwrite. */
  async check(reason: 'manual' | 'auto' = 'manual'): Promise<'conflict' | 'write'> {
    this.docs.willSave(this.key, reason);
    const stat = await this.docs.stat(this.key, this.ref, this.now);
    return stat.mtime > this.version.mtime && stat.size !== this.version.size ? 'conflict' : 'write';
  }

  /** The write (after a check that let it through, or Overwrite), the stat after it, and the reload of a merged DB. */
  async write(): Promise<void> {
    await this.docs.writeFile(this.key, this.ref, this.text, this.now);
    this.version = await this.docs.stat(this.key, this.ref, { text: this.text, dirty: false });
    this.dirty = false;
    this.docs.documentChanged(this.key, this.now);
    this.docs.didSave(this.key, this.ref);
    const version = await this.docs.stat(this.key, this.ref, this.now);
    if (version.mtime === this.version.mtime && version.size === this.version.size) return;
    this.text = await this.docs.readFile(this.key, this.ref);
    this.version = version;
    this.docs.documentChanged(this.key, this.now);
  }

  async save(): Promise<'conflict' | 'saved'> {
    if ((await this.check()) === 'conflict') return 'conflict';
    await this.write();
    return 'saved';
  }
}

describe('DbDocuments: the base of a save is what the editor holds', () => {
  let sandbox: SandboxHandle;
  let n = 0;
  const clients: { close(): Promise<void> }[] = [];
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    for (const client of clients) await client.close();
    await sandbox.close();
  });

  async function opened(db: Db): Promise<{ editor: Editor; store: DbStore; server: () => Db | undefined; colleague: (db: Db) => void }> {
    const ref = { idGate, idSubscription: `sub_docs${++n}` };
    sandbox.setDb(idGate, ref.idSubscription, db);
    const client = sandboxClient(sandbox);
    clients.push(client);
    const store = new DbStore({ clients: { get: async () => client }, reviewer: NO_REVIEW, history: { record: () => undefined }, log: quiet });
    const editor = new Editor(new DbDocuments(store), ref, `logup:/${idGate}/${ref.idSubscription}.json`);
    await editor.open();
    return { editor, store, server: () => sandbox.getDb(idGate, ref.idSubscription), colleague: (next) => sandbox.setDb(idGate, ref.idSubscription, next) };
  }

  const writes = (): unknown[] => sandbox.journal.filter((e) => e.route === 'putDb' || e.route === 'deleteDb').map((e) => e.body);

  it("Compare with Saved before saving: the colleague's change it showed is kept", async () => {
    const { editor, server, colleague } = await opened({ a: 1, b: 1 });
    editor.type({ a: 2, b: 1 });
    colleague({ a: 1, b: 5 });
    assert.equal(await editor.compare(), serializeDb({ a: 1, b: 5 }));
    assert.deepEqual(editor.docs.baseOf(editor.key), { a: 1, b: 1 }, 'the read did not move the base');
    sandbox.clearJournal();
    assert.equal(await editor.save(), 'saved');
    assert.deepEqual(writes(), [{ data: [{ key: 'a', value: 2 }] }]);
    assert.deepEqual(server(), { a: 2, b: 5 });
    assert.equal(editor.text, serializeDb({ a: 2, b: 5 }), 'the merged DB is reloaded');
    assert.deepEqual(editor.docs.baseOf(editor.key), { a: 2, b: 5 });
  });

  it('Revert: the read becomes the base once VS Code calls the document clean, not while it is still dirty', async () => {
    const { editor, server, colleague } = await opened({ a: 1, b: 1 });
    editor.type({ a: 2, b: 1 });
    colleague({ a: 1, b: 5 });
    await editor.revert(() => assert.deepEqual(editor.docs.baseOf(editor.key), { a: 1, b: 1 }, 'not yet'));
    assert.deepEqual(editor.docs.baseOf(editor.key), { a: 1, b: 5 });
    editor.type({ a: 1, b: 6 });
    assert.equal(await editor.save(), 'saved');
    assert.deepEqual(server(), { a: 1, b: 6 }, 'a change on top of what Revert showed is no conflict');
  });

  it('a document restored into a new provider has no base: every difference is a conflict; Overwrite writes the keys the person saw differ', async () => {
    const { editor, store, server, colleague } = await opened({ a: 1, b: 1, c: 1 });
    editor.type({ a: 2, b: 1, c: 1 });
    editor.docs = new DbDocuments(store);
    editor.docs.documentChanged(editor.key, { text: editor.text, dirty: true });
    assert.equal(editor.docs.baseOf(editor.key), undefined);
    colleague({ a: 1, b: 5, c: 1 });
    sandbox.clearJournal();
    assert.equal(await editor.check(), 'conflict', 'VS Code shows Compare / Overwrite');
    // Overwrite: VS Code stats again and writes. Meanwhile someone adds d: not in what the person saw, so it stays.
    assert.equal(await editor.check(), 'conflict');
    colleague({ a: 1, b: 5, c: 1, d: 1 });
    await editor.write();
    assert.deepEqual(writes(), [{ data: [{ key: 'a', value: 2 }, { key: 'b', value: 1 }] }], 'a and b, which the person decided on');
    assert.deepEqual(server(), { a: 2, b: 1, c: 1, d: 1 });
  });

  it('no base, and the document holds what the server holds: nothing to decide, nothing sent', async () => {
    const { editor, store, server } = await opened({ a: 1 });
    editor.type({ a: 2 });
    editor.docs = new DbDocuments(store);
    editor.docs.documentChanged(editor.key, { text: editor.text, dirty: true });
    editor.type({ a: 1 });
    sandbox.clearJournal();
    assert.equal(await editor.save(), 'saved');
    assert.deepEqual(writes(), []);
    assert.deepEqual(server(), { a: 1 });
  });

  it('a text no read of this provider returned never becomes the base, even reported clean (a backup restored after a reload)', async () => {
    const { editor, store } = await opened({ a: 1 });
    editor.type({ a: 2 });
    editor.docs = new DbDocuments(store);
    // VS Code tells a new extension host of a restored document as clean first, then dirty.
    editor.docs.documentChanged(editor.key, { text: editor.text, dirty: false });
    editor.docs.documentChanged(editor.key, { text: editor.text, dirty: true });
    assert.equal(editor.docs.baseOf(editor.key), undefined);
    assert.equal(await editor.check(), 'conflict', 'my a is a difference the person decides on');
  });

  it('an auto-save is refused before any request and leaves the document as it was; Ctrl+S then saves', async () => {
    const { editor, server } = await opened({ a: 1 });
    editor.type({ a: 2 });
    sandbox.clearJournal();
    assert.equal(await editor.check('auto'), 'write');
    await assert.rejects(editor.write(), (e: unknown) => e instanceof DocumentNotSavedError && e.reason === 'autoSave' && /never auto-saved.*Ctrl\+S/.test(e.message));
    assert.deepEqual(sandbox.journal.filter((e) => e.route !== 'token'), [], 'no request at all');
    assert.ok(editor.dirty);
    assert.equal(await editor.save(), 'saved');
    assert.deepEqual(server(), { a: 2 });
  });

  it('a conflict that reaches the write anyway (overwriteFileOnDisk, Overwrite) forces only the keys in conflict', async () => {
    const { editor, server, colleague } = await opened({ a: 1, b: 1, c: 1 });
    editor.type({ a: 2, b: 2, c: 1 });
    colleague({ a: 1, b: 5, c: 5 });
    sandbox.clearJournal();
    assert.equal(await editor.check(), 'conflict');
    await editor.write();
    assert.deepEqual(writes(), [{ data: [{ key: 'a', value: 2 }, { key: 'b', value: 2 }] }]);
    assert.deepEqual(server(), { a: 2, b: 2, c: 5 }, "the colleague's c stays");
  });

  it('workspace.fs.writeFile of a document that is not open: the server holds the text', async () => {
    const { editor, server, colleague } = await opened({ a: 1, b: 1 });
    colleague({ a: 1, b: 5, c: 5 });
    await editor.docs.writeFile(editor.key, editor.ref, serializeDb({ a: 3 }), undefined);
    assert.deepEqual(server(), { a: 3 });
  });
});
