import * as vscode from 'vscode';
import { DB_LANGUAGE_ID, SCHEME } from '../constants';
import type { Log } from '../core/log';

/**
 * Gives every `logup:` document the `logup-db` language, however it was opened (Open DB as JSON, a tab restored after
 * a reload, a link): VS Code's auto-save is off for that language alone (package.json `configurationDefaults`), so
 * a pause in typing never writes to the server (docs/harness.md, H18–H19). A `.json` name alone would make it JSON,
 * which auto-save reaches.
 */
export class DbLanguage implements vscode.Disposable {
  /** Documents switched once (or being switched): a language the user picks afterwards is theirs to keep. */
  private readonly switched = new Map<string, Promise<vscode.TextDocument>>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: Pick<Log, 'warn'>) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((document) => void this.apply(document)),
      vscode.workspace.onDidCloseTextDocument((document) => {
        // A language change closes and reopens the same, still open document: only a real close forgets it.
        if (document.isClosed) this.switched.delete(document.uri.toString());
      }),
    );
    for (const document of vscode.workspace.textDocuments) void this.apply(document);
  }

  /** The document in the `logup-db` language (the same document, switched if it was not yet). */
  async apply(document: vscode.TextDocument): Promise<vscode.TextDocument> {
    if (document.uri.scheme !== SCHEME || document.languageId === DB_LANGUAGE_ID) return document;
    const key = document.uri.toString();
    let switching = this.switched.get(key);
    if (!switching) {
      switching = Promise.resolve(vscode.languages.setTextDocumentLanguage(document, DB_LANGUAGE_ID)).catch((error: unknown) => {
        this.log.warn(`${document.uri.path}: could not switch to the ${DB_LANGUAGE_ID} language: ${String(error)}`);
        return document;
      });
      this.switched.set(key, switching);
    }
    return switching;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
