// Section 8: how long the check of a file to import takes, for files up to the 1 MB an import reads
// (MAX_IMPORT_BYTES). What is timed is what runs in the extension host before the one request of an import:
// checkImport (the document check and the placing of its problems) and the list the modal shows. Each file is
// built to be as costly as a file of its size can be: every key a problem, every line a problem, nesting as deep as
// the bytes allow, one error per few characters.
import { checkImport, listProblems, MAX_IMPORT_BYTES } from '../src/core/importCheck';

export interface ImportCheckRow {
  what: string;
  bytes: number;
  problems: number;
  /** Median and slowest of the runs, in ms; `error` when the check threw instead of answering. */
  medianMs: number;
  maxMs: number;
  /** Median CPU time of the process (user + system) per run: on a shared machine, the part that is the check's own. */
  medianCpuMs: number;
  runs: number;
  error?: string;
}

const REPS = 7;
/** A case slower than this is not repeated (the code before the fix took minutes). */
const REPEAT_BUDGET_MS = 5_000;

/** `unit(i)` repeated while the text stays within `bytes` (ASCII only, so characters are bytes). */
function fill(open: string, unit: (i: number) => string, close: string, bytes = MAX_IMPORT_BYTES): string {
  const parts = [open];
  let size = open.length + close.length;
  for (let i = 0; ; i++) {
    const next = unit(i);
    if (size + next.length > bytes) break;
    parts.push(next);
    size += next.length;
  }
  parts.push(close);
  return parts.join('');
}

const CASES: { what: string; text: () => string }[] = [
  { what: '1 MB, ~96k keys on one line (every key from the 21st is a problem)', text: () => fill('{', (i) => `${i ? ',' : ''}"k${i}":0`, '}') },
  { what: '1 MB, one key per line, every value null', text: () => fill('{\n', (i) => `${i ? ',\n' : ''}"k${i}": null`, '\n}\n') },
  { what: '1 MB, one syntax error every few characters', text: () => fill('{', (i) => `'k${i}' `, '}') },
  { what: '1 MB of [ (nesting as deep as the bytes allow)', text: () => '['.repeat(MAX_IMPORT_BYTES) },
  { what: '10,000 levels of {"a": …}', text: () => `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}` },
  { what: '1 MB, a valid 20-key DB padded with spaces', text: () => {
    const db = `{${Array.from({ length: 20 }, (_, i) => `"k${i}": ${i}`).join(', ')}}`;
    return db + ' '.repeat(MAX_IMPORT_BYTES - db.length);
  } },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function measure(what: string, text: string): ImportCheckRow {
  const samples: number[] = [];
  const cpu: number[] = [];
  let problems = 0;
  let spent = 0;
  for (let i = 0; i < REPS && (i === 0 || spent < REPEAT_BUDGET_MS); i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    try {
      const result = checkImport(text, {});
      if (!result.ok) {
        listProblems('big.json', result.problems, 8, result.total);
        problems = result.total;
      }
    } catch (error) {
      return { what, bytes: Buffer.byteLength(text), problems, medianMs: NaN, maxMs: NaN, medianCpuMs: NaN, runs: i + 1, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    samples.push(ms);
    spent += ms;
  }
  return { what, bytes: Buffer.byteLength(text), problems, medianMs: median(samples), maxMs: Math.max(...samples), medianCpuMs: median(cpu), runs: samples.length };
}

const only = process.argv[2];
const rows = CASES.filter((c) => only === undefined || c.what.includes(only)).map((c) => measure(c.what, c.text()));
process.stdout.write(`${JSON.stringify(rows)}\n`);
