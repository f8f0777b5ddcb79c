// TEMPORARY stand-in until the api branch lands (it owns this file).
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RETRIES = 2;
export const MAX_RETRIES_LIMIT = 5;
export const MAX_CONNECT_TIMEOUT_MS = 10_000;
