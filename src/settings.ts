import { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, MAX_RETRIES_LIMIT } from './api/clientDefaults';
import type { DispatcherOptions } from './api/proxy';

/**
 * The extension's settings (`logup.*` in package.json), read in one place with their defaults and bounds. Pure, so
 * `test/unit/manifest.test.ts` can check that package.json declares the same defaults and bounds.
 */
export const SETTINGS = {
  requestTimeoutSeconds: { key: 'requestTimeoutSeconds', default: DEFAULT_TIMEOUT_MS / 1000, minimum: 1, maximum: 300 },
  maxRetries: { key: 'maxRetries', default: DEFAULT_MAX_RETRIES, minimum: 0, maximum: MAX_RETRIES_LIMIT },
  /** 0 keeps no write history at all. */
  historyMaxEntries: { key: 'history.maxEntries', default: 500, minimum: 0, maximum: 5000 },
  historyMaxDays: { key: 'history.maxDays', default: 30, minimum: 1, maximum: 365 },
  confirmWrites: { key: 'confirmWrites', default: 'production', values: ['production', 'always', 'never'] },
  /** Subscriptions a batch change reads or writes at a time. */
  batchConcurrency: { key: 'batch.concurrency', default: 4, minimum: 1, maximum: 16 },
} as const;

/** When a write is shown for review before it is sent: on production gates, on every gate, or never. */
export type ConfirmWrites = (typeof SETTINGS.confirmWrites.values)[number];

/** The section every setting lives in. */
export const SETTINGS_SECTION = 'logup';

/** What the extension reads; a VS Code `WorkspaceConfiguration` of section `logup` fits. */
export interface SettingsSource {
  get<T>(key: string): T | undefined;
}

export interface Settings {
  /** Per request attempt. */
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  /** The write history keeps at most this many writes (the newest) ... */
  readonly historyMaxEntries: number;
  /** ... and none older than this many days. */
  readonly historyMaxDays: number;
  readonly confirmWrites: ConfirmWrites;
  readonly batchConcurrency: number;
}

/** A setting that changed: one of ours, or `network` for VS Code's `http.*` proxy settings. */
export type SettingName = keyof Settings | 'network';

/**
 * The settings as the owner object holds them (ctx.settings), the one place the extension reads them from: each part
 * reads `current` when it needs a value and listens to `onDidChange` for the settings it depends on.
 */
export interface LiveSettings {
  readonly current: Settings;
  /** VS Code's proxy settings, for the clients' connections. */
  readonly network: DispatcherOptions;
  onDidChange(listener: (changed: ReadonlySet<SettingName>) => void): { dispose(): void };
}

/** Reads the settings, falling back to the default for a missing or mistyped value and clamping to the bounds. */
export function readSettings(source: SettingsSource): Settings {
  return {
    requestTimeoutMs: numberSetting(source, SETTINGS.requestTimeoutSeconds) * 1000,
    maxRetries: Math.floor(numberSetting(source, SETTINGS.maxRetries)),
    historyMaxEntries: Math.floor(numberSetting(source, SETTINGS.historyMaxEntries)),
    historyMaxDays: numberSetting(source, SETTINGS.historyMaxDays),
    confirmWrites: enumSetting(source, SETTINGS.confirmWrites),
    batchConcurrency: Math.floor(numberSetting(source, SETTINGS.batchConcurrency)),
  };
}

function enumSetting<T extends string>(source: SettingsSource, spec: { key: string; default: T; values: readonly T[] }): T {
  const value = source.get<unknown>(spec.key);
  return spec.values.find((v) => v === value) ?? spec.default;
}

function numberSetting(source: SettingsSource, spec: { key: string; default: number; minimum: number; maximum: number }): number {
  const value = source.get<unknown>(spec.key);
  const n = typeof value === 'number' && Number.isFinite(value) ? value : spec.default;
  return Math.min(spec.maximum, Math.max(spec.minimum, n));
}

/**
 * VS Code's http.proxy, http.proxyStrictSSL and http.noProxy (HTTPS_PROXY/NO_PROXY from the environment when
 * http.proxy is empty), from the `http` section. VS Code registers these as application- or machine-scoped and
 * restricted, so a workspace's .vscode/settings.json cannot set them: an opened folder cannot route a gate's secret
 * elsewhere.
 */
export function readNetwork(http: SettingsSource): DispatcherOptions {
  // "off" is VS Code's switch for "extensions use no proxy at all", environment variables included.
  if (http.get<unknown>('proxySupport') === 'off') return { env: {} };
  const proxy = http.get<unknown>('proxy');
  const noProxy = http.get<unknown>('noProxy');
  return {
    proxyUrl: typeof proxy === 'string' ? proxy : '',
    strictSSL: http.get<unknown>('proxyStrictSSL') !== false,
    noProxy: Array.isArray(noProxy) ? noProxy.filter((h): h is string => typeof h === 'string') : [],
  };
}
