// Restricted and hostile workspaces: the manifest's trust declaration holds, an opened folder's settings cannot
// change where a gate's secret goes, insecure base URLs are refused, and a secret the server echoes back never
// reaches a message. The gate added here uses TRUST_TEST_SECRET, which test/harness/leakScan.mjs looks for in
// every file the run wrote.
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import type { Ctx } from '../../src/ctx';
import { DEMO_SUBSCRIPTIONS } from '../../src/sandbox/demoData';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/sandbox';
import { extensionCtx, removeGate, removeWorkspaceSettings, waitFor, writeWorkspaceSettings } from './helpers';
import { TRUST_TEST_GATE, TRUST_TEST_SECRET } from './secrets';

// Not resolvable: requests to it either go through a proxy (which records them) or fail to resolve.
const REMOTE_BASE_URL = 'https://logup.test/v1_0';

interface Manifest {
  capabilities?: { untrustedWorkspaces?: { supported?: boolean | 'limited' } };
  contributes: { configuration: { properties: Record<string, { scope?: string }> } };
}

suite('trust: workspaces cannot redirect secrets', () => {
  let sandbox: SandboxHandle;
  let ctx: Ctx;
  let proxy: RecordingProxy;

  suiteSetup(async () => {
    sandbox = await startSandbox();
    sandbox.addGate(TRUST_TEST_GATE, TRUST_TEST_SECRET);
    ctx = await extensionCtx();
    proxy = await startRecordingProxy();
  });

  suiteTeardown(async () => {
    await removeWorkspaceSettings();
    await vscode.workspace.getConfiguration('http').update('proxy', undefined, vscode.ConfigurationTarget.Global);
    if (ctx.gates.get(TRUST_TEST_GATE)) await removeGate(ctx, TRUST_TEST_GATE);
    await proxy?.close();
    await sandbox?.close();
  });

  test('the manifest supports untrusted workspaces and every logup setting is application-scoped', () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as Manifest;
    // Declared supported because nothing here reads the workspace: no file, no task, no workspace-scoped setting.
    assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, true);
    const properties = Object.entries(manifest.contributes.configuration.properties);
    assert.ok(properties.length > 0);
    for (const [key, schema] of properties) {
      assert.ok(key.startsWith('logup.'), key);
      assert.equal(schema.scope, 'application', `${key} must not be settable by a workspace`);
    }
  });

  test('writing a logup setting to the workspace is refused and changes nothing', async () => {
    const config = vscode.workspace.getConfiguration('logup');
    const before = config.get<number>('requestTimeoutSeconds');
    await assert.rejects(
      Promise.resolve(config.update('requestTimeoutSeconds', 1, vscode.ConfigurationTarget.Workspace)),
      (e: unknown) => e instanceof Error && /user settings/i.test(e.message),
    );
    const after = vscode.workspace.getConfiguration('logup');
    assert.equal(after.get('requestTimeoutSeconds'), before);
    assert.equal(after.inspect('requestTimeoutSeconds')?.workspaceValue, undefined);
  });

  test("a folder's .vscode/settings.json cannot set http.proxy or logup settings", async () => {
    const proxyUrl = proxy.url;
    await writeWorkspaceSettings({ 'http.proxy': proxyUrl, 'http.proxyStrictSSL': false, 'logup.requestTimeoutSeconds': 1, 'logup.maxRetries': 5 });
    const http = vscode.workspace.getConfiguration('http');
    assert.equal(http.get('proxy'), '', 'http.proxy from the workspace is ignored');
    assert.equal(http.get('proxyStrictSSL'), true, 'http.proxyStrictSSL from the workspace is ignored');
    const logup = vscode.workspace.getConfiguration('logup');
    assert.equal(logup.get('requestTimeoutSeconds'), 15);
    assert.equal(logup.get('maxRetries'), 2);

    // What a user would notice: the credential check goes where the gate says, not to the folder's proxy.
    proxy.seen.length = 0;
    await vscode.commands.executeCommand('logup.addGate', { idGate: TRUST_TEST_GATE, secretKey: TRUST_TEST_SECRET, baseUrl: REMOTE_BASE_URL });
    assert.equal(ctx.gates.get(TRUST_TEST_GATE), undefined, 'an unreachable server adds no gate');
    assert.match(ctx.lastError ?? '', /could not reach the LogUp server \((ENOTFOUND|EAI_AGAIN)\)/);
    assert.deepEqual(proxy.seen, [], "the workspace's proxy saw nothing");
    await removeWorkspaceSettings();
  });

  test('the same http.proxy in the user settings is honoured (so the previous test can fail)', async () => {
    await vscode.workspace.getConfiguration('http').update('proxy', proxy.url, vscode.ConfigurationTarget.Global);
    try {
      await waitFor('http.proxy in user settings', () => (vscode.workspace.getConfiguration('http').get('proxy') === proxy.url ? true : undefined));
      proxy.seen.length = 0;
      await vscode.commands.executeCommand('logup.addGate', { idGate: TRUST_TEST_GATE, secretKey: TRUST_TEST_SECRET, baseUrl: REMOTE_BASE_URL });
      assert.equal(ctx.gates.get(TRUST_TEST_GATE), undefined);
      assert.deepEqual(proxy.seen, ['CONNECT logup.test:443'], 'the request went to the user-configured proxy');
      // The tunnel was refused, so the secret went nowhere; and it is not in the message either.
      assert.ok(!(ctx.lastError ?? '').includes(TRUST_TEST_SECRET));
      // A local sandbox is never proxied: the proxy's 127.0.0.1 is not ours, and plain http would expose the secret.
      proxy.seen.length = 0;
      sandbox.clearJournal();
      const gate = await vscode.commands.executeCommand('logup.addGate', { idGate: TRUST_TEST_GATE, secretKey: TRUST_TEST_SECRET, baseUrl: sandbox.url, environment: 'sandbox' });
      assert.ok(gate, ctx.lastError);
      assert.equal(sandbox.count('token'), 1);
      assert.deepEqual(proxy.seen, []);
    } finally {
      await vscode.workspace.getConfiguration('http').update('proxy', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('insecure or credential-carrying base URLs are refused with a message, before any request', async () => {
    const cases: [string, RegExp][] = [
      ['http://api.logup.co/v1_0', /must use https:\/\//],
      ['http://127.0.0.1.nip.io/v1_0', /must use https:\/\//],
      ['ftp://api.logup.co/v1_0', /must start with https:\/\//],
      ['https://admin:hunter2@api.logup.co/v1_0', /user name and password/],
    ];
    proxy.seen.length = 0;
    sandbox.clearJournal();
    for (const [baseUrl, message] of cases) {
      ctx.lastError = undefined;
      await vscode.commands.executeCommand('logup.addGate', { idGate: 'gate_insecure', secretKey: TRUST_TEST_SECRET, baseUrl });
      assert.equal(ctx.gates.get('gate_insecure'), undefined, baseUrl);
      assert.match(ctx.lastError ?? '', message, baseUrl);
      assert.ok(!(ctx.lastError ?? '').includes('hunter2') && !(ctx.lastError ?? '').includes(TRUST_TEST_SECRET));
    }
    assert.equal(sandbox.journal.length, 0);
  });

  test('a server that echoes the secret in an error never gets it into the message or the log', async () => {
    const idSubscription = DEMO_SUBSCRIPTIONS[0]!.idSubscription;
    sandbox.setDb(TRUST_TEST_GATE, idSubscription, { plan: 'pro' });
    assert.ok(ctx.gates.get(TRUST_TEST_GATE), 'the gate added by the previous test');
    await ctx.clients.reset(TRUST_TEST_GATE);
    sandbox.failNext('token', 1, { status: 400, body: JSON.stringify({ errorMessage: `bad client_secret ${TRUST_TEST_SECRET}` }) });
    ctx.lastError = undefined;
    await vscode.commands.executeCommand('logup.openSubscriptionById', { idGate: TRUST_TEST_GATE, idSubscription });
    assert.match(ctx.lastError ?? '', /bad client_secret \[redacted\]/);
    assert.ok(!(ctx.lastError ?? '').includes(TRUST_TEST_SECRET));
    // The same call without the fault works: the secret in SecretStorage is intact.
    await vscode.commands.executeCommand('logup.openSubscriptionById', { idGate: TRUST_TEST_GATE, idSubscription });
    assert.ok(ctx.opened.has(TRUST_TEST_GATE, idSubscription), ctx.lastError);
  });
});

// ---- helpers -------------------------------------------------------------------------------------------------

interface RecordingProxy {
  url: string;
  /** `CONNECT host:port` and `METHOD url` lines. */
  seen: string[];
  close(): Promise<void>;
}

/** An HTTP proxy on 127.0.0.1 that records what it is asked and refuses everything (502): nothing gets through. */
async function startRecordingProxy(): Promise<RecordingProxy> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(502).end();
  });
  server.on('connect', (req, socket: Socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
