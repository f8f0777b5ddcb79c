// The write history's owner: one JSON file in the extension's global storage folder, shared by every window.
// No `vscode` import: unit tests drive it on a temporary folder.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Log } from '../core/log';
import type { WriteRecord } from '../db/dbStore';
import { entryFromRecord, type HistoryEntry } from './historyEntry';
import { boundHistory, parseHistory, serializeHistory, type HistoryLimits } from './historyList';

/** True when `next` holds exactly the entries of `entries` (the same objects, in any order). */
function sameEntries(next: readonly HistoryEntry[], entries: readonly HistoryEntry[]): boolean {
  if (next.length !== entries.length) return false;
  const kept = new Set(entries);
  return next.every((e) => kept.has(e));
}

/** A lock older than this was left by a window that crashed mid-write (a write takes milliseconds). */
const STALE_LOCK_MS = 5_000;
const LOCK_WAIT_MS = 10_000;

/**
 * Records every write, keeps the list within its limits and on disk. Each change is a read-modify-write of the file
 * under a lock file, so two windows add to one history instead of overwriting each other's entries, and a Clear or a
 * removed gate in one window is not undone by another's next write. The file is replaced atomically (a temporary
 * file, then a rename), so a crash never leaves half a history; it is readable by its owner only.
 */
export class WriteHistory {
  private entries: readonly HistoryEntry[] = [];
  private loaded: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly file: string,
    private readonly limits: () => HistoryLimits,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `listener` whenever the list changed (a write recorded, a Clear, a removed gate, another window's writes). */
  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The entries, newest first, as last read or written (without disk work; see `load`). */
  list(): readonly HistoryEntry[] {
    return boundHistory(this.entries, this.limits(), this.now());
  }

  /** The entries, read from the file the first time. */
  async load(): Promise<readonly HistoryEntry[]> {
    this.loaded ??= this.reload();
    await this.loaded;
    return this.list();
  }

  get(id: string): HistoryEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  /** Records a write the store made; the entry is returned at once and written to the file in the background. */
  record(record: WriteRecord, environment?: string): HistoryEntry {
    const entry = entryFromRecord(record, { environment });
    void this.update((entries) => [entry, ...entries]).catch(() => undefined);
    return entry;
  }

  /** Deletes every entry (and the file). */
  clear(): Promise<void> {
    return this.update(() => []);
  }

  /** Deletes the entries of a gate that was removed. */
  removeGate(idGate: string): Promise<void> {
    return this.update((entries) => entries.filter((e) => e.idGate !== idGate));
  }

  /**
   * Re-reads the file (another window may have written) and applies the limits as they are now. The file is written
   * only when that dropped entries; a file this version cannot fully read is moved aside first, never deleted.
   */
  reload(): Promise<void> {
    return this.update((entries) => entries);
  }

  /** Resolves once every change asked for so far is on disk (or has failed and been logged). */
  async flush(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  dispose(): void {
    this.listeners.clear();
  }

  private update(change: (entries: readonly HistoryEntry[]) => readonly HistoryEntry[]): Promise<void> {
    const run = this.queue.then(async () => {
      this.entries = await this.locked(async () => {
        const { text, entries, unreadable } = await this.read();
        // What this version cannot read may be a newer version's history: kept beside the file, never overwritten.
        if (unreadable) await this.moveAside();
        const next = boundHistory(change(entries), this.limits(), this.now());
        // Only a change writes: a reload that keeps every entry leaves the file (and what it holds beyond them) alone.
        if (unreadable || !sameEntries(next, entries)) {
          const nextText = next.length === 0 ? undefined : serializeHistory(next);
          if (unreadable || nextText !== text) await this.write(nextText);
        }
        return next;
      });
      for (const listener of [...this.listeners]) listener();
    });
    this.queue = run.catch((error: unknown) => this.log.warn(`Write history: could not update ${this.file}: ${error instanceof Error ? error.message : String(error)}`));
    return run;
  }

  /** Runs `work` holding `<file>.lock`, created exclusively, so windows take turns; a lock left by a crash expires. */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const lock = `${this.file}.lock`;
    const start = Date.now();
    for (;;) {
      try {
        await (await open(lock, 'wx', 0o600)).close();
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > STALE_LOCK_MS) await rm(lock, { force: true });
        else if (Date.now() - start > LOCK_WAIT_MS) throw new Error('another window has held the history file for too long', { cause: error });
        else await delay(10 + Math.floor(Math.random() * 20));
      }
    }
    try {
      return await work();
    } finally {
      await rm(lock, { force: true });
    }
  }

  private async read(): Promise<{ text: string | undefined; entries: readonly HistoryEntry[]; unreadable: boolean }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { text: undefined, entries: [], unreadable: false };
      throw error;
    }
    const { entries, dropped } = parseHistory(text);
    if (dropped > 0) this.log.warn(`Write history: ${dropped} unreadable entr${dropped === 1 ? 'y' : 'ies'} in ${this.file} left out`);
    return { text, entries, unreadable: dropped > 0 };
  }

  /** Renames the file to `<file>.unreadable-<time>`, so that whatever it holds stays on disk for the version that can read it. */
  private async moveAside(): Promise<void> {
    const aside = `${this.file}.unreadable-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.file, aside);
    this.log.warn(`Write history: ${this.file} holds what this version cannot read; moved it to ${aside}`);
  }

  /** Replaces the file atomically, or deletes it when the history is empty. */
  private async write(text: string | undefined): Promise<void> {
    if (text === undefined) {
      await rm(this.file, { force: true });
      return;
    }
    const temporary = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, text, { encoding: 'utf8', mode: 0o600 });
      await rename(temporary, this.file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
