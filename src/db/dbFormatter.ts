import * as vscode from 'vscode';
import { DB_LANGUAGE_ID } from '../constants';

/**
 * Format Document and Format Selection for the `logup-db` language. VS Code's JSON language server is not given
 * these documents (package.json has no `jsonLanguageParticipants`): it fetches the URL of a `$schema` key, and a DB key
 * is anyone's text (docs/harness.md, H23). Problems come from DbDiagnostics; formatting is the one JSON feature
 * kept, with the same formatter the JSON language server uses (jsonc-parser). It is loaded at the first formatting
 * (dist/format.js, esbuild.mjs): building its tables of indentation strings (about 340 KB) cost activation over 1 ms.
 */
export function registerDbFormatter(): vscode.Disposable {
  const selector: vscode.DocumentSelector = { language: DB_LANGUAGE_ID };
  const edits = async (document: vscode.TextDocument, range: vscode.Range | undefined, options: vscode.FormattingOptions): Promise<vscode.TextEdit[]> => {
    const { format } = await import('jsonc-parser');
    const start = range === undefined ? undefined : document.offsetAt(range.start);
    const within = range === undefined || start === undefined ? undefined : { offset: start, length: document.offsetAt(range.end) - start };
    const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    return format(document.getText(), within, { tabSize: options.tabSize, insertSpaces: options.insertSpaces, eol })
      .map((e) => new vscode.TextEdit(new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.content));
  };
  return vscode.Disposable.from(
    vscode.languages.registerDocumentFormattingEditProvider(selector, { provideDocumentFormattingEdits: (document, options) => edits(document, undefined, options) }),
    vscode.languages.registerDocumentRangeFormattingEditProvider(selector, { provideDocumentRangeFormattingEdits: (document, range, options) => edits(document, range, options) }),
  );
}
