// `npm test`: every layer of checks, in order, each one run even when an earlier one failed (so one run tells
// everything), then a summary table and the line `tests: N passed, N failed, N skipped` (skipped: tests that could
// not run here, e.g. the proxy tests without openssl; they are counted, so a run that skipped some says so).
//
//   lint → check-types → unit → build → package → toolchain → integration → e2e (code-server)
//
// The in-editor layers (integration, restricted) run in desktop VS Code through @vscode/test-electron where it can
// be had (a display, and VS Code downloadable or in .vscode-test/), else in code-server: one line says which and why
// (test/harness/runIntegration.mjs).
//
// Flags: --skip-e2e, --unit-only (= --only=unit), --only=<layer>[,<layer>…] (a layer brings the layers it needs:
// --only=integration runs build, toolchain and integration; --only=e2e runs package, toolchain and e2e).
// Exit code 1 when a layer failed, could not run, or (for a test layer) ran no test.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runE2e } from './harness/e2eRunner.mjs';
import { runLeakScan } from './harness/leakScan.mjs';
import { reportIntegration, runIntegration } from './harness/runIntegration.mjs';
import { ensureToolchain } from './harness/toolchain.mjs';
import { harnessLog, installSignalHandlers, repoRoot, run, runCleanups } from './harness/util.mjs';

const npm = (script) => ({ command: 'npm', args: ['run', '-s', script] });

/** Each layer: what it needs, how it runs; `tests: true` layers must run at least one test. */
const LAYERS = [
  { name: 'lint', ...npm('lint') },
  { name: 'check-types', ...npm('check-types') },
  { name: 'unit', tests: true, run: runUnit },
  { name: 'build', ...npm('build') },
  { name: 'package', ...npm('package') },
  { name: 'toolchain', run: runToolchain },
  { name: 'integration', tests: true, needs: ['build', 'toolchain'], run: runIntegrationLayer },
  // The same extension host with workspace trust on and the folder untrusted: Restricted Mode, as declared.
  { name: 'restricted', tests: true, needs: ['build', 'toolchain'], run: runRestrictedLayer },
  { name: 'e2e', tests: true, needs: ['package', 'toolchain'], run: runE2eLayer },
  // Last: every file the editor runs wrote (user data, logs, browser storage, screenshots' text) must be free of
  // gate secrets, access tokens and logupTokens.
  { name: 'secrets', tests: true, run: runSecretsLayer },
];

function selectLayers(argv) {
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const unknown = argv.filter((a) => !['--skip-e2e', '--unit-only'].includes(a) && !a.startsWith('--only='));
  if (unknown.length > 0) throw new Error(`unknown option(s) ${unknown.join(' ')}; use --skip-e2e, --unit-only or --only=<${LAYERS.map((l) => l.name).join('|')}>`);
  let wanted;
  if (argv.includes('--unit-only')) wanted = new Set(['unit']);
  else if (only) {
    wanted = new Set();
    const add = (name) => {
      const layer = LAYERS.find((l) => l.name === name);
      if (!layer) throw new Error(`--only: unknown layer "${name}" (layers: ${LAYERS.map((l) => l.name).join(', ')})`);
      for (const need of layer.needs ?? []) add(need);
      wanted.add(name);
    };
    for (const name of only.split(',').filter(Boolean)) add(name);
  } else wanted = new Set(LAYERS.map((l) => l.name));
  if (argv.includes('--skip-e2e')) wanted.delete('e2e');
  // restricted mode is part of the in-editor layer
  if (wanted.has('integration')) wanted.add('restricted');
  // the scan reads what the editor layers wrote: it runs exactly when one of them does
  if (wanted.has('integration') || wanted.has('e2e')) wanted.add('secrets');
  else wanted.delete('secrets');
  return LAYERS.filter((l) => wanted.has(l.name));
}

// ---- layers that are more than one command ---------------------------------------------------------------

async function runUnit() {
  const dir = join(repoRoot, 'test', 'unit');
  // node 20's --test takes no globs: expand test/unit/*.test.ts here
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => `test/unit/${name}`);
  if (files.length === 0) return { ok: false, passed: 0, failed: 0, reason: 'no test/unit/*.test.ts' };
  // a per-test cap keeps one hung test from eating CI's time budget; it fails that test, not the run
  const result = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=60000', ...files], { capture: true });
  // the spec reporter ends with "ℹ pass N" / "ℹ fail N" / "ℹ skipped N" / "ℹ todo N"
  const count = (label) => Number(new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(result.output)?.[1] ?? 0);
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  const skipped = count('skipped') + count('todo');
  return { ok: result.code === 0, passed, failed, skipped, reason: result.code === 0 ? undefined : `node --test exited with ${result.code}` };
}

async function runToolchain(state) {
  state.toolchain = await ensureToolchain();
  return { ok: true };
}

async function runRestrictedLayer(state) {
  const outcome = await runIntegration({
    toolchain: state.toolchain,
    runName: 'restricted',
    workspaceTrust: true,
    // no trust prompt: the folder simply stays untrusted, as when a person picks "Don't Trust"
    settings: { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.untrustedFiles': 'open' },
    env: { LOGUP_TEST_FILES: 'restricted' },
  });
  reportIntegration(outcome);
  return outcome;
}

async function runIntegrationLayer(state) {
  const outcome = await runIntegration({ toolchain: state.toolchain });
  reportIntegration(outcome);
  return outcome;
}

async function runE2eLayer(state) {
  // LOGUP_E2E_FILES=<part of a name> runs only the matching test/e2e/*.e2e.mjs (as LOGUP_TEST_FILES for the suite).
  const outcome = await runE2e({ toolchain: state.toolchain, filter: process.env.LOGUP_E2E_FILES || undefined });
  for (const r of outcome.results.filter((x) => !x.ok)) harnessLog(`✘ e2e ${r.name}: ${r.error}`);
  harnessLog(`e2e: ${outcome.passed} passed, ${outcome.failed} failed; screenshots in ${join(outcome.runDir, 'screenshots')}`);
  return outcome;
}

async function runSecretsLayer(state) {
  const runs = ['integration', 'restricted', 'e2e'].filter((name) => state.ran?.has(name));
  if (runs.length === 0) return { ok: false, reason: 'no editor layer ran, nothing to scan' };
  return runLeakScan({ runs });
}

// ---- driver ------------------------------------------------------------------------------------------------

async function main() {
  installSignalHandlers();
  const layers = selectLayers(process.argv.slice(2));
  const rows = [];
  const state = {};
  const t00 = Date.now();
  for (const layer of layers) {
    const blockedBy = (layer.needs ?? []).filter((need) => rows.find((r) => r.name === need)?.status !== 'ok');
    if (blockedBy.length > 0) {
      rows.push({ name: layer.name, status: `skipped (${blockedBy.join(', ')} failed)`, ms: 0, tests: layer.tests });
      continue;
    }
    console.log(`\n[run-all] ▶ ${layer.name}`);
    const t0 = Date.now();
    let outcome;
    try {
      outcome = layer.run ? await layer.run(state) : await runCommand(layer);
      (state.ran ??= new Set()).add(layer.name);
    } catch (error) {
      outcome = { ok: false, reason: error instanceof Error ? error.message : String(error) };
      console.error(outcome.reason);
    }
    let status = outcome.ok ? 'ok' : 'FAILED';
    if (outcome.ok && layer.tests && (outcome.passed ?? 0) + (outcome.failed ?? 0) === 0) status = 'FAILED (no tests ran)';
    // mocha calls a skipped test "pending" (the in-editor suites)
    const skipped = outcome.skipped ?? outcome.pending;
    rows.push({ name: layer.name, status, ms: Date.now() - t0, tests: layer.tests, passed: outcome.passed, failed: outcome.failed, skipped });
  }
  await runCleanups();

  const passed = rows.reduce((sum, r) => sum + (r.passed ?? 0), 0);
  const failed = rows.reduce((sum, r) => sum + (r.failed ?? 0), 0);
  const skipped = rows.reduce((sum, r) => sum + (r.skipped ?? 0), 0);
  console.log(`\n[run-all] summary (${((Date.now() - t00) / 1000).toFixed(1)} s)`);
  console.log(formatTable(rows));
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return rows.every((r) => r.status === 'ok') ? 0 : 1;
}

async function runCommand(layer) {
  const result = await run(layer.command, layer.args);
  return { ok: result.code === 0 };
}

function formatTable(rows) {
  const lines = [['layer', 'result', 'duration', 'passed', 'failed', 'skipped']];
  for (const r of rows) {
    const n = (x) => (r.tests ? String(x ?? 0) : '-');
    lines.push([r.name, r.status, r.status.startsWith('skipped') ? '-' : `${(r.ms / 1000).toFixed(1)} s`, n(r.passed), n(r.failed), n(r.skipped)]);
  }
  const widths = lines[0].map((_, col) => Math.max(...lines.map((line) => line[col].length)));
  return lines.map((line) => line.map((cell, col) => (col >= 2 ? cell.padStart(widths[col]) : cell.padEnd(widths[col]))).join('  ')).join('\n');
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch(async (error) => {
    console.error(error instanceof Error ? error.message : error);
    await runCleanups();
    process.exitCode = 1;
  });
