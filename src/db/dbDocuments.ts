import * as l10n from '@vscode/l10n';
import { BrandedError } from '../api/errors';
import { hasKey, sameAt, type Db } from '../core/db';
import { analyzeDbDocument, serializeDb } from '../core/dbDocument';
import { mergeSave } from '../core/merge';
import { dbEquals, planSave } from '../core/savePlan';
import type { DbStore, Observation, Version } from './dbStore';
import { ConflictError } from './saveErrors';
import type { SubscriptionRef } from './subscriptionRef';

/** What the editor holds of a document right now (undefined where the document is not open). */
export interface EditorText {
  readonly text: string;
  /** VS Code's own dirty flag: false means the text is what VS Code last loaded from, or saved to, the file. */
  readonly dirty: boolean;
}

/** Why VS Code saves: a person asked (Ctrl+S, Save All, the API), or auto-save did (after a delay, on focus change). */
export type SaveReason = 'manual' | 'auto';

/** The calls of DbStore the documents make (the model test hands a wrapped store). */
export type DocumentStore = Pick<DbStore, 'read' | 'readBeforeWrite' | 'load' | 'save' | 'stamp' | 'touch'>;

/** A write the provider refuses before any request: the document is not a valid DB, or an auto-save. */
export class DocumentNotSavedError extends BrandedError {
  /** Shared by every copy of this class, whichever bundle made it. */
  static readonly brand: symbol = Symbol.for('logup-vscode.DocumentNotSavedError');
  constructor(
    readonly reason: 'invalid' | 'autoSave',
    message: string,
  ) {
    super(message);
  }
}

/** A conflict found by a pre-save check: the server's DB it read, and the keys the person decides on. */
interface Conflict {
  readonly server: Observation;
  readonly keys: readonly string[];
}

/** What is known of one document. */
interface DocumentState {
  /**
   * The DB the document's text was built on: what it last took from a read, or saved. Unknown for a document that
   * outlived the extension host that loaded it (hot exit, Restart Extension Host, an update).
   */
  base: Db | undefined;
  /**
   * Reads the document may still take, by their text, oldest first. A read moves the base only once the document
   * holds exactly its text and VS Code calls it clean: Compare with Saved, the conflict dialog's Compare and other
   * extensions read without the document taking what they read.
   */
  readonly candidates: Map<string, Db>;
  /** Set by a pre-save check that found no conflict: the server's DB it read, so the write needs no second GET. */
  checked?: Observation | undefined;
  /** Set by a pre-save check that found a conflict: VS Code shows Compare / Overwrite, unless told not to. */
  conflict?: Conflict | undefined;
  /** The version the `stat` VS Code makes right after our write must report (the text it just saved). */
  afterWrite?: Version | undefined;
  /** The server holds more than the editor saved (others' changes were merged): reload once VS Code is done saving. */
  reloadAfterSave?: boolean;
  /** The reason of the save under way, from onWillSaveTextDocument; taken by the write. */
  reason?: SaveReason | undefined;
}

/** A version older than any the store hands out: a `stat` that reports it never stops VS Code's save. */
export const NOT_NEWER: Version = { mtime: 0, size: 0 };

/** Reads kept per document for it to take; older ones are dropped (a document takes the newest read in practice). */
const MAX_CANDIDATES = 8;

/**
 * The `logup:` documents as the file system provider sees them, without `vscode`: the base of each document's next
 * save, the pre-save check and the write. The provider (subscriptionFileSystem.ts) hands it VS Code's calls and
 * events; the model test (test/model/editorWorld.ts) drives it the way the editor does.
 *
 * A save sends the person's own change, from the base to the saved text; keys someone else changed meanwhile are
 * kept (DbStore's three-way merge). A key changed on both sides is a conflict, shown with VS Code's Compare /
 * Overwrite (the `stat` before the write reports a newer version). Without a base, every key where the document
 * and the server differ is such a conflict. Overwrite forces only the conflicting keys.
 */
export class DbDocuments {
  private readonly documents = new Map<string, DocumentState>();
  private readonly listeners = new Set<(key: string) => void>();

  constructor(private readonly store: DocumentStore) {}

  /** Calls `listener` with the document's key when its base changed (diagnostics depend on it). */
  onDidChangeBase(listener: (key: string) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  baseOf(key: string): Db | undefined {
    return this.documents.get(key)?.base;
  }

  // ---- the editor's events -------------------------------------------------------------------------------------

  /**
   * The document was opened or changed (its text or its dirty flag). A clean document holds what VS Code loaded or
   * saved: when that is the text of a read, the read becomes the base. (During Revert VS Code reports the document
   * dirty until the read is in; the event that then calls it clean adopts it.) A clean text that no read of this
   * provider returned is never taken as a base: a document VS Code restores from its backup after a window reload
   * reaches a new extension host as clean first, then dirty (test/e2e/reload.e2e.mjs).
   */
  documentChanged(key: string, editor: EditorText): void {
    if (editor.dirty) return;
    const state = this.documents.get(key);
    const read = state?.candidates.get(editor.text);
    if (!state || !read) return;
    // The document took this read: older reads are history, newer ones may still come.
    for (const text of [...state.candidates.keys()]) {
      state.candidates.delete(text);
      if (text === editor.text) break;
    }
    this.setBase(key, state, read);
  }

  documentClosed(key: string): void {
    this.documents.delete(key);
  }

  /** onWillSaveTextDocument: the reason of the save that follows. */
  willSave(key: string, reason: SaveReason): void {
    this.state(key).reason = reason;
  }

  /** onDidSaveTextDocument: a save that kept others' changes reloads the merged DB now that VS Code is done. */
  didSave(key: string, ref: SubscriptionRef): void {
    const state = this.documents.get(key);
    if (!state?.reloadAfterSave) return;
    state.reloadAfterSave = false;
    this.store.touch(ref);
  }

  /** Forgets every document, as a new extension host starts (the in-editor tests' stand-in for a window reload). */
  forgetAll(): void {
    this.documents.clear();
  }

  // ---- VS Code's calls -----------------------------------------------------------------------------------------

  /** A dirty document's `stat` is VS Code's pre-save check (docs/harness.md, H14–H16); any other reports the store's version. */
  async stat(key: string, ref: SubscriptionRef, editor: EditorText | undefined): Promise<Version> {
    const state = this.documents.get(key);
    if (state?.afterWrite) {
      const version = state.afterWrite;
      state.afterWrite = undefined;
      return version;
    }
    if (editor?.dirty) {
      const dirty = this.state(key);
      // An auto-save is refused by the write, without a request.
      if (dirty.reason === 'auto') return NOT_NEWER;
      return this.preSaveCheck(ref, dirty, editor.text);
    }
    return this.store.load(ref);
  }

  /** Reads the server; the text is a candidate base until the document holds it (`documentChanged`). */
  async readFile(key: string, ref: SubscriptionRef): Promise<string> {
    const { db } = await this.store.read(ref);
    const text = serializeDb(db);
    const { candidates } = this.state(key);
    candidates.delete(text);
    candidates.set(text, db);
    if (candidates.size > MAX_CANDIDATES) candidates.delete(candidates.keys().next().value!);
    return text;
  }

  /**
   * Writes the document's text: the change from its base, with the keys the person chose in VS Code's Compare /
   * Overwrite forced. Without an open document (`workspace.fs.writeFile`), writing means: the server holds this text.
   */
  async writeFile(key: string, ref: SubscriptionRef, text: string, editor: EditorText | undefined): Promise<void> {
    const state = this.state(key);
    const { reason, conflict, checked } = state;
    state.reason = undefined;
    state.conflict = undefined;
    state.checked = undefined;
    if (reason === 'auto' && editor) throw new DocumentNotSavedError('autoSave', autoSaveMessage());
    const known = editor ? state.base : undefined;
    const analysis = analyzeDbDocument(text, known ? { base: known } : {});
    if (!analysis.ok) {
      const [first] = analysis.problems;
      const n = analysis.problems.length;
      throw new DocumentNotSavedError(
        'invalid',
        n === 1
          ? `${l10n.t('Not saved, nothing was sent.')} ${first?.message ?? l10n.t('The document is not a valid LogUp DB.')}`
          : l10n.t('Not saved, nothing was sent: {0} problems (see Problems). First: {1}', n, first?.message ?? ''),
      );
    }
    const edited = analysis.db;
    let request: { base: Db; server?: Observation };
    if (!editor) {
      request = { base: (await this.store.read(ref)).db };
    } else if (conflict) {
      // Overwrite (or a folder's files.saveConflictResolution: overwriteFileOnDisk): the person's value on the keys in
      // conflict, and only there; the keys only the server changed stay as the server has them.
      request = { base: forced(known ?? conflict.server.db, conflict.server.db, conflict.keys), server: conflict.server };
    } else if (checked) {
      request = { base: known ?? checked.db, server: checked };
    } else if (known) {
      request = { base: known };
    } else {
      // No base and no check (a write without VS Code's stat): a difference from the server is a conflict.
      const server = await this.store.readBeforeWrite(ref);
      const keys = differingKeys(server.db, edited);
      if (keys.length > 0) throw new ConflictError(ref, keys, server);
      request = { base: server.db, server };
    }
    const result = await this.store.save(ref, { ...request, edited, origin: 'editor' });
    this.setBase(key, state, edited);
    if (dbEquals(result.observation.db, edited)) {
      state.afterWrite = result.observation;
    } else {
      // Others' changes were kept: VS Code first adopts the text it saved, then reloads the merged DB.
      state.afterWrite = this.store.stamp(ref, edited);
      state.reloadAfterSave = true;
    }
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  /**
   * The server is read and merged with the person's change: a conflict reports a newer version, so VS Code shows
   * Compare / Overwrite; otherwise a version that is not newer, so the save goes on. A document with problems is
   * refused by the write without any request.
   */
  private async preSaveCheck(ref: SubscriptionRef, state: DocumentState, text: string): Promise<Version> {
    const { base } = state;
    const analysis = analyzeDbDocument(text, base ? { base } : {});
    if (!analysis.ok) return NOT_NEWER;
    // With the plan the person's change makes, the connections its writes need open beside this GET (writeCalls.ts).
    const server = await this.store.readBeforeWrite(ref, undefined, base ? planSave(base, analysis.db) : undefined);
    const keys = base ? conflictKeys(base, server.db, analysis.db) : differingKeys(server.db, analysis.db);
    if (keys.length === 0) {
      state.conflict = undefined;
      state.checked = server;
      return NOT_NEWER;
    }
    state.conflict = { server, keys };
    state.checked = undefined;
    if (base) return server;
    // VS Code shows the dialog only for a newer mtime AND another size than the version it holds (docs/harness.md,
    // H15). A document restored from a backup holds a version an earlier extension host gave, which any whole number
    // could equal; no version the store hands out is a fraction.
    const version = this.store.stamp(ref, server.db);
    return { mtime: version.mtime, size: version.size + 0.5 };
  }

  private state(key: string): DocumentState {
    let state = this.documents.get(key);
    if (!state) {
      state = { base: undefined, candidates: new Map() };
      this.documents.set(key, state);
    }
    return state;
  }

  private setBase(key: string, state: DocumentState, db: Db): void {
    state.base = db;
    state.conflict = undefined;
    state.checked = undefined;
    for (const listener of [...this.listeners]) listener(key);
  }
}

/** The keys both the person (base → ours) and someone else (base → theirs) changed, differently. */
function conflictKeys(base: Db, theirs: Db, ours: Db): readonly string[] {
  const merged = mergeSave(base, theirs, ours);
  return merged.kind === 'conflict' ? merged.keys : [];
}

/** Every key where the two DBs differ, sorted. */
function differingKeys(a: Db, b: Db): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !sameAt(a, b, k)).sort();
}

/** `base` with the server's value (or absence) at `keys`: the merge then sends the person's value there. */
function forced(base: Db, server: Db, keys: readonly string[]): Db {
  const result = Object.fromEntries(Object.entries(base).filter(([k]) => !keys.includes(k))) as Db;
  for (const key of keys) {
    if (hasKey(server, key)) Object.defineProperty(result, key, { value: server[key], enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** What a refused auto-save says, in the status bar and in VS Code's "Failed to save". */
export function autoSaveMessage(): string {
  return l10n.t('Not saved: LogUp DBs are never auto-saved, since every save writes to the live DB. Save with Ctrl+S (Cmd+S on macOS).');
}
