import * as vscode from 'vscode';
import { REVIEW_SCHEME } from '../constants';
import { serializeDb } from '../core/dbDocument';
import type { SaveReview } from '../db/dbStore';
import type { Gate } from '../gates/gateStore';

/** How many reviews' documents are kept for diff editors reopened from history; older ones say the review is over. */
const KEPT_REVIEWS = 10;

/**
 * The two sides of a review's diff, `logup-review:` documents: the server's DB now and the DB it holds after the
 * write. A content provider's documents are read-only, so neither side can be mistaken for the editable one.
 */
export class ReviewDiff implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private reviews = 0;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(REVIEW_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? `${vscode.l10n.t('This review is over. Save again to review the write it would make now.')}\n`;
  }

  /** Opens VS Code's diff editor: the server's DB now on the left, the DB after the write on the right. */
  async show(review: SaveReview, gate: Gate): Promise<void> {
    const n = ++this.reviews;
    const path = `/${review.ref.idGate}/${review.ref.idSubscription}.json`;
    const server = vscode.Uri.from({ scheme: REVIEW_SCHEME, path, query: `review=${n}&side=server` });
    const result = vscode.Uri.from({ scheme: REVIEW_SCHEME, path, query: `review=${n}&side=result` });
    this.contents.set(server.toString(), serializeDb(review.server));
    this.contents.set(result.toString(), serializeDb(review.result));
    this.forgetOlderThan(n - KEPT_REVIEWS);
    const title = vscode.l10n.t({
      message: '{0}.json: {1} ({2}) now ↔ after Save',
      args: [review.ref.idSubscription, gate.label, gate.environment],
      comment: ['The diff editor\'s title: {0} is a subscription id, {1} the gate, {2} its environment (production, staging, …). "Save" is the review\'s button.'],
    });
    await vscode.commands.executeCommand('vscode.diff', server, result, title, { preview: true, preserveFocus: false });
  }

  dispose(): void {
    this.registration.dispose();
    this.contents.clear();
  }

  private forgetOlderThan(oldest: number): void {
    for (const key of [...this.contents.keys()]) {
      const n = Number(new URLSearchParams(vscode.Uri.parse(key).query).get('review'));
      if (n < oldest) this.contents.delete(key);
    }
  }
}
