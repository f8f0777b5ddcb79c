import * as vscode from 'vscode';
import { SCHEME } from '../constants';
import type { DbStore, SubscriptionRef } from '../model/dbStore';
import { errorMessage } from '../errors';
import { dbPath, isSafeId, parseDbPath } from '../core/dbPath';

/** How long a GET made by `stat` right before a save counts as "the server's state now" for that save. */
const FRESH_MS = 3000;

/**
 * `logup:/<idGate>/<idSubscription>.json`: a subscription's DB as a JSON document.
 *
 * Conflicts use VS Code's own flow: `stat` on a dirty document re-reads the server and reports a newer `mtime`
 * when someone else changed the DB, so the save shows "The content of the file is newer" with Compare / Overwrite.
 * Every failure throws a `FileSystemError`, so VS Code keeps the editor dirty with the user's text.
 */
export class SubscriptionFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** When each document was last saved by us: VS Code stats it once right after, and that needs no GET. */
  private readonly savedAt = new Map<string, number>();

  constructor(private readonly store: DbStore) {
    this.disposables.push(
      // Every change to a DB, ours included: clean editors reload (dirty ones keep the user's text), and other
      // listeners of the logup: scheme learn about it. Our own save leaves the version as is, so that costs no GET.
      store.onDidChange(({ ref }) => this.changed.fire([{ type: vscode.FileChangeType.Changed, uri: uriFor(ref) }])),
    );
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    // VS Code takes a failed stat before a save for "the file does not exist" and then creates its parent folders
    // first: the root and each gate are folders, so that step passes and writeFile reports the real failure.
    if (isFolder(uri.path)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    const ref = this.refOf(uri);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    // A dirty document is about to be saved (VS Code stats right before writing): re-read the server so a change
    // made elsewhere shows as a newer version. An invalid one will be refused without any request, so skip it.
    // The first stat right after our own save only reads back what we just wrote.
    const justSaved = Date.now() - (this.savedAt.get(uri.toString()) ?? 0) < 1000;
    this.savedAt.delete(uri.toString());
    const checkServer = document?.isDirty === true && !justSaved && (await isValid(document.getText()));
    const observation = await this.guard(() => (checkServer ? this.store.fetch(ref) : this.store.ensure(ref)));
    return { type: vscode.FileType.File, ctime: 0, mtime: observation.mtime, size: observation.size };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const ref = this.refOf(uri);
    const { serializeDb } = await import('../core/dbDocument');
    const observation = await this.guard(() => this.store.fetchShared(ref));
    return new TextEncoder().encode(serializeDb(observation.db));
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const ref = this.refOf(uri);
    const { analyzeDbDocument } = await import('../core/dbDocument');
    const analysis = analyzeDbDocument(new TextDecoder().decode(content));
    if (!analysis.ok) {
      const [first] = analysis.problems;
      const n = analysis.problems.length;
      throw vscode.FileSystemError.NoPermissions(
        n === 1
          ? `Not saved, nothing was sent. ${first?.message ?? 'The document is not a valid LogUp DB.'}`
          : `Not saved, nothing was sent: ${n} problems (see Problems). First: ${first?.message ?? ''}`,
      );
    }
    await this.guard(async () => {
      const before = this.store.peek(ref);
      let server = before;
      if (!server || Date.now() - server.fetchedAt > FRESH_MS) {
        // No stat just before this write (e.g. workspace.fs.writeFile): check for a change made elsewhere ourselves.
        server = await this.store.fetch(ref).catch((error: unknown) => {
          if (isNotFound(error)) throw error;
          throw new Error(`Not saved: ${sentence(errorMessage(error))} Nothing was changed on the server.`);
        });
        if (before && server.mtime !== before.mtime) {
          throw new Error(`The DB of ${ref.idSubscription} changed on the server since it was read; nothing was saved. Save again to compare, or run "LogUp: Revert to Server".`);
        }
      }
      await this.store.save(ref, analysis.db, { server, origin: 'editor' });
      this.savedAt.set(uri.toString(), Date.now());
    });
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

  private refOf(uri: vscode.Uri): SubscriptionRef {
    const ref = parseDbPath(uri.path);
    if (!ref) throw vscode.FileSystemError.FileNotFound(uri);
    return ref;
  }

  /** Turns any failure into a FileSystemError that carries a message a person can act on. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof vscode.FileSystemError) throw error;
      if (isNotFound(error)) throw vscode.FileSystemError.FileNotFound(errorMessage(error));
      throw vscode.FileSystemError.Unavailable(errorMessage(error));
    }
  }
}

/** The `logup:` URI of a subscription's DB document. */
export function uriFor(ref: SubscriptionRef): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, path: dbPath(ref.idGate, ref.idSubscription) });
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function isFolder(path: string): boolean {
  return path === '/' || (path.startsWith('/') && isSafeId(path.slice(1)));
}

async function isValid(text: string): Promise<boolean> {
  const { analyzeDbDocument } = await import('../core/dbDocument');
  return analyzeDbDocument(text).ok;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}
