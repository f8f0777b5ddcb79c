// The write history's owner: one JSON file in the extension's global storage folder, shared by every window.
// No `vscode` import: unit tests drive it on a temporary folder.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Log } from '../core/log';
import type { WriteRecord } from '../db/dbStore';
import { batchRecord, boundBatchRecords, type BatchRecord } from './batchRecords';
import { entryFromRecord, type HistoryEntry } from './historyEntry';
import { boundHistory, parseHistory, serializeHistory, type HistoryLimits } from './historyList';

/** What the history file holds: the writes, and what each batch change did to every subscription. */
interface HistoryData {
  readonly entries: readonly HistoryEntry[];
  readonly batches: readonly BatchRecord[];
}

/** True when `next` holds exactly the items of `items` (the same objects, in any order). */
function sameItems<T>(next: readonly T[], items: readonly T[]): boolean {
  if (next.length !== items.length) return false;
  const kept = new Set(items);
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
  private batches: readonly BatchRecord[] = [];
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

  /** What each batch change kept did to every subscription, newest first, as last read or written. */
  batchRecords(): readonly BatchRecord[] {
    return boundBatchRecords(this.batches, this.limits(), this.now());
  }

  get(id: string): HistoryEntry | undefined {
    return this.entries.find((e) => e.id === id);
  }

  /** Records a write the store made; the entry is returned at once and written to the file in the background. */
  record(record: WriteRecord, environment?: string): HistoryEntry {
    const entry = entryFromRecord(record, { environment });
    void this.update((data) => ({ ...data, entries: [entry, ...data.entries] })).catch(() => undefined);
    return entry;
  }

  /** Records where each subscription of a batch change ended (again after a resumed run: the newer record replaces it). */
  recordBatch(run: Parameters<typeof batchRecord>[0]): Promise<void> {
    const kept = batchRecord(run);
    return this.update((data) => ({ ...data, batches: [kept, ...data.batches.filter((b) => b.id !== kept.id)] }));
  }

  /** Deletes every entry (and the file). */
  clear(): Promise<void> {
    return this.update(() => ({ entries: [], batches: [] }));
  }

  /** Deletes the entries of a gate that was removed. */
  removeGate(idGate: string): Promise<void> {
    return this.update(({ entries, batches }) => ({ entries: entries.filter((e) => e.idGate !== idGate), batches: batches.filter((b) => b.idGate !== idGate) }));
  }

  /**
   * Re-reads the file (another window may have written) and applies the limits as they are now. The file is written
   * only when that dropped entries; a file this version cannot fully read is moved aside first, never deleted.
   */
  reload(): Promise<void> {
    return this.update((data) => data);
  }

  /** Resolves once every change asked for so far is on disk (or has failed and been logged). */
  async flush(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  dispose(): void {
    this.listeners.clear();
  }

  private update(change: (data: HistoryData) => HistoryData): Promise<void> {
    const run = this.queue.then(async () => {
      ({ entries: this.entries, batches: this.batches } = await this.locked(async () => {
        const { text, entries, batches, unreadable } = await this.read();
        // What this version cannot read may be a newer version's history: kept beside the file, never overwritten.
        if (unreadable) await this.moveAside();
        const changed = change({ entries, batches });
        const limits = this.limits();
        const next = { entries: boundHistory(changed.entries, limits, this.now()), batches: boundBatchRecords(changed.batches, limits, this.now()) };
        // Only a change writes: a reload that keeps everything leaves the file (and what it holds beyond it) alone.
        if (unreadable || !sameItems(next.entries, entries) || !sameItems(next.batches, batches)) {
          const nextText = next.entries.length === 0 && next.batches.length === 0 ? undefined : serializeHistory(next.entries, next.batches);
          if (unreadable || nextText !== text) await this.write(nextText);
        }
        return next;
      }));
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

  private async read(): Promise<{ text: string | undefined; entries: readonly HistoryEntry[]; batches: readonly BatchRecord[]; unreadable: boolean }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { text: undefined, entries: [], batches: [], unreadable: false };
      throw error;
    }
    const { entries, batches, dropped } = parseHistory(text);
    if (dropped > 0) this.log.warn(`Write history: ${dropped} unreadable entr${dropped === 1 ? 'y' : 'ies'} in ${this.file} left out`);
    return { text, entries, batches, unreadable: dropped > 0 };
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
