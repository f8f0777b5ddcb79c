import * as vscode from 'vscode';
import { isNotFound, userMessage } from '../api/failures';
import type { Db } from '../core/db';
import { analyzeDbDocument, serializeDb } from '../core/dbDocument';
import { dbPath, isSafeId, parseDbPath } from '../core/dbPath';
import { SCHEME } from '../constants';
import { mergeSave } from '../core/merge';
import { dbEquals, planSave } from '../core/savePlan';
import type { DbStore, Observation, Version } from './dbStore';
import { ConflictError } from './saveErrors';
import type { SubscriptionRef } from './subscriptionRef';

/** What the provider knows of one open document. */
interface DocumentState {
  /** The DB the document last loaded or saved: the base of the user's next change. */
  base: Db;
  /** Set by a pre-save `stat` that found no conflict: the server's DB it read, so the write needs no second GET. */
  checked?: Observation | undefined;
  /** Set by a pre-save `stat` that found a conflict: the server's DB the user is asked to Compare or Overwrite. */
  conflictWith?: Db | undefined;
  /** The version the `stat` that VS Code makes right after our write must report (the text it just saved). */
  afterWrite?: Version | undefined;
  /** The server holds more than the editor saved (others' changes were merged): reload once VS Code is done saving. */
  reloadAfterSave?: boolean;
}

/** A version older than any the store hands out: a `stat` that reports it never stops VS Code's save. */
const NOT_NEWER: Version = { mtime: 0, size: 0 };

/**
 * `logup:/<idGate>/<idSubscription>.json`: a subscription's DB as a JSON document.
 *
 * A save sends the user's own change, from the DB the editor last loaded or saved (its base) to the saved text; keys
 * someone else changed meanwhile are kept (a three-way merge, decided by DbStore). Only a key changed on both sides
 * is a conflict, shown with VS Code's own Compare / Overwrite: the `stat` VS Code makes before writing reports a
 * newer version then. Every failure throws a `FileSystemError`, so VS Code keeps the editor dirty with the user's text.
 */
export class SubscriptionFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  private readonly documents = new Map<string, DocumentState>();
  private readonly baseChanged = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a document's base changed (it was loaded or saved): its diagnostics depend on it. */
  readonly onDidChangeBase = this.baseChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.baseChanged];

  constructor(private readonly store: DbStore) {
    this.disposables.push(
      // Every change to a DB, ours included: clean editors reload if their version is older; dirty ones keep the text.
      store.onDidChange(({ ref }) => this.fireChanged(dbUri(ref))),
      vscode.workspace.onDidSaveTextDocument((document) => {
        const state = this.documents.get(document.uri.toString());
        if (!state?.reloadAfterSave) return;
        state.reloadAfterSave = false;
        const ref = refOfUri(document.uri);
        if (ref) this.store.touch(ref);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        // A language change (to logup-db) closes and reopens the same open document: its base must survive that.
        if (document.isClosed) this.documents.delete(document.uri.toString());
      }),
    );
  }

  /** The base of an open document's next save, for diagnostics that only matter for what a save would send. */
  baseOf(uri: vscode.Uri): Db | undefined {
    return this.documents.get(uri.toString())?.base;
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    // VS Code takes a failed stat before a save for "the file does not exist" and then creates its parent folders
    // first: the root and each gate are folders, so that step passes and writeFile reports the real failure.
    if (isFolder(uri.path)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    const ref = this.refOf(uri);
    const state = this.documents.get(uri.toString());
    if (state?.afterWrite) {
      const version = state.afterWrite;
      state.afterWrite = undefined;
      return fileStat(version);
    }
    const document = this.openDocument(uri);
    if (state && document?.isDirty) return fileStat(await this.preSaveCheck(ref, state, document.getText()));
    return fileStat(await this.guard(() => this.store.load(ref)));
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const ref = this.refOf(uri);
    const versionBefore = this.openDocument(uri)?.version;
    const observation = await this.guard(() => this.store.read(ref));
    // VS Code drops what it read when the user typed while the read was under way: the base must not move then,
    // or the next save would undo a change the editor never showed.
    const document = this.openDocument(uri);
    if (document === undefined || document.version === versionBefore) this.setBase(uri, observation.db);
    return new TextEncoder().encode(serializeDb(observation.db));
  }

  private openDocument(uri: vscode.Uri): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && !d.isClosed);
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const ref = this.refOf(uri);
    const text = new TextDecoder().decode(content);
    const state = this.documents.get(uri.toString());
    const base = state?.conflictWith ?? state?.base;
    const analysis = analyzeDbDocument(text, base ? { base } : {});
    if (!analysis.ok) {
      const [first] = analysis.problems;
      const n = analysis.problems.length;
      throw vscode.FileSystemError.NoPermissions(
        n === 1
          ? `${vscode.l10n.t('Not saved, nothing was sent.')} ${first?.message ?? vscode.l10n.t('The document is not a valid LogUp DB.')}`
          : vscode.l10n.t('Not saved, nothing was sent: {0} problems (see Problems). First: {1}', n, first?.message ?? ''),
      );
    }
    const checked = state?.conflictWith ? undefined : state?.checked;
    if (state) {
      state.checked = undefined;
      state.conflictWith = undefined;
    }
    const result = await this.guard(async () => {
      // Without an open document (workspace.fs.writeFile), writing a file means: the server holds this content.
      const saveBase = base ?? (await this.store.read(ref)).db;
      return this.store.save(ref, { base: saveBase, edited: analysis.db, origin: 'editor', ...(checked ? { server: checked } : {}) });
    });
    const next = this.documents.get(uri.toString()) ?? { base: analysis.db };
    this.documents.set(uri.toString(), next);
    next.base = analysis.db;
    if (dbEquals(result.observation.db, analysis.db)) {
      next.afterWrite = result.observation;
    } else {
      // Others' changes were kept: VS Code first adopts the text it saved, then reloads the merged DB.
      next.afterWrite = this.store.stamp(ref, analysis.db);
      next.reloadAfterSave = true;
    }
    this.baseChanged.fire(uri);
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  /**
   * VS Code stats a dirty document right before writing it. The server is read and merged with the user's change:
   * a conflict reports the server's newer version, so VS Code shows Compare / Overwrite; otherwise a version that
   * is not newer, so the save goes on. A document with problems is refused by writeFile without any request.
   */
  private async preSaveCheck(ref: SubscriptionRef, state: DocumentState, text: string): Promise<Version> {
    const analysis = analyzeDbDocument(text, { base: state.base });
    if (!analysis.ok) return NOT_NEWER;
    const server = await this.guard(() => this.store.readBeforeWrite(ref, undefined, planSave(state.base, analysis.db)));
    const merged = mergeSave(state.base, server.db, analysis.db);
    if (merged.kind === 'conflict') {
      state.conflictWith = server.db;
      state.checked = undefined;
      return server;
    }
    state.conflictWith = undefined;
    state.checked = server;
    return NOT_NEWER;
  }

  private setBase(uri: vscode.Uri, db: Db): void {
    const state = this.documents.get(uri.toString());
    if (state) {
      state.base = db;
      state.conflictWith = undefined;
    } else {
      this.documents.set(uri.toString(), { base: db });
    }
    this.baseChanged.fire(uri);
  }

  private fireChanged(uri: vscode.Uri): void {
    this.changed.fire([{ type: vscode.FileChangeType.Changed, uri }]);
  }

  private refOf(uri: vscode.Uri): SubscriptionRef {
    const ref = refOfUri(uri);
    if (!ref) throw vscode.FileSystemError.FileNotFound(uri);
    return ref;
  }

  /** Turns any failure into a FileSystemError that carries a message a person can act on. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof vscode.FileSystemError) throw error;
      if (error instanceof ConflictError) {
        throw vscode.FileSystemError.Unavailable(`${error.message} ${vscode.l10n.t('Save again to compare, or run "LogUp: Revert to Server".')}`);
      }
      if (isNotFound(error)) throw vscode.FileSystemError.FileNotFound(userMessage(error));
      throw vscode.FileSystemError.Unavailable(userMessage(error));
    }
  }
}

/** The `logup:` URI of a subscription's DB document, `logup:/<idGate>/<idSubscription>.json`. */
export function dbUri(ref: SubscriptionRef): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: dbPath(ref.idGate, ref.idSubscription) });
}

/** The subscription a `logup:` URI names, or undefined for any other URI. */
export function refOfUri(uri: vscode.Uri): SubscriptionRef | undefined {
  return uri.scheme === SCHEME ? parseDbPath(uri.path) : undefined;
}

function fileStat(version: Version): vscode.FileStat {
  return { type: vscode.FileType.File, ctime: 0, mtime: version.mtime, size: version.size };
}

function isFolder(path: string): boolean {
  return path === '/' || (path.startsWith('/') && isSafeId(path.slice(1)));
}
