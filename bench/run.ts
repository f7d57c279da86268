/**
 * `npm run bench`: every benchmark in turn, each printing its ratio to a baseline measured in the
 * same run. Sizes: BENCH_WEBHOOKS (5000), BENCH_WEBHOOKS_PGLITE (2000, the embedded store), BENCH_VALIDATE (1000000), BENCH_BACKFILL (200000), BENCH_REPORT (1000000 sales)
 * and BENCH_REPORT_CLICKS (2000000).
 * PostgreSQL from DATABASE_URL, else TEST_DATABASE_URL, else postgres://root@127.0.0.1:5432/test.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
env.TEST_DATABASE_URL ||= env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
env.DATABASE_URL ||= env.TEST_DATABASE_URL;

const runs: [string, ...string[]][] = [
  ['webhooks.js', env.BENCH_WEBHOOKS ?? '5000'],
  ['webhooks.js', env.BENCH_WEBHOOKS_PGLITE ?? '2000', '--pglite'],
  ['validate.js', env.BENCH_VALIDATE ?? '1000000'],
  ['backfill.js', env.BENCH_BACKFILL ?? '200000'],
  ['report.js', env.BENCH_REPORT ?? '1000000', '--clicks', env.BENCH_REPORT_CLICKS ?? '2000000'],
];
let failed = 0;
for (const [file, ...args] of runs) {
  console.log(`\n=== ${file.replace('.js', '')} (${args.join(' ')}) ===`);
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(new URL(`./${file}`, import.meta.url)), ...args],
    { stdio: 'inherit', env },
  );
  if (r.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
