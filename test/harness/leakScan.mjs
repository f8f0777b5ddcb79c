// After the in-editor and e2e layers: every file those runs wrote (code-server's user data and logs, the
// exthost logs with the "LogUp" output channel, settings, global storage, the harness's own logs, screenshots and
// any page text saved next to them) is searched, as bytes, for the gate secrets, access tokens and logupTokens the
// runs handled. Any hit fails the layer. Hits are printed with the secret masked.
//
//   node test/harness/leakScan.mjs            (scans test-results/integration and test-results/e2e)
//
// What is not scanned, and why:
// - `extensions/` folders: the installed copy of the packaged extension. Its bundle carries the sandbox's public
//   demo secret on purpose ("Add Local Sandbox Gate"); it is shipped code, not something the run wrote.
// - code-server keeps SecretStorage in the BROWSER: VS Code web's LocalStorageSecretStorageProvider seals the
//   secrets with AES-GCM (key = a random client half XOR the server half in user-data/serve-web-key-half, fetched
//   from code-server's /mint-key) and stores them in the page's localStorage under "secrets.provider". The test
//   browser contexts are in-memory, so nothing of it reaches the disk and nothing needs to be excluded; globalState
//   lives in the browser's IndexedDB likewise. (Measured with code-server 4.139.1: after a run that added and used
//   a gate, neither the secret nor the key names "logup.gate.*" / "logup.gates.v1" occur under user-data.)
//   saveBrowserStorage() below dumps that browser side into the run folder so the scan covers it too.
/* global document, localStorage, indexedDB, TextDecoder -- savePageText/saveBrowserStorage run these in the page */
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { harnessLog, importTs, repoRoot } from './util.mjs';

/** Directory names skipped anywhere below a scanned folder, each with the reason a reader of a hit list needs. */
export const SKIPPED_DIRS = {
  extensions: 'installed copy of the packaged extension (shipped code, contains the public demo secret on purpose)',
};

/**
 * The sandbox mints access tokens as 72 random bytes in base64url: exactly 96 characters of [A-Za-z0-9_-]. They
 * carry no prefix, so they are found by shape; requiring a lower-case letter, an upper-case letter and a digit
 * keeps long identifiers and hex digests from matching. A run inside standard base64 (next to `+`, `/` or `=`) is
 * part of an encoded blob (the workbench's sealed secret store is one), not a token written out.
 */
export const ACCESS_TOKEN_PATTERN = {
  label: 'sandbox access token (96 base64url characters)',
  regex: /(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_-]{96}(?![A-Za-z0-9_+/=-])/g,
  accept: (match) => /[a-z]/.test(match) && /[A-Z]/.test(match) && /[0-9]/.test(match),
};

const CONTEXT_BYTES = 40;
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Searches every regular file under `dirs` (recursively; symlinks, sockets and SKIPPED_DIRS are not followed)
 * for each needle as UTF-8, UTF-16LE, URL-encoded and JSON-escaped bytes, and for each pattern in the bytes read
 * as Latin-1. `needles`: strings or {label, value}; `patterns`: {label, regex (with /g), accept?}.
 * Returns hits [{file, label, offset, encoding, context}] whose context has every needle masked.
 */
export async function scanForSecrets(dirs, needles, { patterns = [], skipDirs = SKIPPED_DIRS } = {}) {
  const named = needles
    .map((n, i) => (typeof n === 'string' ? { label: `secret #${i + 1}`, value: n } : n))
    .filter((n) => typeof n.value === 'string' && n.value.length >= 6);
  const forms = named.flatMap((n) => encodings(n.value).map(([encoding, bytes]) => ({ label: n.label, encoding, bytes })));
  const hits = [];
  const files = [];
  for (const dir of dirs) if (existsSync(dir)) await walk(dir, skipDirs, files);
  for (const file of files) {
    let bytes;
    try {
      bytes = await readFile(file);
    } catch {
      continue; // removed while scanning (a log rotated, a socket went away)
    }
    for (const form of forms) {
      for (let at = bytes.indexOf(form.bytes); at !== -1; at = bytes.indexOf(form.bytes, at + 1)) {
        hits.push({ file, label: form.label, offset: at, encoding: form.encoding, context: contextAt(bytes, at, form.bytes.length, forms) });
      }
    }
    if (patterns.length > 0) {
      const text = bytes.toString('latin1');
      for (const pattern of patterns) {
        for (const m of text.matchAll(pattern.regex)) {
          if (pattern.accept && !pattern.accept(m[0])) continue;
          hits.push({ file, label: pattern.label, offset: m.index, encoding: 'pattern', context: contextAt(bytes, m.index, m[0].length, forms) });
        }
      }
    }
  }
  return Object.assign(hits, { scannedFiles: files.length });
}

async function walk(dir, skipDirs, out) {
  let entries;
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    let stat;
    try {
      stat = await lstat(path);
    } catch {
      continue;
    }
    if (stat.isDirectory()) {
      if (!Object.hasOwn(skipDirs, name)) await walk(path, skipDirs, out);
    } else if (stat.isFile() && stat.size <= MAX_FILE_BYTES) {
      out.push(path);
    }
  }
}

/** The byte forms a string takes in the files VS Code, SQLite, LevelDB and log writers produce. */
function encodings(value) {
  const forms = new Map();
  forms.set('utf8', Buffer.from(value, 'utf8'));
  forms.set('utf16le', Buffer.from(value, 'utf16le'));
  const uri = encodeURIComponent(value);
  if (uri !== value) forms.set('url-encoded', Buffer.from(uri, 'utf8'));
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) forms.set('json-escaped', Buffer.from(json, 'utf8'));
  return [...forms.entries()];
}

/** Printable surroundings of a hit, with the hit and every other needle replaced by a marker. */
function contextAt(bytes, at, length, forms) {
  const start = Math.max(0, at - CONTEXT_BYTES);
  const end = Math.min(bytes.length, at + length + CONTEXT_BYTES);
  // Masking works on bytes, so a secret in UTF-16 is masked as surely as one in UTF-8.
  let out = '';
  for (let i = start; i < end; ) {
    const form = i === at ? { bytes: { length } } : forms.find((f) => bytes.subarray(i, i + f.bytes.length).equals(f.bytes));
    if (form) {
      out += '<SECRET>';
      i += form.bytes.length;
      continue;
    }
    const b = bytes[i];
    out += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.';
    i += 1;
  }
  return out;
}

/** One line per hit, relative to `root`; never contains a needle. */
export function formatHits(hits, root = repoRoot) {
  return hits.map((h) => `${relative(root, h.file).split(sep).join('/')} @${h.offset} [${h.encoding}] ${h.label}: …${h.context}…`);
}

/**
 * Writes the page's visible text and the values of its input fields to `<pngFile>.txt`, so the scan can read
 * what a screenshot shows (a PNG's pixels cannot be searched). Call it right after page.screenshot().
 */
export async function savePageText(page, pngFile) {
  const text = await page.evaluate(() => {
    const fields = [...document.querySelectorAll('input, textarea')].map((e) => e.value).filter((v) => v !== '');
    return [document.body?.innerText ?? '', ...fields].join('\n');
  });
  await writeFile(`${pngFile}.txt`, text);
}

/**
 * Dumps the workbench's browser-side storage into `file` as JSON: localStorage (where code-server keeps the sealed
 * SecretStorage) and every IndexedDB store (globalState, workspace state). Call it before the page closes.
 */
export async function saveBrowserStorage(page, file) {
  const dump = await page.evaluate(async () => {
    const asText = (v) => (typeof v === 'string' ? v : v instanceof Uint8Array || v instanceof ArrayBuffer ? new TextDecoder('latin1').decode(v) : JSON.stringify(v));
    const out = { localStorage: {}, indexedDB: {} };
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      out.localStorage[key] = localStorage.getItem(key);
    }
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const stores = {};
      for (const storeName of db.objectStoreNames) {
        stores[storeName] = await new Promise((resolve, reject) => {
          const tx = db.transaction(storeName, 'readonly');
          const keys = tx.objectStore(storeName).getAllKeys();
          const values = tx.objectStore(storeName).getAll();
          tx.oncomplete = () => resolve(keys.result.map((k, i) => [asText(k), asText(values.result[i])]));
          tx.onerror = () => reject(tx.error);
        });
      }
      db.close();
      out.indexedDB[name] = stores;
    }
    return out;
  });
  await writeFile(file, `${JSON.stringify(dump, null, 1)}\n`);
}


/** Every secret the in-editor and e2e runs handle: demo and test gate secrets, the demo logupTokens. */
export async function runNeedles(root = repoRoot) {
  const demo = await importTs('src/sandbox/demoData.ts', root);
  const test = await importTs('test/integration/secrets.ts', root);
  const e2e = await import(pathToFileURL(join(root, 'test', 'e2e', 'secrets.mjs')).href);
  return [
    { label: 'e2e gate secret', value: e2e.E2E_GATE_SECRET },
    { label: 'e2e logupToken', value: e2e.E2E_LOGUP_TOKEN },
    { label: 'demo gate secret', value: demo.DEMO_GATE.secretKey },
    { label: 'trust test gate secret', value: test.TRUST_TEST_SECRET },
    ...demo.DEMO_LOGUP_TOKENS.map((t) => ({ label: `demo logupToken of ${t.idSubscription}`, value: t.logupToken })),
  ];
}

/**
 * The layer run-all.mjs calls after integration and e2e: scans their run folders under test-results/ and returns
 * { ok, passed, failed, hits, reason } (one "test": no hit). A folder that does not exist is skipped, not a failure.
 * `needlesRoot`: the checkout whose demoData.ts and secrets.ts name the secrets (default: `root`).
 */
export async function runLeakScan({ root = repoRoot, runs = ['integration', 'e2e'], log = harnessLog, needlesRoot = root } = {}) {
  const dirs = runs.map((name) => join(root, 'test-results', name)).filter((dir) => existsSync(dir));
  if (dirs.length === 0) return { ok: false, passed: 0, failed: 0, hits: [], reason: `no run folder to scan (${runs.map((r) => `test-results/${r}`).join(', ')})` };
  const hits = await scanForSecrets(dirs, await runNeedles(needlesRoot), { patterns: [ACCESS_TOKEN_PATTERN] });
  log(`leak scan: ${hits.scannedFiles} files in ${dirs.map((d) => relative(root, d)).join(', ')}; ${hits.length} hit(s)`);
  for (const line of formatHits(hits, root)) log(`✘ secret found: ${line}`);
  const ok = hits.length === 0;
  return { ok, passed: ok ? 1 : 0, failed: ok ? 0 : 1, hits, reason: ok ? undefined : `${hits.length} secret(s) found in files the run wrote` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runLeakScan()
    .then((outcome) => {
      if (outcome.reason) harnessLog(outcome.reason);
      process.exitCode = outcome.ok ? 0 : 1;
    })
    .catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
