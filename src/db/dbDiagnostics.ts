import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, SCHEME } from '../constants';
import { analyzeDbDocument } from '../core/dbDocument';
import type { SubscriptionFileSystem } from './subscriptionFileSystem';

/**
 * Shows every problem `analyzeDbDocument` finds in an open `logup:` document at its exact range, while typing.
 * Limits are judged against the document's base (what the server held when it was loaded or saved): a key the
 * user leaves as the server has it is not sent, so a limit it already breaks is a warning, not an error.
 */
export class DbDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly fileSystem: SubscriptionFileSystem) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.update(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
      fileSystem.onDidChangeBase((uri) => {
        const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        if (document) this.update(document);
      }),
    );
    for (const document of vscode.workspace.textDocuments) this.update(document);
  }

  private update(document: vscode.TextDocument): void {
    if (document.uri.scheme !== SCHEME || document.isClosed) return;
    const base = this.fileSystem.baseOf(document.uri);
    const analysis = analyzeDbDocument(document.getText(), base ? { base } : {});
    const diagnostic = (p: { offset: number; length: number; message: string; code: string }, severity: vscode.DiagnosticSeverity): vscode.Diagnostic => {
      const range = new vscode.Range(document.positionAt(p.offset), document.positionAt(p.offset + p.length));
      const d = new vscode.Diagnostic(range, p.message, severity);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = p.code;
      return d;
    };
    this.collection.set(document.uri, [
      ...(analysis.ok ? [] : analysis.problems).map((p) => diagnostic(p, vscode.DiagnosticSeverity.Error)),
      ...analysis.warnings.map((p) => diagnostic(p, vscode.DiagnosticSeverity.Warning)),
    ]);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
