/**
 * The api module's entry for the extension: bundled as its own file (dist/api.js) and loaded with the first client,
 * so activation neither reads nor compiles undici and zod.
 */
export { LogUpClient } from './logUpClient';
export type { LogUpClientOptions, RequestLogEntry } from './logUpClient';
export { createDispatcher } from './proxy';
