import * as l10n from '@vscode/l10n';
import { isLoopbackHost, parseBaseUrl } from '../api/baseUrl';
import { DEFAULT_SANDBOX_PORT } from '../sandbox/demoGate';
import { quoteUntrusted } from '../core/visible';

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

/** A gate as the extension keeps it (gateStore.ts); its secret key lives only in SecretStorage. */
export interface Gate {
  readonly idGate: string;
  readonly label: string;
  readonly baseUrl: string;
  /** Decides whether writes are reviewed first and how loudly the gate is marked (the tree, tabs, status bar). */
  readonly environment: Environment;
}

export function isEnvironment(value: unknown): value is Environment {
  return typeof value === 'string' && (ENVIRONMENTS as readonly string[]).includes(value);
}

/** Where the local sandbox listens when nothing says otherwise (`npm run sandbox`). */
export const DEFAULT_SANDBOX_URL = `http://127.0.0.1:${DEFAULT_SANDBOX_PORT}/v1_0`;

/**
 * The local sandbox's URL: LOGUP_SANDBOX_URL (`npm start` exports it) when it is a base URL on this machine, else
 * DEFAULT_SANDBOX_URL, with `problem` saying why the variable was not taken. The variable decides where the demo
 * gate's requests go and which URL gets no review, so it is not taken on trust.
 */
export function sandboxUrl(env: Readonly<Record<string, string | undefined>> = process.env): { url: string; problem?: string } {
  const raw = env.LOGUP_SANDBOX_URL;
  if (raw === undefined || raw.trim() === '') return { url: DEFAULT_SANDBOX_URL };
  let url: URL | undefined;
  try {
    url = parseBaseUrl(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || !isLoopbackHost(url.hostname)) {
    return {
      url: DEFAULT_SANDBOX_URL,
      problem: l10n.t('LOGUP_SANDBOX_URL is {0}, which is not a URL on this machine; the local sandbox runs on 127.0.0.1 or localhost (e.g. {1}). Fix or unset the variable.', quoteUntrusted(raw, 80), DEFAULT_SANDBOX_URL),
    };
  }
  return { url: url.toString().replace(/\/+$/, '') };
}

/**
 * The environment a gate gets when nobody said: the local sandbox's own URL (sandboxUrl: same port and path, on this
 * machine) is a sandbox; anything else may hold real users, so it is production until the user says otherwise. That
 * includes other URLs on this machine: an SSH tunnel or a port-forward to a live server is on 127.0.0.1 too. Gates
 * saved before environments existed are read this way too.
 */
export function defaultEnvironment(baseUrl: string, env: Readonly<Record<string, string | undefined>> = process.env): Environment {
  return isSandboxUrl(baseUrl, sandboxUrl(env).url) ? 'sandbox' : 'production';
}

function isSandboxUrl(baseUrl: string, sandbox: string): boolean {
  try {
    const a = new URL(baseUrl);
    const b = new URL(sandbox);
    const path = (u: URL): string => u.pathname.replace(/\/+$/, '');
    return a.protocol === b.protocol && isLoopbackHost(a.hostname) && isLoopbackHost(b.hostname) && a.port === b.port && path(a) === path(b);
  } catch {
    return false;
  }
}
