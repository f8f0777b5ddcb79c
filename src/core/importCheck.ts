// What importing a .json file into a subscription means, decided without vscode: the file must pass the same
// checks as a save of the DB document (analyzeDbDocument, with the server's DB as the base), and then the
// subscription's DB becomes exactly the file's content, keys absent from the file included (they are deleted).
import * as l10n from '@vscode/l10n';
import type { Db } from './db';
import { analyzeDbDocument, type DbProblem } from './dbDocument';
import { showKey } from './limits';
import { describeChange } from './merge';

/** Largest file read for an import; a LogUp DB (20 keys, values of at most 1 KB) is far smaller. */
export const MAX_IMPORT_BYTES = 1024 * 1024;

/** A problem of the file, placed as an editor shows it: 1-based line and column, columns in UTF-16 code units. */
export interface PlacedProblem {
  readonly code: string;
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** At most this many problems are placed and shown (Problems view, modal); the rest are only counted. */
export const MAX_PLACED_PROBLEMS = 100;

/**
 * The file's DB, or the problems that stop the import (nothing is sent then): the first MAX_PLACED_PROBLEMS of them
 * in document order, and `total`, how many there are in all.
 */
export type ImportCheck =
  | { readonly ok: true; readonly db: Db }
  | { readonly ok: false; readonly problems: readonly PlacedProblem[]; readonly total: number };

/** The file's bytes as text: strict UTF-8; a byte order mark is dropped, as an editor does. */
export function decodeImport(bytes: Uint8Array): { ok: true; text: string } | { ok: false; message: string } {
  if (bytes.byteLength > MAX_IMPORT_BYTES) return { ok: false, message: tooLarge(bytes.byteLength) };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, message: l10n.t('The file is not UTF-8 text, so it cannot be a JSON DB. Save it as UTF-8, or pick the file an export wrote.') };
  }
}

/** Why a file of `size` bytes is not read at all. */
export function tooLarge(size: number): string {
  return l10n.t('The file is {0} KB, too large to be a LogUp DB (a DB holds at most 20 keys of at most 1 KB each). Pick the file an export wrote.', Math.ceil(size / 1024));
}

/** Checks the file's text against JSON and every LogUp limit, with the server's DB now as the base of the change. */
export function checkImport(text: string, server: Db): ImportCheck {
  const analysis = analyzeDbDocument(text, { base: server });
  if (analysis.ok) return { ok: true, db: analysis.db };
  // Placed once per file, not once per problem: a 1 MB file can have 100,000 problems (BENCHMARKS.md, part 8).
  const starts = lineStarts(text);
  const problems = analysis.problems.slice(0, MAX_PLACED_PROBLEMS).map((p) => placeProblem(text, starts, p));
  return { ok: false, problems, total: analysis.problems.length };
}

/** The offset where each line starts; `\r\n`, `\n` and a lone `\r` each end a line, as in VS Code. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}

/** The 1-based line and column of a UTF-16 offset (columns in UTF-16 code units); `starts` from lineStarts(text). */
export function positionAt(text: string, offset: number, starts: readonly number[] = lineStarts(text)): { line: number; column: number } {
  const at = Math.min(Math.max(0, offset), text.length);
  // The last line start at or before `at`, by binary search.
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((starts[mid] ?? 0) <= at) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: at - (starts[low] ?? 0) + 1 };
}

function placeProblem(text: string, starts: readonly number[], problem: DbProblem): PlacedProblem {
  const start = positionAt(text, problem.offset, starts);
  const end = positionAt(text, problem.offset + problem.length, starts);
  return { code: problem.code, message: problem.message, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

/**
 * The problems as lines `file.json:3:5 message`, at most `max` of them, then how many more there are. `total` is how
 * many the file has, when `problems` holds only the first of them (the Problems view shows those).
 */
export function listProblems(fileName: string, problems: readonly PlacedProblem[], max = 8, total = problems.length): string {
  const shown = problems.slice(0, max).map((p) => `${fileName}:${p.line}:${p.column} ${p.message}`);
  const more = total - shown.length;
  let rest: string;
  if (total > problems.length) rest = l10n.t('…and {0} more problems; the Problems view shows the first {1}.', more, problems.length);
  else rest = more === 1 ? l10n.t('…and 1 more problem, shown in the Problems view.') : l10n.t('…and {0} more problems, shown in the Problems view.', more);
  return [...shown, ...(more > 0 ? [rest] : [])].join('\n');
}

/** What the import does to the server's DB, as whole sentences for its confirmation. */
export function describeImport(server: Db, file: Db, max = 10): string[] {
  const changes = describeChange(server, file);
  const keys = (kind: 'added' | 'changed' | 'deleted'): string => {
    const list = changes.filter((c) => c.kind === kind).map((c) => showKey(c.key));
    return list.length > max ? l10n.t('{0} and {1} more', list.slice(0, max).join(', '), list.length - max) : list.join(', ');
  };
  const count = (kind: 'added' | 'changed' | 'deleted'): number => changes.filter((c) => c.kind === kind).length;
  const sentences: string[] = [];
  if (count('deleted') > 0) sentences.push(l10n.t('Deleted, because the file does not have them: {0}.', keys('deleted')));
  if (count('added') > 0) sentences.push(l10n.t('Added: {0}.', keys('added')));
  if (count('changed') > 0) sentences.push(l10n.t('Changed: {0}.', keys('changed')));
  const unchanged = Object.keys(file).length - count('added') - count('changed');
  if (unchanged > 0) sentences.push(unchanged === 1 ? l10n.t('Left as they are: 1 key.') : l10n.t('Left as they are: {0} keys.', unchanged));
  return sentences;
}
