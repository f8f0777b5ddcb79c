import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE } from '../constants';
import type { PlacedProblem } from '../core/importCheck';

/**
 * The problems of a file an import refused, in the Problems view and in the file's editor. They describe the file as
 * it was read, so they are dropped as soon as it is edited or closed; the next import checks it again.
 */
export class ImportDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(`${DIAGNOSTIC_SOURCE} import`);
  private readonly disposables: vscode.Disposable[] = [
    this.collection,
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) this.collection.delete(e.document.uri);
    }),
    vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
  ];

  set(uri: vscode.Uri, problems: readonly PlacedProblem[]): void {
    this.collection.set(uri, problems.map((p) => {
      const range = new vscode.Range(p.line - 1, p.column - 1, p.endLine - 1, p.endColumn - 1);
      const diagnostic = new vscode.Diagnostic(range, p.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = p.code;
      return diagnostic;
    }));
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
