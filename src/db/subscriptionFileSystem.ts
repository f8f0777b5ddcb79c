import * as vscode from 'vscode';
import { isNotFound, userMessage } from '../api/failures';
import type { Db } from '../core/db';
import { dbPath, isSafeId, parseDbPath } from '../core/dbPath';
import { SCHEME } from '../constants';
import { DbDocuments, DocumentNotSavedError, type EditorText } from './dbDocuments';
import type { DbStore, Version } from './dbStore';
import { ConflictError } from './saveErrors';
import type { SubscriptionRef } from './subscriptionRef';

/** How long the status bar says why an auto-save wrote nothing. */
const AUTO_SAVE_MESSAGE_MS = 10_000;

/**
 * `logup:/<idGate>/<idSubscription>.json`: a subscription's DB as a JSON document.
 *
 * What a save sends is decided by DbDocuments (dbDocuments.ts, no `vscode`): the person's own change from the DB
 * the document was built on, merged with what others changed; only a key changed on both sides is a conflict, shown
 * with VS Code's own Compare / Overwrite. This class hands it VS Code's calls and the documents' events. Every
 * failure throws a `FileSystemError`, so VS Code keeps the editor dirty with the user's text (docs/harness.md, H13).
 */
export class SubscriptionFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  private readonly documents: DbDocuments;
  private readonly baseChanged = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a document's base changed (it was loaded or saved): its diagnostics depend on it. */
  readonly onDidChangeBase = this.baseChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.baseChanged];

  constructor(store: DbStore) {
    this.documents = new DbDocuments(store);
    const ours = (document: vscode.TextDocument): boolean => document.uri.scheme === SCHEME;
    const changedText = (document: vscode.TextDocument): void => {
      if (ours(document) && !document.isClosed) this.documents.documentChanged(document.uri.toString(), editorText(document));
    };
    this.disposables.push(
      this.documents.onDidChangeBase((key) => this.baseChanged.fire(vscode.Uri.parse(key, true))),
      // Every change to a DB, ours included: clean editors reload if their version is older; dirty ones keep the text.
      store.onDidChange(({ ref }) => this.fireChanged(dbUri(ref))),
      vscode.workspace.onDidOpenTextDocument(changedText),
      // Also fired when only the dirty flag changed: the end of a Revert, a save.
      vscode.workspace.onDidChangeTextDocument((e) => changedText(e.document)),
      vscode.workspace.onWillSaveTextDocument((e) => {
        if (!ours(e.document)) return;
        const auto = e.reason === vscode.TextDocumentSaveReason.AfterDelay || e.reason === vscode.TextDocumentSaveReason.FocusOut;
        this.documents.willSave(e.document.uri.toString(), auto ? 'auto' : 'manual');
      }),
      vscode.workspace.onDidSaveTextDocument((document) => {
        const ref = refOfUri(document.uri);
        if (ref) this.documents.didSave(document.uri.toString(), ref);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        // A language change (to logup-db) closes and reopens the same open document: its base must survive that.
        if (ours(document) && document.isClosed) this.documents.documentClosed(document.uri.toString());
      }),
    );
  }

  /** The base of an open document's next save, for diagnostics that only matter for what a save would send. */
  baseOf(uri: vscode.Uri): Db | undefined {
    return this.documents.baseOf(uri.toString());
  }

  /** For the in-editor tests: forget every document, as the extension host that a window reload starts would. */
  forgetDocumentsForTests(): void {
    this.documents.forgetAll();
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    // VS Code takes a failed stat before a save for "the file does not exist" and then creates its parent folders
    // first: the root and each gate are folders, so that step passes and writeFile reports the real failure.
    if (isFolder(uri.path)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    const ref = this.refOf(uri);
    return fileStat(await this.guard(() => this.documents.stat(uri.toString(), ref, this.editorText(uri))));
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const ref = this.refOf(uri);
    return new TextEncoder().encode(await this.guard(() => this.documents.readFile(uri.toString(), ref)));
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const ref = this.refOf(uri);
    const text = new TextDecoder().decode(content);
    await this.guard(() => this.documents.writeFile(uri.toString(), ref, text, this.editorText(uri)));
  }

  private editorText(uri: vscode.Uri): EditorText | undefined {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && !d.isClosed);
    return document ? editorText(document) : undefined;
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
      if (error instanceof DocumentNotSavedError) {
        if (error.reason === 'autoSave') vscode.window.setStatusBarMessage(`$(info) ${error.message}`, AUTO_SAVE_MESSAGE_MS);
        throw vscode.FileSystemError.NoPermissions(error.message);
      }
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

function editorText(document: vscode.TextDocument): EditorText {
  return { text: document.getText(), dirty: document.isDirty };
}

function fileStat(version: Version): vscode.FileStat {
  return { type: vscode.FileType.File, ctime: 0, mtime: version.mtime, size: version.size };
}

function isFolder(path: string): boolean {
  return path === '/' || (path.startsWith('/') && isSafeId(path.slice(1)));
}
