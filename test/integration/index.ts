// The extensionTestsPath module: VS Code's extension host calls run() and reads pass/fail from its promise.
// Bundled by esbuild.mjs to out/test/integration/index.js next to the *.test.js files it runs.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
// The harness starts echoing extension host output at this line (everything before is workbench start-up noise).
import { SUITE_START_MARKER } from '../harness/markers.mjs';

/** What the harness reads back (env LOGUP_TEST_SUMMARY): a run with failures or with no test at all fails. */
export interface SuiteSummary {
  passed: number;
  failed: number;
  pending: number;
  failures: { title: string; message: string }[];
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 20_000, color: false, reporter: 'spec' });
  // restricted.*.test.js run only in the restricted-mode run (LOGUP_TEST_FILES=restricted), the rest only outside it
  const only = process.env['LOGUP_TEST_FILES'];
  const files = readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js'))
    .filter((name) => (only ? name.startsWith(`${only}.`) : !name.startsWith('restricted.')))
    .sort();
  for (const file of files) mocha.addFile(join(__dirname, file));
  console.log(`${SUITE_START_MARKER} ${files.length} test file(s) in ${__dirname}; ${vscode.env.appName} ${vscode.version}, Node ${process.version}`);

  const summary: SuiteSummary = { passed: 0, failed: 0, pending: 0, failures: [] };
  return new Promise((resolve, reject) => {
    let runner: Mocha.Runner;
    try {
      runner = mocha.run(() => {
        writeSummary(summary);
        if (summary.failed > 0) reject(new Error(`${summary.failed} of ${summary.passed + summary.failed} tests failed`));
        else if (summary.passed === 0) reject(new Error(`no test ran (found ${files.length} *.test.js file(s) in ${__dirname})`));
        else resolve();
      });
    } catch (error) {
      // a test file that throws while loading never reaches the runner: report it as a failure, not as "no tests"
      summary.failed += 1;
      summary.failures.push({ title: 'loading the test files', message: errorMessage(error) });
      writeSummary(summary);
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, () => {
      summary.passed += 1;
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, () => {
      summary.pending += 1;
    });
    // also fires for failing hooks, which would otherwise hide the tests they guard
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, error: unknown) => {
      summary.failed += 1;
      summary.failures.push({ title: test.fullTitle(), message: errorMessage(error) });
    });
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function writeSummary(summary: SuiteSummary): void {
  const target = process.env['LOGUP_TEST_SUMMARY'];
  if (target) writeFileSync(target, `${JSON.stringify(summary, null, 2)}\n`);
}
