// Shared by `npm test` and `npm run test:faults`: builds the binary the tests spawn, runs vitest
// with a JSON report beside the default one, and reads back the "N passed, N failed" summary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment both runs use: TEST_DATABASE_URL defaults to the local server's `test` database. */
export function testEnv() {
  const env = { ...process.env };
  env.TEST_DATABASE_URL ||= 'postgres://root@127.0.0.1:5432/test';
  return env;
}

/** Builds (tsc, then the bundled dist/bin/tracknow.js), or exits with the failing step's status. */
export function build() {
  for (const [cmd, ...args] of [
    ['npx', 'tsc', '-p', 'tsconfig.build.json'],
    [process.execPath, 'scripts/bundle-bin.mjs'],
  ]) {
    const r = spawnSync(cmd, args, { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}

/** Runs vitest with `args`; returns its exit status and the summary line. */
export function runVitest(args, env) {
  const dir = mkdtempSync(join(tmpdir(), 'tracknow-results-'));
  try {
    const results = join(dir, 'results.json');
    const run = spawnSync(
      'npx',
      ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...args],
      { stdio: 'inherit', env },
    );
    let summary = 'no test results (vitest did not finish)';
    try {
      const r = JSON.parse(readFileSync(results, 'utf8'));
      summary =
        r.numTotalTests === 0
          ? '0 passed, 0 failed'
          : `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
      // Where the suite's time goes, for whoever speeds it up next.
      const slowest = r.testResults
        .map((f) => ({ file: f.name.replace(`${process.cwd()}/`, ''), s: (f.endTime - f.startTime) / 1000 }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 8);
      console.log(`\nslowest files: ${slowest.map((f) => `${f.file} ${f.s.toFixed(0)} s`).join(', ')}`);
    } catch {
      // vitest crashed before writing results: its exit status says so.
    }
    return { status: run.status ?? 1, summary };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
