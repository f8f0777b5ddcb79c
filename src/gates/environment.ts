import * as l10n from '@vscode/l10n';
import { isLoopbackHost } from '../api/baseUrl';

/** What a gate's data is: production holds real users, the others are for trying things. */
export const ENVIRONMENTS = ['production', 'staging', 'development', 'sandbox'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** How each environment is named and explained where the user chooses one. */
export const ENVIRONMENT_INFO: Readonly<Record<Environment, { readonly label: string; readonly detail: string }>> = {
  // Getters: the words are translated when shown, after the extension configured the bundle, not when this loads.
  production: { get label() { return l10n.t('Production'); }, get detail() { return l10n.t("Your real users' data"); } },
  staging: { get label() { return l10n.t('Staging'); }, get detail() { return l10n.t('A copy of production for checking releases'); } },
  development: { get label() { return l10n.t('Development'); }, get detail() { return l10n.t('Test data you work on while you build'); } },
  sandbox: { get label() { return l10n.t('Sandbox'); }, get detail() { return l10n.t('Throwaway data, e.g. the local sandbox of this project'); } },
};

export function isEnvironment(value: unknown): value is Environment {
  return typeof value === 'string' && (ENVIRONMENTS as readonly string[]).includes(value);
}

/**
 * The environment a gate gets when nobody said: a server on this machine can only be a sandbox; anything else may
 * hold real users, so it is production until the user says otherwise. Gates saved before environments existed are
 * read this way too.
 */
export function defaultEnvironment(baseUrl: string): Environment {
  try {
    return isLoopbackHost(new URL(baseUrl).hostname) ? 'sandbox' : 'production';
  } catch {
    return 'production';
  }
}
