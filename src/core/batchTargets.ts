import * as l10n from '@vscode/l10n';
import { isSafeId } from './dbPath';

/** The subscriptions a batch change is for, read from a file: each id once, in the file's order. */
export interface TargetList {
  readonly ids: readonly string[];
  /** Ids listed more than once (counted once in `ids`). */
  readonly duplicates: number;
}

export type TargetCheck = { readonly ok: true; readonly list: TargetList } | { readonly ok: false; readonly message: string };

/** The column a CSV file of subscriptions must have. */
export const ID_COLUMN = 'idSubscription';

/** At most this many bad ids are named in the message; the count says how many there are. */
const MAX_NAMED = 3;

/**
 * Reads a list of subscription ids: a JSON array of ids, a CSV file with an `idSubscription` column (any other
 * columns are ignored), or one id a line (blank lines and lines starting with `#` are skipped). Every id is checked
 * like an id typed anywhere else (dbPath.ts); one bad id refuses the whole file, so no batch runs on half a list.
 */
export function parseTargetList(text: string): TargetCheck {
  const body = text.replace(/^\uFEFF/, '');
  const trimmed = body.trim();
  if (trimmed === '') return { ok: false, message: l10n.t('The file lists no subscription ids. Write one id a line, a CSV file with an "{0}" column, or a JSON array of ids.', ID_COLUMN) };
  if (trimmed.startsWith('[')) return fromJson(trimmed);
  const lines = body.split(/\r?\n/);
  const header = lines.findIndex((line) => line.trim() !== '');
  const first = lines[header] ?? '';
  if (first.includes(',') || first.includes(';') || csvFields(first, ',').includes(ID_COLUMN)) return fromCsv(lines, header);
  const items: { id: string; where: string }[] = [];
  lines.forEach((line, i) => {
    const id = line.trim();
    if (id !== '' && !id.startsWith('#')) items.push({ id, where: l10n.t('line {0}', i + 1) });
  });
  return checked(items);
}

function fromJson(text: string): TargetCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: l10n.t('The file starts like a JSON array but is not valid JSON ({0}). Fix it, or write one id a line.', error instanceof Error ? error.message : String(error)) };
  }
  if (!Array.isArray(value)) return { ok: false, message: l10n.t('The JSON file must be an array of subscription ids, e.g. ["sub_a", "sub_b"].') };
  const bad = value.findIndex((v) => typeof v !== 'string');
  if (bad >= 0) return { ok: false, message: l10n.t('Item {0} of the JSON array is not a string; the array must hold subscription ids only.', bad + 1) };
  return checked((value as string[]).map((id, i) => ({ id: id.trim(), where: l10n.t('item {0}', i + 1) })));
}

function fromCsv(lines: readonly string[], header: number): TargetCheck {
  const first = lines[header] ?? '';
  const separator = !first.includes(',') && first.includes(';') ? ';' : ',';
  const column = csvFields(first, separator).indexOf(ID_COLUMN);
  if (column < 0) return { ok: false, message: l10n.t('The CSV file has no "{0}" column in its first line. Add that header above the ids.', ID_COLUMN) };
  const items: { id: string; where: string }[] = [];
  for (let i = header + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    items.push({ id: csvFields(line, separator)[column] ?? '', where: l10n.t('line {0}', i + 1) });
  }
  return checked(items);
}

/** The fields of one CSV line, unquoted and trimmed ("" inside quotes is one quote). */
export function csvFields(line: string, separator: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === separator && !quoted) {
      fields.push(field.trim());
      field = '';
    } else {
      field += c;
    }
  }
  fields.push(field.trim());
  return fields;
}

function checked(items: readonly { id: string; where: string }[]): TargetCheck {
  const bad = items.filter(({ id }) => !isSafeId(id));
  if (bad.length > 0) {
    const named = bad.slice(0, MAX_NAMED).map(({ id, where }) => `${where}: ${JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id)}`).join(', ');
    const more = bad.length > MAX_NAMED ? l10n.t(' (and {0} more)', bad.length - MAX_NAMED) : '';
    return {
      ok: false,
      message: l10n.t('Not a subscription id: {0}{1}. Ids are 1 to 128 letters, digits, "_" or "-"; fix the file and choose it again.', named, more),
    };
  }
  if (items.length === 0) return { ok: false, message: l10n.t('The file lists no subscription ids. Write one id a line, a CSV file with an "{0}" column, or a JSON array of ids.', ID_COLUMN) };
  const ids = [...new Set(items.map(({ id }) => id))];
  return { ok: true, list: { ids, duplicates: items.length - ids.length } };
}
