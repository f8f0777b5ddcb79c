import * as l10n from '@vscode/l10n';
import * as vscode from 'vscode';

/**
 * The pure layers (api, core, db, history, review…) translate with @vscode/l10n, which cannot ask VS Code for the
 * bundle of its display language: it is handed the one VS Code loaded for this extension (none when English).
 * Each bundle that runs in the extension host has its own copy of @vscode/l10n (dist/extension.js and
 * dist/commands.js), so each calls this once when it is loaded.
 */
export function useDisplayLanguage(): void {
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
}
