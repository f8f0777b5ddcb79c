// The leak scanner that runs after the in-editor and e2e layers: it must find a planted secret in every form a
// file may hold it, pass a clean folder, and never print the secret it found.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ACCESS_TOKEN_PATTERN, formatHits, runLeakScan, runNeedles, scanForSecrets } from '../harness/leakScan.mjs';
import { DEMO_GATE, DEMO_LOGUP_TOKENS } from '../../src/sandbox/demoData';
import { startSandbox } from '../../src/sandbox/sandbox';
import { TRUST_TEST_SECRET } from '../integration/secrets';

const SECRET = 'Zq9-planted+secret/value=42';
const needles = [{ label: 'planted secret', value: SECRET }];

describe('scanForSecrets', () => {
  let root: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'logup-leakscan-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A fresh run-like folder with a settings file and a log that hold nothing secret. */
  const runFolder = (name: string): string => {
    const dir = join(root, name);
    mkdirSync(join(dir, 'user-data', 'User', 'globalStorage'), { recursive: true });
    mkdirSync(join(dir, 'user-data', 'logs', 'exthost1', 'logup-tools.logup-vscode'), { recursive: true });
    writeFileSync(join(dir, 'user-data', 'User', 'settings.json'), '{ "logup.maxRetries": 2 }\n');
    writeFileSync(join(dir, 'user-data', 'logs', 'exthost1', 'logup-tools.logup-vscode', 'LogUp.log'), 'POST /oauth/token → 200 in 3 ms\n');
    return dir;
  };

  test('a clean run folder passes', async () => {
    const dir = runFolder('clean');
    const hits = await scanForSecrets([dir], needles, { patterns: [ACCESS_TOKEN_PATTERN] });
    assert.deepEqual(hits.map((h) => h.file), []);
    assert.equal(hits.scannedFiles, 2, 'both files were read');
  });

  test('a secret in the output channel log is found, and the report does not repeat it', async () => {
    const dir = runFolder('log');
    const log = join(dir, 'user-data', 'logs', 'exthost1', 'logup-tools.logup-vscode', 'LogUp.log');
    writeFileSync(log, `POST /oauth/token → 200\nDEBUG body {"client_secret":"${SECRET}"}\n`);
    const hits = await scanForSecrets([dir], needles);
    assert.deepEqual(hits.map((h) => [h.file, h.label, h.encoding]), [[log, 'planted secret', 'utf8']]);
    assert.match(hits[0]!.context, /"client_secret":"<SECRET>"/);
    const report = formatHits(hits, root).join('\n');
    assert.match(report, /log\/user-data\/logs\/exthost1\/logup-tools.logup-vscode\/LogUp.log @\d+ \[utf8\] planted secret/);
    assert.ok(!report.includes(SECRET), 'the report masks the secret');
  });

  test('UTF-16, URL-encoded and JSON-escaped copies and bytes inside a binary file are found', async () => {
    const dir = runFolder('encodings');
    const quoted = 'quote"and\\backslash-secret';
    writeFileSync(join(dir, 'user-data', 'User', 'globalStorage', 'state.vscdb'), Buffer.concat([randomBytes(4096), Buffer.from(SECRET, 'utf16le'), randomBytes(100)]));
    writeFileSync(join(dir, 'browser-console.log'), `GET https://site.example/?logupToken=${encodeURIComponent(SECRET)}\n`);
    writeFileSync(join(dir, 'workbench.log'), Buffer.concat([randomBytes(512), Buffer.from(SECRET), randomBytes(512)]));
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ message: quoted }));
    const hits = await scanForSecrets([dir], [...needles, { label: 'quoted', value: quoted }]);
    assert.deepEqual(
      hits.map((h) => `${h.file.slice(dir.length + 1)} ${h.encoding}`).sort(),
      ['browser-console.log url-encoded', 'summary.json json-escaped', 'user-data/User/globalStorage/state.vscdb utf16le', 'workbench.log utf8'],
    );
  });

  test('access tokens the sandbox mints are found by shape; digests and long ids are not', async () => {
    const sandbox = await startSandbox();
    let token: string;
    try {
      const res = await fetch(`${sandbox.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: DEMO_GATE.idGate, client_secret: DEMO_GATE.secretKey, grant_type: 'client_credentials' }),
      });
      token = ((await res.json()) as { access_token: string }).access_token;
    } finally {
      await sandbox.close();
    }
    const dir = runFolder('token');
    const log = join(dir, 'code-server.log');
    writeFileSync(log, `sha256 ${'ab12'.repeat(16)}\nid ${'a'.repeat(96)}\nAuthorization: Bearer ${token}\n`);
    const hits = await scanForSecrets([dir], [], { patterns: [ACCESS_TOKEN_PATTERN] });
    assert.deepEqual(hits.map((h) => [h.file, h.encoding]), [[log, 'pattern']]);
    assert.ok(!formatHits(hits).join('\n').includes(token), 'the report masks the token');
  });

  test('installed extension copies and symlinks out of the run folder are not scanned', async () => {
    const dir = runFolder('skips');
    mkdirSync(join(dir, 'extensions', 'logup-tools.logup-vscode-0.1.0', 'dist'), { recursive: true });
    writeFileSync(join(dir, 'extensions', 'logup-tools.logup-vscode-0.1.0', 'dist', 'extension.js'), `const s = "${SECRET}";`);
    const outside = join(root, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'source.ts'), SECRET);
    symlinkSync(outside, join(dir, 'linked'));
    const hits = await scanForSecrets([dir], needles);
    assert.deepEqual([...hits], []);
    assert.equal(hits.scannedFiles, 2, 'only the two run files were read');
  });

  test("the run's needles are the demo and test gate secrets and the demo logupTokens", async () => {
    const values = (await runNeedles()).map((n) => n.value);
    for (const secret of [DEMO_GATE.secretKey, TRUST_TEST_SECRET, ...DEMO_LOGUP_TOKENS.map((t) => t.logupToken)]) {
      assert.ok(values.includes(secret), 'a needle is missing');
    }
  });

  test('runLeakScan fails on a hit in test-results/<run> and says where', async () => {
    const repo = join(root, 'repo');
    mkdirSync(join(repo, 'test-results', 'e2e', 'workbench'), { recursive: true });
    writeFileSync(join(repo, 'test-results', 'e2e', 'workbench', 'browser-console.log'), `typed ${TRUST_TEST_SECRET}\n`);
    const lines: string[] = [];
    // runNeedles reads demoData.ts and secrets.ts from the real repository: point the scan there, the folders here.
    const outcome = await runLeakScan({ root: repo, log: (m) => lines.push(m), needlesRoot: join(__dirname, '..', '..') });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.failed, 1);
    assert.ok(lines.some((l) => l.includes('test-results/e2e/workbench/browser-console.log') && l.includes('trust test gate secret')));
    assert.ok(!lines.join('\n').includes(TRUST_TEST_SECRET));
  });
});
