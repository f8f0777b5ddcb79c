import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE, SCHEME } from '../constants';

/** Shows every problem `analyzeDbDocument` finds in an open `logup:` document, at its exact range, while typing. */
export class DbDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor() {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => void this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => void this.update(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    );
    for (const document of vscode.workspace.textDocuments) void this.update(document);
  }

  private async update(document: vscode.TextDocument): Promise<void> {
    if (document.uri.scheme !== SCHEME) return;
    const { analyzeDbDocument } = await import('../core/dbDocument');
    const version = document.version;
    const analysis = analyzeDbDocument(document.getText());
    if (document.isClosed || document.version !== version) return;
    if (analysis.ok) {
      this.collection.set(document.uri, []);
      return;
    }
    this.collection.set(document.uri, analysis.problems.map((p) => {
      const range = new vscode.Range(document.positionAt(p.offset), document.positionAt(p.offset + p.length));
      const diagnostic = new vscode.Diagnostic(range, p.message, vscode.DiagnosticSeverity.Error);
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = p.code;
      return diagnostic;
    }));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
