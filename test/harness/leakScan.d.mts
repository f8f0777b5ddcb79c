// Types for test/harness/leakScan.mjs, so the TypeScript unit test of the scanner type-checks.

export interface Needle {
  label: string;
  value: string;
}

export interface SecretPattern {
  label: string;
  /** Must have the g flag. */
  regex: RegExp;
  accept?: (match: string) => boolean;
}

export interface LeakHit {
  file: string;
  label: string;
  offset: number;
  encoding: 'utf8' | 'utf16le' | 'url-encoded' | 'json-escaped' | 'pattern';
  /** The bytes around the hit, printable, every needle replaced by <SECRET>. */
  context: string;
}

export const SKIPPED_DIRS: Readonly<Record<string, string>>;
export const ACCESS_TOKEN_PATTERN: SecretPattern;

export function scanForSecrets(
  dirs: readonly string[],
  needles: readonly (string | Needle)[],
  options?: { patterns?: readonly SecretPattern[]; skipDirs?: Readonly<Record<string, string>> },
): Promise<LeakHit[] & { scannedFiles: number }>;

export function formatHits(hits: readonly LeakHit[], root?: string): string[];

export function runNeedles(root?: string): Promise<Needle[]>;

export function runLeakScan(options?: {
  root?: string;
  runs?: readonly string[];
  log?: (message: string) => void;
  needlesRoot?: string;
}): Promise<{ ok: boolean; passed: number; failed: number; hits: LeakHit[]; reason: string | undefined }>;

/** Minimal view of a Playwright page, enough for the two helpers below. */
interface EvaluatingPage {
  evaluate<T>(fn: () => T | Promise<T>): Promise<T>;
}

export function savePageText(page: EvaluatingPage, pngFile: string): Promise<void>;
export function saveBrowserStorage(page: EvaluatingPage, file: string): Promise<void>;
