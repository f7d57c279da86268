#!/usr/bin/env node
// Builds the binary the e2e tests spawn, runs the whole suite on PGlite and PostgreSQL
// (TEST_DATABASE_URL, default the local server's `test` database), and ends with the plain
// "N passed, N failed" line CI reads. Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = { ...process.env };
env.TEST_DATABASE_URL ||= 'postgres://root@127.0.0.1:5432/test';

const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const dir = mkdtempSync(join(tmpdir(), 'tracknow-results-'));
const results = join(dir, 'results.json');
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env,
});
let summary = 'no test results (vitest did not finish)';
try {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  summary = `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
  if (r.numTotalTests === 0) summary = '0 passed, 0 failed';
} catch {
  // vitest crashed before writing results: its exit code below says so.
}
rmSync(dir, { recursive: true, force: true });
console.log(`\nbackends: pglite, postgres (${new URL(env.TEST_DATABASE_URL).host})`);
console.log(summary);
process.exit(run.status ?? 1);
