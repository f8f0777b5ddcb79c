import * as vscode from 'vscode';
import { serializeDb } from '../core/dbDocument';
import { HISTORY_SCHEME } from '../constants';
import { entrySides, type HistoryEntry } from './historyEntry';
import type { WriteHistory } from './writeHistory';

type Side = 'before' | 'after';

/**
 * `logup-history:/<entry id>/<before|after>/<idSubscription>.json`: the keys a recorded write touched, before it and
 * as the server held them after it. Read-only by construction (a content provider has no save), and served from the
 * history alone: opening a diff sends no request.
 */
export class HistoryDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(private readonly history: WriteHistory) {
    // A cleared or removed entry must not linger in an open diff.
    this.subscription = history.onDidChange(() => {
      for (const document of vscode.workspace.textDocuments) if (document.uri.scheme === HISTORY_SCHEME) this.changed.fire(document.uri);
    });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const [, id, side] = uri.path.split('/');
    const entry = id ? this.history.get(id) : undefined;
    if (!entry || (side !== 'before' && side !== 'after')) return '';
    return serializeDb(entrySides(entry)[side]);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The URI of one side of a recorded write. */
export function historyUri(entry: HistoryEntry, side: Side): vscode.Uri {
  return vscode.Uri.from({ scheme: HISTORY_SCHEME, path: `/${entry.id}/${side}/${entry.idSubscription}.json` });
}
