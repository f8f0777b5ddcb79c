// The LogUp sandbox, started in-process from its TypeScript source through tsx (no build step, and callers get
// the full SandboxHandle of src/sandbox/sandbox.ts: journal, setDb, failNext, … — the same object the unit and
// integration tests use, rather than the HTTP control API of the CLI).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { importTs, onCleanup, repoRoot } from './util.mjs';

async function importSandboxTs(relPath, root) {
  if (!existsSync(join(root, relPath))) throw new Error(`[harness] ${join(root, relPath)} does not exist: the sandbox is needed here`);
  return importTs(relPath, root);
}

/** The demo gate, subscriptions and logupTokens the sandbox seeds (src/sandbox/demoData.ts). */
export function loadDemoData(root = repoRoot) {
  return importTs('src/sandbox/demoData.ts', root);
}

/**
 * Starts the sandbox on 127.0.0.1 (port 0 = free) with the demo data and the /_sandbox control API, and makes
 * sure it is closed at the end. Returns the SandboxHandle ({url, origin, port, journal, setDb, failNext, close, …}).
 */
export async function startSandbox({ port = 0, root = repoRoot, ...options } = {}) {
  const { startSandbox: start } = await importSandboxTs('src/sandbox/sandbox.ts', root);
  const handle = await start({ port, seed: true, control: true, ...options });
  const close = handle.close.bind(handle);
  let closed = false;
  const unregister = onCleanup(() => handle.close());
  // closing twice (a test and then the cleanup) must not throw
  handle.close = async () => {
    if (closed) return;
    closed = true;
    unregister();
    await close();
  };
  return handle;
}
