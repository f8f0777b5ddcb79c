import * as l10n from '@vscode/l10n';
import { printParseErrorCode, type ParseError } from 'jsonc-parser';
import { DB_LIMITS, type Db, type DbValue } from './db';
import { readTopLevel, type PropertyNode, type TopLevel, type ValueNode } from './dbReader';
import { isSent, keyCountAllowed, keyProblem, showKey, stringValueProblem } from './limits';

/** Why a DB document cannot be saved as it is (or, in `warnings`, what is out of limits but not sent). */
export type DbProblemCode = 'syntax' | 'empty' | 'notObject' | 'duplicateKey' | 'emptyKey' | 'keyNotWellFormed' | 'keyTooLong'
  | 'tooManyKeys' | 'nullValue' | 'floatValue' | 'unsafeInteger' | 'arrayValue' | 'objectValue' | 'valueNotWellFormed'
  | 'valueTooLong' | 'tooDeep';

/** One problem, with the exact range of `text` it is about (`offset`/`length` in UTF-16 code units). */
export interface DbProblem {
  readonly code: DbProblemCode;
  readonly message: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Either the DB the document describes, or every problem that stops it from being saved. `warnings` (same shape,
 * never blocking a save) name limits the server's DB already breaks in parts this save does not send; they are
 * only ever found when `base` is given.
 */
export type DbAnalysis =
  | { readonly ok: true; readonly db: Db; readonly warnings: readonly DbProblem[] }
  | { readonly ok: false; readonly problems: readonly DbProblem[]; readonly warnings: readonly DbProblem[] };

/** What analyzeDbDocument compares the document with. */
export interface DbAnalysisOptions {
  /** The DB the server holds (as last read or saved); without it every limit applies to every key. */
  readonly base?: Db | undefined;
}

const BOM = '\ufeff';
/**
 * Deepest nesting of `{`/`[` checked. A DB is one flat object (a nested value is depth 2), and the JSON parser
 * recurses once per level: a file nested ~10,000 deep would end its check in a stack overflow.
 */
export const MAX_DEPTH = 64;
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/**
 * Checks a DB document against strict JSON and every LogUp limit, and returns ALL problems sorted by offset.
 *
 * Decisions: numbers are accepted only when the text has no `.` or exponent AND the value is a safe integer
 * (`1.0` and `1e3` are refused as `floatValue`, with a hint to write the integer); `-0` reads as `0`. Keys and
 * strings must be well-formed Unicode (no lone surrogate, escaped or raw).
 * Over 20 keys: one `tooManyKeys` problem on every distinct key from the 21st on (document order), so each
 * highlighted key is one the user could drop. Semantic problems are reported even next to syntax errors, on
 * the parser's recovered tree, so the user sees everything in one pass.
 *
 * With `options.base`, limits apply only to what the save would send (the rules of `isSent`/`keyCountAllowed`,
 * which planProblems uses too): a key/value problem on a key whose value is identical to base's is a warning, and
 * so is a key count over 20 when the save sends no PUT (it only deletes, or changes nothing); `db` then holds the
 * unchanged out-of-limit values as they are, so the deletions can be planned. Structural problems stay errors.
 */
export function analyzeDbDocument(text: string, options: DbAnalysisOptions = {}): DbAnalysis {
  // A BOM is tolerated: replacing it with a space keeps every offset pointing into the original text.
  const source = text.startsWith(BOM) ? ` ${text.slice(1)}` : text;
  if (/^[ \t\n\r]*$/.test(source)) {
    return {
      ok: false,
      problems: [{
        code: 'empty',
        message: l10n.t('The document is empty; a LogUp DB is one JSON object, e.g. {"plan": "pro"}. Write {} for an empty DB.'),
        offset: 0,
        length: text.length,
      }],
      warnings: [],
    };
  }

  const deep = tooDeep(source);
  if (deep !== undefined) return { ok: false, problems: [deep], warnings: [] };
  const errors: ParseError[] = [];
  let top: TopLevel;
  try {
    top = readTopLevel(source, errors);
  } catch (error) {
    // The scan above bounds the parser's recursion; should a shape it misjudges still overflow, say so all the same.
    if (error instanceof RangeError) return { ok: false, problems: [tooDeepProblem(0)], warnings: [] };
    throw error;
  }
  const found: Found = { problems: syntaxProblems(source, errors), warnings: [], entries: [] };

  const { root, properties } = top;
  if (root !== undefined) {
    if (root.type !== 'object') {
      found.problems.push({
        code: 'notObject',
        message: notObjectMessage(root),
        offset: root.offset,
        length: root.length,
      });
    } else {
      checkObject(source, properties, options.base, found);
    }
  }

  // Stable sort: problems at the same offset keep the order they were found in.
  const warnings = found.warnings.sort((a, b) => a.offset - b.offset);
  if (found.problems.length > 0) return { ok: false, problems: found.problems.sort((a, b) => a.offset - b.offset), warnings };
  return { ok: true, db: buildDb(found.entries), warnings };
}

/**
 * The `{` or `[` that opens level MAX_DEPTH + 1, as a problem, or undefined. One linear pass that skips strings; a
 * closing bracket that does not match the innermost open one is not counted, so the depth found is never less than
 * the parser's.
 */
function tooDeep(source: string): DbProblem | undefined {
  const open: number[] = [];
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (inString) {
      // The parser ends a string at a line break too (an unclosed string is a syntax problem there).
      if (c === 0x5c) i++;
      else if (c === 0x22 || c === 0x0a || c === 0x0d) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (open.length === MAX_DEPTH) return tooDeepProblem(i);
      open.push(c);
    } else if ((c === 0x7d && open.at(-1) === 0x7b) || (c === 0x5d && open.at(-1) === 0x5b)) {
      open.pop();
    }
  }
  return undefined;
}

function tooDeepProblem(offset: number): DbProblem {
  return {
    code: 'tooDeep',
    message: l10n.t('The JSON is nested more than {0} levels deep here, so it is not checked further; a LogUp DB is one flat object of strings, booleans and integers. Remove the nesting.', MAX_DEPTH),
    offset,
    length: 1,
  };
}

/** Canonical text of a DB: keys sorted by UTF-16 code unit, 2-space indent, final newline. */
export function serializeDb(db: Db): string {
  const keys = Object.keys(db).sort();
  if (keys.length === 0) return '{}\n';
  // Built by hand because JSON.stringify would list integer-like keys ("9", "10") first, whatever their order.
  const lines = keys.map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(db[k])}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

interface Found {
  readonly problems: DbProblem[];
  readonly warnings: DbProblem[];
  readonly entries: [string, DbValue][];
}

/** Builds a Db where every key is an own data property, even `__proto__`. */
function buildDb(entries: readonly (readonly [string, DbValue])[]): Db {
  return Object.fromEntries(entries) as Db;
}

function checkObject(source: string, properties: readonly PropertyNode[], base: Db | undefined, found: Found): void {
  const seen = new Set<string>();
  const keyNodes: PropertyNode['keyNode'][] = [];
  let sends = false;
  for (const { keyNode, valueNode } of properties) {
    const key = keyNode.value;
    const checked = valueNode === undefined ? undefined : checkValue(source, valueNode);
    // A key left as the server holds it is not sent: its limits are not this save's to enforce.
    const unchanged = base !== undefined && checked?.value !== undefined && !isSent(base, key, checked.value);

    if (seen.has(key)) {
      found.problems.push({
        code: 'duplicateKey',
        message: l10n.t('Key {0} appears more than once; JSON.parse would silently keep only the last value. Remove or rename one of them.', showKey(key)),
        offset: keyNode.offset,
        length: keyNode.length,
      });
    } else {
      seen.add(key);
      keyNodes.push(keyNode);
      if (!unchanged) sends = true;
      const kp = keyProblem(key);
      if (kp !== undefined) report(found, unchanged, { ...kp, offset: keyNode.offset, length: keyNode.length });
    }

    if (valueNode === undefined || checked === undefined) continue;
    if (checked.problem !== undefined) report(found, unchanged, { ...checked.problem, offset: valueNode.offset, length: valueNode.length });
    if (checked.value !== undefined && (checked.problem === undefined || unchanged)) found.entries.push([key, checked.value]);
  }

  const excess = seen.size - DB_LIMITS.maxKeys;
  if (excess <= 0) return;
  // The document's keys are what the server holds after the PUT: planSave deletes first whenever it must.
  if (keyCountAllowed(seen.size, sends)) {
    const first = keyNodes[DB_LIMITS.maxKeys];
    if (first === undefined) return;
    found.warnings.push({
      code: 'tooManyKeys',
      message: excess === 1
        ? l10n.t("This DB has {0} keys, over LogUp's limit of {1} (the server already holds them). Saving deletions is allowed; to add or change a key, first remove 1 key.", seen.size, DB_LIMITS.maxKeys)
        : l10n.t("This DB has {0} keys, over LogUp's limit of {1} (the server already holds them). Saving deletions is allowed; to add or change a key, first remove {2} keys.", seen.size, DB_LIMITS.maxKeys, excess),
      offset: first.offset,
      length: first.length,
    });
    return;
  }
  const hint = base === undefined ? '' : ` ${l10n.t('A save that only deletes keys is allowed.')}`;
  // One sentence per key, differing only in the key's position: worded once, with a mark where the position goes
  // (a file of 96,000 keys has 95,980 of these; BENCHMARKS.md, part 8).
  const sentence = (position: string | number): string => (excess === 1
    ? l10n.t('This is key {0} of {1}; LogUp allows at most {2} keys per subscription. Remove 1 key.', position, seen.size, DB_LIMITS.maxKeys)
    : l10n.t('This is key {0} of {1}; LogUp allows at most {2} keys per subscription. Remove {3} keys.', position, seen.size, DB_LIMITS.maxKeys, excess)) + hint;
  const template = sentence(POSITION_MARK);
  const at = template.indexOf(POSITION_MARK);
  const head = template.slice(0, at);
  const tail = template.slice(at + POSITION_MARK.length);
  const once = at >= 0 && template.lastIndexOf(POSITION_MARK) === at;
  for (let i = DB_LIMITS.maxKeys; i < keyNodes.length; i++) {
    const keyNode = keyNodes[i] as PropertyNode['keyNode'];
    found.problems.push({
      code: 'tooManyKeys',
      message: once ? `${head}${i + 1}${tail}` : sentence(i + 1),
      offset: keyNode.offset,
      length: keyNode.length,
    });
  }
}

/** Stands for a number in a sentence worded once for many problems; no translation writes it. */
const POSITION_MARK = '\u0000';

/** A problem of a key or value, as a warning when the key is unchanged from the server's DB (so not sent). */
function report(found: Found, unchanged: boolean, problem: DbProblem): void {
  if (unchanged) found.warnings.push({ ...problem, message: `${problem.message} ${l10n.t("It is unchanged from the server's DB, so saving does not send it and is allowed; a change to it must fix this.")}` });
  else found.problems.push(problem);
}

type Checked = { readonly value?: DbValue; readonly problem?: { readonly code: DbProblemCode; readonly message: string } };

/**
 * The value as read, and the limit it breaks, if any. A number or string is returned even when out of limits, so
 * that an unchanged one can be kept; null, arrays and objects have no value a DB could hold.
 */
function checkValue(source: string, node: ValueNode): Checked {
  switch (node.type) {
    case 'boolean':
      return { value: node.value as boolean };
    case 'string': {
      const value = node.value as string;
      const problem = stringValueProblem(value);
      return problem === undefined ? { value } : { value, problem };
    }
    case 'number': {
      const raw = source.slice(node.offset, node.offset + node.length);
      const value = node.value as number;
      // A malformed number (`1e`, `1.`) is already a syntax problem; judging its value would only add noise.
      if (!JSON_NUMBER.test(raw)) return {};
      const shown = raw.length > 24 ? `${raw.slice(0, 24)}…` : raw;
      if (/[.eE]/.test(raw)) {
        // The JSON text decides: `1.0` or `1e3` says "a decimal" even though the value happens to be whole.
        return Number.isSafeInteger(value)
          ? refuse('floatValue', l10n.t('{0} is written as a decimal number; LogUp stores only integers. Write it as {1}.', shown, String(value)), value)
          : refuse('floatValue', l10n.t('{0} is not an integer; LogUp stores only integers. Round it, or put it in double quotes to store it as a string.', shown), value);
      }
      if (!Number.isSafeInteger(value)) {
        return refuse('unsafeInteger', l10n.t('{0} is outside the safe integer range (−{1} to {1}) and would lose digits; put it in double quotes to store it as a string.', shown, String(Number.MAX_SAFE_INTEGER)), value);
      }
      // `-0` is an integer, but the canonical form (and the server) only know 0.
      return { value: value === 0 ? 0 : value };
    }
    case 'null':
      return refuse('nullValue', l10n.t('null is not a value LogUp can store (only strings, booleans and integers). Use "" or false instead, or remove the key.'));
    case 'array':
      return refuse('arrayValue', l10n.t('An array is not a value LogUp can store (only strings, booleans and integers). Put the list in a string, e.g. "a,b,c", or spread it over several keys.'));
    case 'object':
      return refuse('objectValue', l10n.t('A nested object is not a value LogUp can store: the DB is one flat object of strings, booleans and integers. Move its entries to top-level keys, or put it in a string.'));
    default:
      return {};
  }
}

function refuse(code: DbProblemCode, message: string, value?: DbValue): Checked {
  return value === undefined ? { problem: { code, message } } : { value, problem: { code, message } };
}

/** Why a document whose root is not an object cannot be a DB, one sentence for each kind of root. */
function notObjectMessage(node: ValueNode): string {
  switch (node.type) {
    case 'array': return l10n.t('The document must be one JSON object like {"plan": "pro"}, but it is an array.');
    case 'string': return l10n.t('The document must be one JSON object like {"plan": "pro"}, but it is a string.');
    case 'number': return l10n.t('The document must be one JSON object like {"plan": "pro"}, but it is a number.');
    case 'boolean': return l10n.t('The document must be one JSON object like {"plan": "pro"}, but it is the value {0}.', String(node.value));
    case 'null': return l10n.t('The document must be one JSON object like {"plan": "pro"}, but it is null.');
    default: return l10n.t('The document must be one JSON object like {"plan": "pro"}, but it is not an object.');
  }
}

/** The sentence for a parser error, by its name (a function: translated when a document is checked). */
function syntaxMessage(name: string): string | undefined {
  switch (name) {
    case 'InvalidNumberFormat': return l10n.t('This number is not valid JSON.');
    case 'PropertyNameExpected': return l10n.t('Expected a key in double quotes here.');
    case 'ValueExpected': return l10n.t('Expected a value here: a string in double quotes, an integer, true or false.');
    case 'ColonExpected': return l10n.t('Expected a colon (:) between the key and its value.');
    case 'CommaExpected': return l10n.t('Expected a comma (,) before this entry.');
    case 'CloseBraceExpected': return l10n.t('Expected } to close the object.');
    case 'CloseBracketExpected': return l10n.t('Expected ] to close the array.');
    case 'EndOfFileExpected': return l10n.t('Unexpected text after the end of the JSON object; remove it.');
    case 'InvalidCommentToken': return l10n.t('Comments are not allowed: the DB is plain JSON. Remove the comment.');
    case 'UnexpectedEndOfComment': return l10n.t('This comment is never closed; comments are not allowed in the DB anyway, so remove it.');
    case 'UnexpectedEndOfString': return l10n.t('This string is never closed; add the closing double quote on the same line.');
    case 'UnexpectedEndOfNumber': return l10n.t('This number ends too early: a digit must follow ".", "e" or "-".');
    case 'InvalidUnicode': return l10n.t('Invalid \\u escape: it needs exactly 4 hexadecimal digits, e.g. \\u00e9.');
    case 'InvalidEscapeCharacter': return l10n.t('Invalid escape in this string; JSON allows \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX.');
    case 'InvalidCharacter': return l10n.t('This string contains a raw control character (a tab or line break); write it as an escape such as \\t or \\n.');
    default: return undefined;
  }
}

const STRUCTURAL_ERRORS = new Set(['PropertyNameExpected', 'ValueExpected', 'ColonExpected', 'CommaExpected',
  'CloseBraceExpected', 'CloseBracketExpected', 'EndOfFileExpected']);

/**
 * Turns the parser's errors into problems a person can act on, without the parser's follow-on errors: after a
 * missing key it always adds "value expected" at the `,` or `}` it skipped to, and a bad token (`'a'`, `tru`,
 * `007`) makes the very next token "unexpected" too. Independent mistakes (one per entry) are all kept.
 */
function syntaxProblems(source: string, errors: readonly ParseError[]): DbProblem[] {
  const candidates: (DbProblem & { structural: boolean })[] = [];
  let previousName = '';
  for (const error of errors) {
    const name = printParseErrorCode(error.error);
    const skip = name === 'ValueExpected' && previousName === 'PropertyNameExpected';
    previousName = name;
    if (skip) continue;

    let offset = error.offset;
    let length = Math.max(1, Math.min(error.length, source.length - offset));
    if (offset >= source.length) {
      // At the end of the text there is no token; underline the last visible character instead of a line break.
      offset = Math.max(0, previousSignificant(source, source.length));
      length = Math.min(1, source.length);
    }
    let message = syntaxMessage(name) ?? l10n.t('This is not valid JSON.');
    const token = source.slice(offset, offset + length);

    if ((name === 'PropertyNameExpected' || name === 'ValueExpected') && (token === '}' || token === ']')) {
      const comma = previousSignificant(source, offset);
      if (comma >= 0 && source[comma] === ',') {
        offset = comma;
        length = 1;
        message = l10n.t('Trailing comma: JSON does not allow a comma after the last entry. Remove it.');
      }
    } else if (name === 'CommaExpected' && /^[0-9]/.test(token) && source[offset - 1] === '0') {
      // `007` scans as `0`, `0`, `7`: underline the whole number, not the second digit.
      let end = offset;
      while (end < source.length && /[0-9]/.test(source[end] ?? '')) end++;
      offset -= 1;
      length = end - offset;
      message = l10n.t('Numbers cannot start with 0 in JSON; remove the leading zero.');
    } else if (name === 'InvalidSymbol') {
      const shown = token.length > 24 ? `${token.slice(0, 24)}…` : token;
      message = token.startsWith("'")
        ? l10n.t('Single quotes are not JSON; use double quotes around keys and strings.')
        : l10n.t('Unexpected {0}: strings need double quotes, and the only bare words JSON knows are true, false and null.', JSON.stringify(shown));
    }
    candidates.push({ code: 'syntax', message, offset, length, structural: STRUCTURAL_ERRORS.has(name) });
  }

  const out: DbProblem[] = [];
  let coveredUntil = -1;
  for (const { structural, ...problem } of candidates.sort((a, b) => a.offset - b.offset)) {
    if (problem.offset <= coveredUntil) continue;
    // Only whitespace since the last problem: this error is that problem's echo on the next token.
    if (structural && coveredUntil >= 0 && /^[ \t\r\n]*$/.test(source.slice(coveredUntil + 1, problem.offset))) continue;
    coveredUntil = problem.offset + problem.length - 1;
    out.push(problem);
  }
  return out;
}

/** Offset of the last non-whitespace character before `offset`, or -1. */
function previousSignificant(source: string, offset: number): number {
  let i = offset - 1;
  while (i >= 0 && (source[i] === ' ' || source[i] === '\t' || source[i] === '\n' || source[i] === '\r')) i--;
  return i;
}
