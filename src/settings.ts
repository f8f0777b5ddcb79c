import { DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, MAX_RETRIES_LIMIT } from './api/clientDefaults';

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
