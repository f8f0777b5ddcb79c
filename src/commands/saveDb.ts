import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { analyzeDbDocument } from '../core/dbDocument';
import { refOfUri } from '../db/subscriptionFileSystem';

/**
 * Ctrl+S / Cmd+S on a LogUp DB document (package.json `keybindings`): the write review, where it applies, comes
 * before VS Code's save starts, so Cancel leaves the tab dirty with nothing sent and no "Failed to save" (a save
 * that reaches the file system can only end in success or failure). On Save the document is saved as usual; the
 * store recognises the plan just approved (same plan, same server version) and does not ask again, and anything
 * that changed in between is reviewed again inside the save (db/dbStore.ts, `reviewAhead`). Save All, File › Save
 * and saves started elsewhere keep the review inside the save (docs/harness.md, H26). Resolves true when saved.
 */
export async function saveDb(ctx: Ctx, uri?: vscode.Uri): Promise<boolean> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  const document = target && vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString() && !d.isClosed);
  const ref = document && refOfUri(document.uri);
  if (!document || !ref) {
    // Bound to Ctrl+S for logup-db documents only; anything else is VS Code's own save.
    await vscode.commands.executeCommand('workbench.action.files.save');
    return false;
  }
  const base = ctx.fileSystem.baseOf(document.uri);
  const analysis = base && document.isDirty ? analyzeDbDocument(document.getText(), { base }) : undefined;
  if (base && analysis?.ok) {
    const verdict = await ctx.store.reviewAhead(ref, { base, edited: analysis.db, origin: 'editor' });
    if (verdict === 'cancelled') return false;
  }
  try {
    // The document itself, not the active editor: Show Diff in the review made the diff the active editor.
    return await document.save();
  } finally {
    ctx.store.dropApproval(ref);
  }
}
