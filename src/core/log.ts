/**
 * What the layers without VS Code log to: the "LogUp" output channel in the extension (a `LogOutputChannel` fits),
 * a list or nothing in the unit tests. Lines are English and name methods, paths, ids and outcomes, never a secret.
 */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
}
