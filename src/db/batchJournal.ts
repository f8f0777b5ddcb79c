// The journal of a batch change: what the dry run planned for each subscription and where each one stands, kept in
// one file in the extension's storage so that LogUp: Resume Batch continues after a window reload or a crash.
// No `vscode` import: unit tests drive it on a temporary folder.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as l10n from '@vscode/l10n';
import { reverseChanges, type BatchChange } from '../core/batchChange';
import { STATE_ORDER, wroteTo, type BatchRow, type BatchState } from '../core/batchReport';
import type { DbValue } from '../core/db';
import { isSafeId } from '../core/dbPath';
import { showKey } from '../core/limits';
import type { KeyChange } from '../core/merge';

/** One subscription of a batch; `state` is `change` until the run has decided it. */
export interface BatchItem {
  readonly idSubscription: string;
  state: BatchState;
  /** The keys the dry run planned to change, old → new: the base and the target of this subscription's save. */
  changes?: readonly KeyChange[];
  detail?: string;
  /** Its save was started: a reload may have come after the write landed (the resumed run then sends nothing). */
  started?: boolean;
  /**
   * An undo's keys someone changed since the batch, from what the server holds now back to before the batch: what
   * Write Anyway adds to `changes`. Set by the undo's check (checkUndo), gone once the person chose (settleUndo).
   */
  changedSince?: readonly KeyChange[];
}

export interface BatchJournal {
  readonly version: 1;
  readonly id: string;
  readonly idGate: string;
  readonly change: BatchChange;
  readonly createdAt: number;
  readonly items: BatchItem[];
  /** This batch undoes the batch with this id (Undo This Batch). */
  readonly undoOf?: string;
}

/** States a run still has to decide: planned and not yet written, or left when the person cancelled. */
export function isPending(item: BatchItem): boolean {
  return item.state === 'change' || item.state === 'cancelled';
}

/** True when a run of the journal has something left to do. */
export function isResumable(journal: BatchJournal): boolean {
  return journal.items.some(isPending);
}

/** The id of the batch "Undo Last Batch Change" can undo from this journal (the last one), if it can undo one. */
export function undoableBatchId(journal: BatchJournal | undefined): string | undefined {
  return journal && !isResumable(journal) && journal.undoOf === undefined ? journal.id : undefined;
}

/** The journal's items as the rows of a summary or report. */
export function journalRows(journal: BatchJournal): BatchRow[] {
  return journal.items.map((item) => ({
    idSubscription: item.idSubscription,
    state: item.state,
    ...(item.changes ? { changes: item.changes } : {}),
    ...(item.detail !== undefined ? { detail: item.detail } : {}),
  }));
}

/**
 * The batch that undoes `journal`: each subscription it changed (done, or partly) gets its changes reversed, run like
 * any batch, so the per-write undo rule holds: a key someone changed since is a conflict and is left as it is.
 */
export function undoJournal(journal: BatchJournal, id: string, now: number): BatchJournal {
  const items: BatchItem[] = journal.items
    .filter((i) => wroteTo(i.state) && (i.changes?.length ?? 0) > 0)
    .map((i) => ({ idSubscription: i.idSubscription, state: 'change', changes: reverseChanges(i.changes ?? []) }));
  return { version: 1, id, idGate: journal.idGate, change: journal.change, createdAt: now, items, undoOf: journal.id };
}

/** How many keys an undo's check found changed since the batch, on how many subscriptions. */
export function changedSinceCount(journal: BatchJournal): { keys: number; subscriptions: number } {
  const items = journal.items.filter((i) => (i.changedSince?.length ?? 0) > 0);
  return { keys: items.reduce((n, i) => n + (i.changedSince?.length ?? 0), 0), subscriptions: items.length };
}

/**
 * The person's one answer for the whole undo, applied to each subscription: `overwrite` puts the keys changed since
 * back too (from what the server holds now, so the save's merge sends them); `skip` leaves them as they are, and a
 * subscription with nothing else to undo is `skipped`.
 */
export function settleUndo(journal: BatchJournal, choice: 'skip' | 'overwrite'): void {
  for (const item of journal.items) {
    const changed = item.changedSince ?? [];
    delete item.changedSince;
    if (changed.length === 0) continue;
    const keys = changed.map((c) => showKey(c.key)).join(', ');
    if (choice === 'overwrite') {
      item.changes = [...(item.changes ?? []), ...changed].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      item.detail = l10n.t('Written anyway over a change made since the batch: {0}.', keys);
    } else {
      if ((item.changes?.length ?? 0) === 0) item.state = 'skipped';
      item.detail = l10n.t('Left as it is: {0} changed since the batch.', keys);
    }
  }
}

export function serializeJournal(journal: BatchJournal): string {
  return JSON.stringify(journal);
}

/** Reads a journal field by field; anything unexpected (another version, a damaged file) reads as no journal. */
export function parseJournal(text: string): BatchJournal | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(raw) || raw.version !== 1) return undefined;
  const { id, idGate, change, createdAt, items, undoOf } = raw;
  if (undoOf !== undefined && typeof undoOf !== 'string') return undefined;
  if (typeof id !== 'string' || typeof idGate !== 'string' || !isSafeId(idGate) || typeof createdAt !== 'number' || !Array.isArray(items)) return undefined;
  const parsedChange = toChange(change);
  if (!parsedChange) return undefined;
  const parsedItems: BatchItem[] = [];
  for (const item of items) {
    const parsed = toItem(item);
    if (!parsed) return undefined;
    parsedItems.push(parsed);
  }
  return { version: 1, id, idGate, change: parsedChange, createdAt, items: parsedItems, ...(undoOf !== undefined ? { undoOf } : {}) };
}

function toChange(raw: unknown): BatchChange | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw.kind === 'rename') return typeof raw.from === 'string' && typeof raw.to === 'string' ? { kind: 'rename', from: raw.from, to: raw.to } : undefined;
  if (raw.kind !== 'edit' || !Array.isArray(raw.set) || !Array.isArray(raw.delete)) return undefined;
  const set = raw.set.map((e: unknown) => (isRecord(e) && typeof e.key === 'string' && isValue(e.value) ? { key: e.key, value: e.value } : undefined));
  if (set.some((e) => e === undefined) || raw.delete.some((k: unknown) => typeof k !== 'string')) return undefined;
  return { kind: 'edit', set: set as { key: string; value: DbValue }[], delete: raw.delete as string[] };
}

function toItem(raw: unknown): BatchItem | undefined {
  if (!isRecord(raw)) return undefined;
  const { idSubscription, state, changes, detail, started } = raw;
  if (typeof idSubscription !== 'string' || !isSafeId(idSubscription) || !STATE_ORDER.includes(state as BatchState)) return undefined;
  if (detail !== undefined && typeof detail !== 'string') return undefined;
  let parsed: KeyChange[] | undefined;
  if (changes !== undefined) {
    if (!Array.isArray(changes)) return undefined;
    parsed = [];
    for (const c of changes) {
      if (!isRecord(c) || typeof c.key !== 'string' || !['added', 'changed', 'deleted'].includes(c.kind as string)) return undefined;
      if ((c.before !== undefined && !isValue(c.before)) || (c.after !== undefined && !isValue(c.after))) return undefined;
      parsed.push({ key: c.key, kind: c.kind as KeyChange['kind'], ...(c.before !== undefined ? { before: c.before } : {}), ...(c.after !== undefined ? { after: c.after } : {}) });
    }
  }
  return {
    idSubscription,
    state: state as BatchState,
    ...(parsed ? { changes: parsed } : {}),
    ...(detail !== undefined ? { detail } : {}),
    ...(started === true ? { started: true } : {}),
  };
}

function isValue(v: unknown): v is DbValue {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isSafeInteger(v));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The journal's file: written whole to a temporary file and renamed over it, so a crash never leaves half a journal. */
export class BatchJournalFile {
  constructor(private readonly file: string) {}

  async read(): Promise<BatchJournal | undefined> {
    try {
      return parseJournal(await readFile(this.file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  async write(journal: BatchJournal): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, serializeJournal(journal), { mode: 0o600 });
    await rename(temp, this.file);
  }

  async clear(): Promise<void> {
    await rm(this.file, { force: true });
  }
}
