// Small shared pieces of the harness: paths, logging, ports, child processes and the cleanup registry that
// makes sure code-server, Chromium and the sandbox are stopped even when a test fails or the run is interrupted.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { mkdirSync, rmSync, appendFileSync, accessSync, readFileSync, writeFileSync, constants as fsConstants } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { createRequire } from 'node:module';

/** The repository this harness belongs to (the extension under test lives at its root). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Resolves packages (playwright-core, @vscode/test-electron, tsx) from the project's node_modules. */
export const requireFromRepo = createRequire(join(repoRoot, 'package.json'));

export const sleep = (ms) => delay(ms);

/**
 * Imports a TypeScript module of the project (or of the clone at `root`) through tsx's public `tsx/esm/api`, with
 * no build step. tsx exposes a CommonJS-typed package's exports both as named exports and under `default`.
 */
export async function importTs(relPath, root = repoRoot) {
  const file = join(root, relPath);
  const { tsImport } = await import('tsx/esm/api');
  const mod = await tsImport(pathToFileURL(file).href, import.meta.url);
  return { ...(mod.default ?? {}), ...mod };
}

/** `[harness] message` on stderr-free stdout, so CI logs read in order with the children's output. */
export function harnessLog(message) {
  console.log(`[harness] ${message}`);
}

/** Seconds with one decimal, for progress lines. */
export const secondsSince = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

/**
 * A fresh, empty run folder `test-results/<name>/` (git-ignored). When another live run still owns it (two
 * people testing in one checkout), this run gets `<name>-<pid>/` instead of wiping the other's files.
 */
export function freshRunDir(name, root = repoRoot) {
  let dir = join(root, 'test-results', name);
  const owner = Number.parseInt(readText(join(dir, '.owner-pid')), 10);
  if (Number.isFinite(owner) && owner !== process.pid && pidAlive(owner)) dir = `${dir}-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.owner-pid'), String(process.pid));
  return dir;
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

export function ensureDir(dir) {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A port nobody listens on right now, found by letting the kernel pick one on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** True when `port` on 127.0.0.1 can be bound now. */
export function isPortFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.on('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** HTTP GET returning the status code, or 0 when nothing answers. */
export function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Polls `check` until it returns a truthy value; throws `message` after `timeoutMs`. */
export async function waitUntil(check, { timeoutMs, intervalMs = 100, message }) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(message ?? `timed out after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/**
 * Races `promise` against a timer that is always cleared (a dangling timer would keep Node alive: docs/harness.md, H10).
 */
export async function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = globalThis.setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a command to completion. `capture` keeps stdout+stderr (returned as `output`) while still echoing it
 * unless `quiet`. Never rejects on a non-zero exit: callers decide what a failure means.
 */
export function run(command, args, { cwd = repoRoot, env = process.env, capture = false, quiet = false, logFile } = {}) {
  return new Promise((resolve) => {
    const piped = capture || quiet || Boolean(logFile);
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', piped ? 'pipe' : 'inherit', piped ? 'pipe' : 'inherit'] });
    const untrack = trackChild(child);
    const chunks = [];
    const onData = (stream) => (data) => {
      if (capture || logFile) chunks.push(data);
      if (!quiet) stream.write(data);
    };
    child.stdout?.on('data', onData(process.stdout));
    child.stderr?.on('data', onData(process.stderr));
    child.on('error', (error) => {
      chunks.push(Buffer.from(`\n${error.message}\n`));
    });
    child.on('close', (code, signal) => {
      untrack();
      const output = Buffer.concat(chunks).toString('utf8');
      if (logFile) appendFileSync(logFile, `$ ${command} ${args.join(' ')}\n${output}\n`);
      resolve({ code: code ?? (signal ? 128 : 1), signal, output });
    });
  });
}

// ---- cleanup registry -------------------------------------------------------------------------------------

const cleanups = new Set();
const children = new Set();
let handlersInstalled = false;

/** Registers an async stop function run at the end, on failure, and on SIGINT/SIGTERM. Returns an unregister. */
export function onCleanup(fn) {
  installSignalHandlers();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Runs every registered stop function once (latest first). */
export async function runCleanups() {
  const fns = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of fns) {
    try {
      await fn();
    } catch (error) {
      harnessLog(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** A child started detached owns a process group; this is how we make sure its whole tree dies with us. */
export function trackChild(child, { group = false } = {}) {
  const entry = { child, group };
  children.add(entry);
  return () => children.delete(entry);
}

/** SIGTERM a process group (or a single process), then SIGKILL what is left after `graceMs`. */
export async function killTree(pid, { group = true, graceMs = 5000 } = {}) {
  const target = group ? -pid : pid;
  const alive = () => pidAlive(target);
  if (!alive()) return;
  try {
    process.kill(target, 'SIGTERM');
  } catch {
    return;
  }
  const end = Date.now() + graceMs;
  while (alive() && Date.now() < end) await sleep(100);
  if (alive()) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Ctrl+C / SIGTERM / SIGHUP: run the cleanups, kill tracked children, exit 130/143. Idempotent. */
export function installSignalHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  let stopping = false;
  const onSignal = (signal) => {
    if (stopping) {
      // a second Ctrl+C means "now": kill what is left without waiting
      killAllNow();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stopping = true;
    harnessLog(`${signal} received, stopping everything…`);
    runCleanups().finally(() => {
      killAllNow();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // last resort when the process exits without running the async cleanups (uncaught error, process.exit)
  process.on('exit', killAllNow);
}

function killAllNow() {
  for (const { child, group } of children) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
    try {
      process.kill(group ? -child.pid : child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

/** Finds an executable on PATH. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
