import type { Db } from '../core/db';

/**
 * A version of a subscription's DB as VS Code's file service sees it. The API has none, so the store makes one: a new
 * version whenever the DB it sees differs from the last one. `size` is unique per version because VS Code's
 * dirty-write check only refuses a save when the mtime went up AND the size changed (docs/harness.md).
 */
export interface Version {
  readonly mtime: number;
  readonly size: number;
}

/** What the store last saw of a subscription's DB on the server, and its version. */
export interface Observation extends Version {
  readonly db: Db;
}
