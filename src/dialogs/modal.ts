import * as vscode from 'vscode';

/** A modal question: a title sentence, the detail under it, and the buttons (VS Code adds Cancel itself). */
export interface ModalQuestion {
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
 * The modal dialogs of the link handler and of import. `ask` is replaced by the in-editor tests, which cannot click
 * a modal: they answer it and read what it said.
 */
export class Modal {
  ask: (question: ModalQuestion) => Promise<string | undefined> = showModal;

  /** True when the person chose `action`. */
  async confirm(message: string, detail: string, action: string): Promise<boolean> {
    return (await this.ask({ severity: 'warning', message, detail, actions: [action] })) === action;
  }
}
