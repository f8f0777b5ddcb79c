/**
 * The api module's entry for the extension: bundled as its own file (dist/api.js) and loaded with the first client,
 * so activation neither reads nor compiles undici and zod. The error classes, failures.ts and clientDefaults.ts are
 * imported statically instead: they need neither.
 */
export { LogUpClient } from './logUpClient';
export type { CallOptions, LogUpClientOptions, RequestLogEntry, RequestLogger } from './clientOptions';
export { createDispatcher } from './proxy';
export type { DispatcherOptions } from './proxy';
export type { HostResolver } from './directConnect';
export type { Verification } from './schemas';
export { useTranslations } from './translations';
