#!/usr/bin/env node
// `npm run test:faults`: builds, runs the reliability harness (vitest.faults.config.ts) on
// PostgreSQL (TEST_DATABASE_URL, default the local `test` database) and PGlite where a check
// applies, then prints one table: load held, faults survived, bad inputs tried, events lost.
// Fails when a test fails, when no check reported, or when any event was lost.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, runVitest, testEnv } from './vitest-run.mjs';

const env = testEnv();
build();

const dir = mkdtempSync(join(tmpdir(), 'tracknow-faults-'));
env.TRACKNOW_FAULT_REPORT = join(dir, 'report.jsonl');
const run = runVitest(['--config', 'vitest.faults.config.ts', ...process.argv.slice(2)], env);
let records = [];
try {
  records = readFileSync(env.TRACKNOW_FAULT_REPORT, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
} catch {
  // no check reported: the summary below says so and the run fails
}
rmSync(dir, { recursive: true, force: true });

const titles = { load: 'load held', faults: 'faults survived', hostile: 'bad inputs tried', secrets: 'secrets kept' };
const order = Object.keys(titles);
records.sort(
  (a, b) =>
    order.indexOf(a.section) - order.indexOf(b.section) ||
    a.check.localeCompare(b.check) ||
    a.backend.localeCompare(b.backend),
);
const rows = [['section', 'check', 'backend', 'tried', 'held', 'lost', 'note']];
for (const r of records)
  rows.push([
    titles[r.section] ?? r.section,
    r.check,
    r.backend,
    String(r.tried),
    String(r.held),
    String(r.lost),
    r.note ?? '',
  ]);
const lost = records.reduce((n, r) => n + r.lost, 0);
const failedChecks = records.filter((r) => r.held !== r.tried).length;
rows.push([
  'total',
  `${records.length} checks`,
  '',
  String(records.reduce((n, r) => n + r.tried, 0)),
  String(records.reduce((n, r) => n + r.held, 0)),
  String(lost),
  '',
]);
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
const line = (row) =>
  row
    .map((cell, c) => (c >= 3 && c <= 5 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
    .join('  ')
    .trimEnd();
console.log('\ntracknow reliability harness');
console.log(line(rows[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows.slice(1, -1)) console.log(line(row));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
console.log(line(rows.at(-1)));
console.log(`\nevents lost: ${lost}`);
console.log(run.summary);
const ok = run.status === 0 && records.length > 0 && lost === 0 && failedChecks === 0;
process.exit(ok ? 0 : run.status || 1);
