import { changesBase, changesResult } from './batchChange';
import { sameAt, valueAt, withEntry, type Db } from './db';
import { describeChange, type KeyChange } from './merge';
import { planSave, type SavePlan } from './savePlan';

/** A write as the history keeps it: the server's DB right before it and right after it. */
export interface WrittenChange {
  readonly before: Db;
  readonly after: Db;
}

/** The keys a write touched, sorted, by what the server holds for each now. */
export interface UndoCheck {
  /** Still exactly as the write left them: undoing them overwrites nobody's change. */
  readonly safe: readonly string[];
  /** Changed by someone since the write (and not back to before it): ask before overwriting. */
  readonly changed: readonly string[];
  /** Already back to how they were before the write: nothing to undo. */
  readonly reverted: readonly string[];
}

/** Sorts the keys a write touched (and only those) by whether undoing them now would overwrite a later change. */
export function undoCheck(written: WrittenChange, now: Db): UndoCheck {
  const safe: string[] = [];
  const changed: string[] = [];
  const reverted: string[] = [];
  for (const { key } of describeChange(written.before, written.after)) {
    if (sameAt(now, written.after, key)) safe.push(key);
    else if (sameAt(now, written.before, key)) reverted.push(key);
    else changed.push(key);
  }
  return { safe, changed, reverted };
}

/** The plan that puts `keys` back to how they were before the write, from the server's DB `now`; nothing else moves. */
export function undoPlan(written: WrittenChange, now: Db, keys: readonly string[]): SavePlan {
  let target = now;
  for (const key of keys) target = withEntry(target, key, valueAt(written.before, key));
  return planSave(now, target);
}

/** Undoing one subscription's part of a batch, key by key, from the server's DB now. */
export interface ChangesUndo {
  /** Keys still as the changes left them: each back to its value before, overwriting nobody's change. */
  readonly safe: readonly KeyChange[];
  /** Keys someone changed since: putting them back overwrites their value (each `before` is what the server holds now). */
  readonly changedSince: readonly KeyChange[];
  /** Keys already back as before the changes: nothing to send. */
  readonly reverted: readonly string[];
}

/**
 * The per-write undo rule (undoCheck) for a list of changes, old → new, as a batch journal keeps them: the changes
 * that take each key from what the server holds `now` back to its value before, sorted by whether that overwrites
 * a later change. Both lists go through a save with `now` as its base, so a key that changes again meanwhile is a
 * conflict.
 */
export function undoChanges(changes: readonly KeyChange[], now: Db): ChangesUndo {
  const written: WrittenChange = { before: changesBase(changes), after: changesResult(changes) };
  const check = undoCheck(written, now);
  const back = (keys: readonly string[]): KeyChange[] => {
    let from: Db = {};
    let to: Db = {};
    for (const key of keys) {
      from = withEntry(from, key, valueAt(now, key));
      to = withEntry(to, key, valueAt(written.before, key));
    }
    return describeChange(from, to);
  };
  return { safe: back(check.safe), changedSince: back(check.changed), reverted: check.reverted };
}
