// Starts code-server (VS Code's server + web workbench) on 127.0.0.1 with everything it writes kept inside one
// run folder, and stops it with its whole process tree (the extension host included).
import { spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanNpmEnv } from './toolchain.mjs';
import { freePort, harnessLog, httpStatus, killTree, onCleanup, run, sleep, trackChild } from './util.mjs';

/** User settings every run gets: no telemetry, update checks, tips or AI, and an editor that types exactly what a test types. */
export const BASE_SETTINGS = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'chat.disableAIFeatures': true,
  // the empty chat side bar would take a third of every screenshot
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
  'npm.fetchOnlinePackageInfo': false,
  // Playwright's keyboard.insertText still goes through auto-closing and auto-indent (docs/harness.md, H17)
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
  'editor.autoIndent': 'none',
  // saves happen when a test (or the e2e's Ctrl+S) says so, never behind its back
  'files.autoSave': 'off',
};

/**
 * The environment code-server and its extension host run with. Variables of a surrounding VS Code (its IPC hook,
 * ELECTRON_RUN_AS_NODE) or of `npm test` would leak into the extension under test, so they are dropped.
 */
function serverEnv(toolchain, dirs, extraEnv) {
  const env = {};
  for (const [key, value] of Object.entries(cleanNpmEnv())) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') continue;
    env[key] = value;
  }
  return {
    ...env,
    // code-server is a `#!/usr/bin/env node` script whose native modules are built for Node 24's ABI
    PATH: `${toolchain.node24BinDir}:${process.env.PATH ?? ''}`,
    // code-server writes config.yaml and coder-logs under XDG dirs, the VS Code server its IPC sockets and
    // caches in os.tmpdir(): keep all of it in the run folder instead of $HOME and /tmp (docs/harness.md, H5)
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    TMPDIR: dirs.tmp,
    ...extraEnv,
  };
}

function prepareDirs(runDir, extensionsDir) {
  const dirs = {
    runDir,
    userData: join(runDir, 'user-data'),
    extensions: extensionsDir ?? join(runDir, 'extensions'),
    workspace: join(runDir, 'workspace'),
    xdgConfig: join(runDir, 'xdg', 'config'),
    xdgData: join(runDir, 'xdg', 'data'),
    xdgCache: join(runDir, 'xdg', 'cache'),
    // unix socket paths are limited to 107 bytes; a deep clone path would break vscode-ipc-*.sock
    tmp: runDir.length > 60 ? mkdtempSync(join(tmpdir(), 'logup-cs-')) : join(runDir, 'tmp'),
    config: join(runDir, 'code-server.yaml'),
    log: join(runDir, 'code-server.log'),
  };
  for (const dir of [dirs.userData, join(dirs.userData, 'User'), dirs.extensions, dirs.workspace, dirs.xdgConfig, dirs.xdgData, dirs.xdgCache, dirs.tmp]) {
    mkdirSync(dir, { recursive: true });
  }
  return dirs;
}

/** Installs a .vsix into an extensions dir with code-server's CLI (no server is started); returns that dir. */
export async function installVsix({ toolchain, vsix, runDir, extensionsDir, log = harnessLog }) {
  const dirs = prepareDirs(runDir, extensionsDir);
  try {
    await installInto(toolchain, vsix, dirs, log);
  } finally {
    removePrivateTmp(dirs);
  }
  return dirs.extensions;
}

async function installInto(toolchain, vsix, dirs, log) {
  if (!existsSync(vsix)) throw new Error(`[harness] ${vsix} does not exist: run \`npm run package\` first`);
  const t0 = Date.now();
  const result = await run(
    toolchain.codeServerBin,
    ['--config', dirs.config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix, '--force'],
    { env: serverEnv(toolchain, dirs, {}), capture: true, quiet: true, logFile: dirs.log },
  );
  if (result.code !== 0 || !/successfully installed/i.test(result.output)) {
    throw new Error(`[harness] installing ${vsix} into code-server failed:\n${result.output.trim().split('\n').slice(-15).join('\n')}`);
  }
  log(`installed ${vsix} into ${dirs.extensions} (${Date.now() - t0} ms)`);
}

function removePrivateTmp(dirs) {
  if (!dirs.tmp.startsWith(dirs.runDir)) rmSync(dirs.tmp, { recursive: true, force: true });
}

/**
 * Starts code-server on a free 127.0.0.1 port with a fresh user-data dir, workspace and XDG/TMPDIR in `runDir`.
 * Options: workspaceTrust (false → --disable-workspace-trust), settings (extra user settings), vsix (installed
 * first), extensionsDir (reuse one), smokeTestDriver (needed for the extensionDevelopmentPath/TestsPath URL
 * payload), env (extra env for code-server and so for the extension host), workspaceFiles ({relPath: text}).
 */
export async function startCodeServer({
  toolchain,
  runDir,
  workspaceTrust = false,
  settings = {},
  vsix,
  extensionsDir,
  smokeTestDriver = false,
  env = {},
  workspaceFiles = {},
  log = harnessLog,
}) {
  const dirs = prepareDirs(runDir, extensionsDir);
  const userSettings = { ...BASE_SETTINGS, 'security.workspace.trust.enabled': workspaceTrust, ...settings };
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), `${JSON.stringify(userSettings, null, 2)}\n`);
  for (const [rel, text] of Object.entries(workspaceFiles)) {
    mkdirSync(join(dirs.workspace, rel, '..'), { recursive: true });
    writeFileSync(join(dirs.workspace, rel), text);
  }
  if (vsix) await installInto(toolchain, vsix, dirs, log);

  const childEnv = serverEnv(toolchain, dirs, env);
  // a port found free can be taken before code-server binds it; one retry with another port covers that race
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launch({ toolchain, dirs, port, workspaceTrust, smokeTestDriver, childEnv, log });
    } catch (error) {
      if (attempt >= 2 || !String(error.message).includes('EADDRINUSE')) {
        removePrivateTmp(dirs);
        throw error;
      }
      log(`port ${port} was taken before code-server bound it; retrying`);
    }
  }
}

async function launch({ toolchain, dirs, port, workspaceTrust, smokeTestDriver, childEnv, log }) {
  const host = `127.0.0.1:${port}`;
  writeFileSync(dirs.config, `bind-addr: ${host}\nauth: none\ncert: false\ndisable-telemetry: true\ndisable-update-check: true\n`);
  const args = [
    '--config', dirs.config,
    '--bind-addr', host,
    '--auth', 'none',
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  if (!workspaceTrust) args.push('--disable-workspace-trust');
  // without it a built workbench silently ignores the extensionDevelopmentPath/extensionTestsPath payload (docs/harness.md, H8)
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(dirs.workspace);

  const t0 = Date.now();
  const logFd = openSync(dirs.log, 'a');
  // detached: code-server gets its own process group, so stopping it also stops the extension host and other children
  const child = spawn(toolchain.codeServerBin, args, { env: childEnv, stdio: ['ignore', logFd, logFd], detached: true });
  const untrack = trackChild(child, { group: true });
  let exited = false;
  const exitedPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });

  let stopped = false;
  const kill = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    if (child.pid !== undefined) await killTree(child.pid, { group: true, graceMs: 5000 });
    untrack();
    try {
      closeSync(logFd);
    } catch {
      // already closed
    }
  };
  const stop = async () => {
    await kill();
    removePrivateTmp(dirs);
  };
  const unregister = onCleanup(stop);

  const origin = `http://${host}`;
  try {
    for (;;) {
      if (exited) throw new Error(`code-server exited during start-up:\n${tail(dirs.log, 15)}`);
      if ((await httpStatus(`${origin}/healthz`, 1000)) === 200) break;
      if (Date.now() - t0 > 60_000) throw new Error(`code-server did not answer ${origin}/healthz within 60 s:\n${tail(dirs.log, 15)}`);
      await sleep(100);
    }
  } catch (error) {
    unregister();
    await kill();
    throw error;
  }
  log(`code-server ${toolchain.codeServerVersion} on ${origin} (pid ${child.pid}, ready in ${Date.now() - t0} ms, log ${dirs.log})`);

  const remoteUri = (absPath) => `vscode-remote://${host}${absPath}`;
  return {
    origin,
    host,
    port,
    pid: child.pid,
    runDir: dirs.runDir,
    workspaceDir: dirs.workspace,
    userDataDir: dirs.userData,
    extensionsDir: dirs.extensions,
    logFile: dirs.log,
    hasExited: () => exited,
    /** Settles with { code, signal } when the code-server process exits (crash or stop). */
    exited: exitedPromise,
    /** A path as the remote extension host resolves it (payload paths must be vscode-remote:// URIs: docs/harness.md, H8). */
    remoteUri,
    /** The workbench URL for the run's workspace; `payload` entries are [key, value] pairs (values as strings). */
    workbenchUrl({ payload, folder = dirs.workspace } = {}) {
      let url = `${origin}/?folder=${encodeURI(folder)}`;
      if (payload && payload.length > 0) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return url;
    },
    /** Copies code-server's own log and the VS Code server/exthost logs into `destDir`; returns what was copied. */
    copyLogs(destDir) {
      mkdirSync(destDir, { recursive: true });
      const copied = [];
      if (existsSync(dirs.log)) {
        cpSync(dirs.log, join(destDir, 'code-server.log'));
        copied.push(join(destDir, 'code-server.log'));
      }
      const logsDir = join(dirs.userData, 'logs');
      if (existsSync(logsDir)) {
        for (const session of readdirSync(logsDir)) {
          cpSync(join(logsDir, session), join(destDir, 'vscode-logs', session), { recursive: true });
          copied.push(join(destDir, 'vscode-logs', session));
        }
      }
      return copied;
    },
    stop,
  };
}

/** The last `lines` lines of a text file ('' when it does not exist). */
export function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
