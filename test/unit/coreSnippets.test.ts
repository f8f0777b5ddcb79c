import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/core/db';
import { DEMO_GATE } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { buildSnippet, DELETE_PLACEHOLDER_KEY, SNIPPET_CALLS, SNIPPET_ENV, type SnippetTarget } from '../../src/core/snippets';

const idGate = DEMO_GATE.idGate;
const has = (command: string, args: string[]): boolean => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const curlMissing = has('curl', ['--version']) ? false : 'curl is not installed on this machine';
const pythonMissing = has('python3', ['--version']) ? false : 'python3 is not installed on this machine';

/** Runs a snippet in `sh` with only PATH and the given variables (no proxy): asynchronous, the sandbox is in-process. */
function runShell(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('snippets as text', () => {
  const target: SnippetTarget = { baseUrl: 'https://api.logup.co/v1_0', idGate: 'gate_x', idSubscription: 'sub_alpha', db: { plan: 'pro', age: 36, vip: true } };

  it('read the secret key and the access token from the environment, never from the snippet', () => {
    const curl = (call: (typeof SNIPPET_CALLS)[number]): string => buildSnippet('curl', call, target);
    assert.match(curl('token'), /--data-binary @- <<LOGUP_END\n\{"client_id": "gate_x", "client_secret": "\$LOGUP_SECRET_KEY", .*\}\nLOGUP_END\n$/);
    for (const call of ['get', 'put', 'delete'] as const) assert.match(curl(call), /--config - <<LOGUP_END\nheader = "Authorization: Bearer \$LOGUP_ACCESS_TOKEN"\nLOGUP_END\n$/);
    for (const call of SNIPPET_CALLS) assert.match(buildSnippet('python', call, target), /os\.environ\["LOGUP_SECRET_KEY"\]/);
    assert.deepEqual(SNIPPET_ENV, { secretKey: 'LOGUP_SECRET_KEY', accessToken: 'LOGUP_ACCESS_TOKEN' });
  });

  it('name the gate, the subscription and the API version of the gate', () => {
    assert.match(buildSnippet('curl', 'get', target), /curl -sS 'https:\/\/api\.logup\.co\/v1_0\/subscription\/sub_alpha\/db'/);
    const python = buildSnippet('python', 'get', target);
    assert.match(python, /LogupClient\("gate_x", os\.environ\["LOGUP_SECRET_KEY"\], "v1_0"\)/);
    assert.match(python, /subscription_custom\("sub_alpha"\)\nprint\(subscription\.db\)/);
    assert.doesNotMatch(python, /cannot reach/);
  });

  it('say when the SDK cannot reach the gate (the sandbox), and point to curl', () => {
    const python = buildSnippet('python', 'get', { ...target, baseUrl: 'http://127.0.0.1:4580/v1_0' });
    assert.match(python, /this gate's API is at http:\/\/127\.0\.0\.1:4580\/v1_0, which the SDK cannot reach/);
    assert.match(python, /Use the curl snippet/);
  });

  it('write the PUT body from the DB as last read, in Python literals that mean the same in Python 2 and 3', () => {
    const python = buildSnippet('python', 'put', { ...target, db: { city: 'Zürich', mood: '😀', vip: false, n: -3, q: 'say "hi"\n' } });
    assert.match(python, /update_db\(\{"city": u"Z\\u00fcrich", "mood": u"\\U0001f600", "n": -3, "q": "say \\"hi\\"\\n", "vip": False\}\)/);
  });

  it('use an example key when the DB is unknown or empty, and a placeholder key for DELETE', () => {
    for (const db of [undefined, {}]) assert.match(buildSnippet('curl', 'put', { ...target, db }), /an example key.*\n[\s\S]*\{"data":\[\{"key":"plan","value":"pro"\}\]\}/);
    assert.match(buildSnippet('curl', 'delete', target), new RegExp(`\\{"keys":\\["${DELETE_PLACEHOLDER_KEY}"\\]\\}`));
  });

  it('are valid Python', { skip: pythonMissing }, async () => {
    for (const call of SNIPPET_CALLS) {
      const script = buildSnippet('python', call, { ...target, db: { 'it\'s': 'a \'quote\' and a "quote"', é: 'ü' } });
      const checked = await runShell(`python3 -c 'import ast, sys; ast.parse(sys.stdin.read())' <<'EOF'\n${script}EOF`, {});
      assert.equal(checked.code, 0, `${call}: ${checked.stderr}`);
    }
  });
});

/**
 * A `curl` first on PATH that writes its argv (one line per run) and standard input to files, then runs the real curl
 * with both, or exits when `pass` is false.
 */
function curlSpy(pass: boolean): { dir: string; argv(): string[]; stdin(): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'logup-curl-'));
  const real = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(dir, 'curl'), [
    '#!/bin/sh',
    `printf '%s ' "$@" >> '${dir}/argv'; echo >> '${dir}/argv'`,
    `cat > '${dir}/stdin'`,
    pass ? `exec '${real}' "$@" < '${dir}/stdin'` : 'exit 0',
  ].join('\n'));
  chmodSync(join(dir, 'curl'), 0o755);
  return {
    dir,
    argv: () => readFileSync(join(dir, 'argv'), 'utf8').trim().split('\n'),
    stdin: () => readFileSync(join(dir, 'stdin'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('a gate id or a DB that holds shell syntax stays inside its quotes', { skip: curlMissing }, () => {
  it('the token snippet runs only curl, and sends the id exactly, whatever the id holds', async () => {
    const spy = curlSpy(false);
    try {
      const marker = join(spy.dir, 'ran');
      const idGate = `g'"$(touch ${marker})\`touch ${marker}\`\\\ntouch ${marker}\n# $HOME`;
      const script = buildSnippet('curl', 'token', { baseUrl: 'http://127.0.0.1:9/v1_0', idGate, idSubscription: 'sub_a' });
      const run = await runShell(script, { PATH: `${spy.dir}:${process.env.PATH ?? '/usr/bin:/bin'}`, [SNIPPET_ENV.secretKey]: 's3cr3t' });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(existsSync(marker), false, 'a command hidden in the id ran');
      assert.equal(spy.argv().length, 1, 'curl ran once');
      assert.deepEqual(JSON.parse(spy.stdin()), { client_id: idGate, client_secret: 's3cr3t', grant_type: 'client_credentials' });
    } finally {
      spy.remove();
    }
  });
});

describe('the curl snippets run against the sandbox once the placeholders are set', { skip: curlMissing }, () => {
  let sandbox: SandboxHandle;
  let target: SnippetTarget;
  /** An awkward value for the shell: quotes, a dollar sign, a backslash and a non-ASCII letter. */
  const tricky: Db = { note: 'it\'s "$HOME" \\ ü', n: 7, ok: true };

  before(async () => {
    sandbox = await startSandbox();
    sandbox.setDb(idGate, 'sub_snip', tricky);
    target = { baseUrl: sandbox.url, idGate, idSubscription: 'sub_snip', db: tricky };
  });
  after(async () => {
    await sandbox?.close();
  });

  async function accessToken(): Promise<string> {
    const run = await runShell(buildSnippet('curl', 'token', target), { [SNIPPET_ENV.secretKey]: DEMO_GATE.secretKey });
    assert.equal(run.code, 0, run.stderr);
    const token = (JSON.parse(run.stdout) as { access_token?: unknown }).access_token;
    assert.equal(typeof token, 'string');
    return token as string;
  }

  it('the token call gets an access token with $LOGUP_SECRET_KEY, and is refused without it', async () => {
    assert.ok((await accessToken()).length > 20);
    const without = await runShell(buildSnippet('curl', 'token', target), {});
    assert.doesNotMatch(without.stdout, /access_token/, 'no secret in the snippet: without the variable the gate is refused');
  });

  it('GET, PUT and DELETE work with $LOGUP_ACCESS_TOKEN, and PUT sends the values exactly', async () => {
    const env = { [SNIPPET_ENV.accessToken]: await accessToken() };
    const got = await runShell(buildSnippet('curl', 'get', target), env);
    assert.deepEqual(JSON.parse(got.stdout), tricky);

    sandbox.setDb(idGate, 'sub_snip', {});
    sandbox.clearJournal();
    const put = await runShell(buildSnippet('curl', 'put', target), env);
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(sandbox.getDb(idGate, 'sub_snip'), tricky, 'the quoting survived the shell');

    const asCopied = await runShell(buildSnippet('curl', 'delete', target), env);
    assert.equal(asCopied.code, 0, asCopied.stderr);
    assert.deepEqual(sandbox.getDb(idGate, 'sub_snip'), tricky, 'the placeholder key deletes nothing');
    const edited = buildSnippet('curl', 'delete', target).replace(`"${DELETE_PLACEHOLDER_KEY}"`, '"note"');
    await runShell(edited, env);
    assert.deepEqual(sandbox.getDb(idGate, 'sub_snip'), { n: 7, ok: true });
    assert.deepEqual(sandbox.journal.map((e) => `${e.method} ${e.status}`), ['PUT 200', 'DELETE 204', 'DELETE 204']);
  });

  it('the secret and the access token never reach curl\'s argv, which any user can read with ps', async () => {
    const spy = curlSpy(true);
    try {
      const secretEnv = { PATH: `${spy.dir}:${process.env.PATH ?? '/usr/bin:/bin'}`, [SNIPPET_ENV.secretKey]: DEMO_GATE.secretKey };
      const token = await runShell(buildSnippet('curl', 'token', target), secretEnv);
      assert.equal(token.code, 0, token.stderr);
      const accessToken = (JSON.parse(token.stdout) as { access_token: string }).access_token;
      sandbox.clearJournal();
      for (const call of ['get', 'put', 'delete'] as const) {
        const run = await runShell(buildSnippet('curl', call, target), { ...secretEnv, [SNIPPET_ENV.accessToken]: accessToken });
        assert.equal(run.code, 0, `${call}: ${run.stderr}`);
      }
      assert.deepEqual(sandbox.journal.map((e) => e.status), [200, 200, 204], 'the calls were made, authorised');
      const argv = spy.argv();
      assert.equal(argv.length, 4, 'curl ran once per snippet');
      for (const args of argv) {
        assert.ok(!args.includes(DEMO_GATE.secretKey) && !args.includes(accessToken), `a credential in curl's argv: ${args.replace(accessToken, '<token>')}`);
      }
    } finally {
      spy.remove();
    }
  });

  it('the DB calls are refused without $LOGUP_ACCESS_TOKEN', async () => {
    sandbox.clearJournal();
    await runShell(buildSnippet('curl', 'get', target), {});
    assert.deepEqual(sandbox.journal.map((e) => e.status), [401]);
  });
});
