import * as l10n from '@vscode/l10n';

/**
 * dist/api.js holds its own copy of @vscode/l10n (and of the core modules that translate with it): the extension
 * hands it the bundle of VS Code's display language when it loads the api (none when English). src/translations.ts
 * does the same for the bundles that import vscode.
 */
export function useTranslations(contents: l10n.l10nJsonFormat | undefined): void {
  if (contents) l10n.config({ contents });
}
