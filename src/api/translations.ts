import * as l10n from '@vscode/l10n';

/**
 * The pure layers translate with @vscode/l10n, which cannot ask VS Code for the bundle of its display language, and
 * each of the two bundles (dist/extension.js, dist/api.js) holds its own copy of it: each is handed
 * `vscode.l10n.bundle` (none when English) when it loads — by activate(), and by ClientRegistry for the api.
 */
export function useTranslations(contents: l10n.l10nJsonFormat | undefined): void {
  if (contents) l10n.config({ contents });
}
