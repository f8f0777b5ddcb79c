import * as vscode from 'vscode';

/**
 * Which question a modal asks, so the in-editor tests answer it by what it is rather than by its translated words.
 * Every modal question of the extension is one of these and goes through `Modal.ask`.
 */
export type ModalId =
  | 'review' // the write review (review/writeReviewer.ts)
  | 'undoChangedKeys' // Undo, when keys the write touched changed since
  | 'clearHistory'
  | 'removeGate'
  | 'deleteKey' // Delete Key where no review follows
  | 'overwriteKey' // a tree edit of a key someone changed meanwhile
  | 'verifyLink' // a link that asks to verify a logupToken
  | 'importReplace'
  | 'importProblems'
  | 'batchReview' // one review for a batch change (commands/batch.ts)
  | 'batchUnfinished' // a new batch while the journal holds an unfinished one
  | 'undoBatchChangedKeys'; // Undo This Batch, when keys the batch wrote changed since (once for the batch)

/** A modal question: a title sentence, the detail under it, and the buttons (VS Code adds Cancel itself). */
export interface ModalQuestion {
  readonly id: ModalId;
  readonly severity: 'warning' | 'error';
  readonly message: string;
  readonly detail: string;
  readonly actions: readonly string[];
}

/** Shows the question as VS Code's modal dialog; resolves to the button chosen, or undefined for Cancel. */
export async function showModal(question: ModalQuestion): Promise<string | undefined> {
  const options = { modal: true, detail: question.detail };
  return question.severity === 'error'
    ? vscode.window.showErrorMessage(question.message, options, ...question.actions)
    : vscode.window.showWarningMessage(question.message, options, ...question.actions);
}

/**
 * The one way the extension asks a modal question. `ask` is the seam the in-editor tests replace, since a test
 * cannot click a modal: they answer each question by its id and read what it said; the e2e run clicks the real one.
 */
export class Modal {
  ask: (question: ModalQuestion) => Promise<string | undefined> = showModal;

  /** True when the person chose `action`, the one button besides Cancel. */
  async confirm(id: ModalId, message: string, detail: string, action: string): Promise<boolean> {
    return (await this.ask({ id, severity: 'warning', message, detail, actions: [action] })) === action;
  }
}
