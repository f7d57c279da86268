/**
 * `npm run bench`: every benchmark in turn, each measuring its baseline in the same run, then one
 * table of the main paths as ratios to their baselines and the floors they must meet.
 * `npm run bench -- webhooks backfill` runs only those. Sizes: BENCH_WEBHOOKS_SECONDS (10),
 * BENCH_SERVE_EMBEDDED (3000, serve on the embedded store), BENCH_VALIDATE (1000000), BENCH_BACKFILL
 * (200000), BENCH_REPORT (1000000 sales) and BENCH_REPORT_CLICKS (2000000).
 * PostgreSQL from DATABASE_URL, else TEST_DATABASE_URL, else postgres://root@127.0.0.1:5432/test.
 */
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
env.TEST_DATABASE_URL ||= env.DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
env.DATABASE_URL ||= env.TEST_DATABASE_URL;

const runs: Record<string, [string, ...string[]]> = {
  webhooks: ['webhooks.js', '--seconds', env.BENCH_WEBHOOKS_SECONDS ?? '10'],
  backfill: ['backfill.js', env.BENCH_BACKFILL ?? '200000'],
  startup: ['startup.js'],
  'serve-embedded': ['serve-embedded.js', env.BENCH_SERVE_EMBEDDED ?? '3000'],
  validate: ['validate.js', env.BENCH_VALIDATE ?? '1000000'],
  report: ['report.js', env.BENCH_REPORT ?? '1000000', '--clicks', env.BENCH_REPORT_CLICKS ?? '2000000'],
};

/** A row of the speed table, as each benchmark prints it (`ROW {json}` on stdout). */
interface Row {
  row: string;
  value: number;
  unit: string;
  baseline: number;
  baseline_name: string;
  ratio: number;
  floor: number;
  higher_is_better: boolean;
  p99_ms?: number | null;
  /** The p99 the row must stay under (issue #22: webhooks 50 ms, embedded serve 200 ms). */
  p99_limit_ms?: number | null;
  rss_mb?: number | null;
}
/** The table's order: the issue's rows, then anything else a benchmark reports. */
const ORDER = ['webhooks', 'backfill', 'help', 'embedded-command', 'embedded-serve'];

function runOne(file: string, args: string[]): Promise<{ code: number; rows: Row[] }> {
  const rows: Row[] = [];
  const child = spawn(
    process.execPath,
    ['--expose-gc', fileURLToPath(new URL(`./${file}`, import.meta.url)), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    },
  );
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    process.stdout.write(chunk);
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('ROW ')) rows.push(JSON.parse(line.slice(4)) as Row);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, rows })));
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(n >= 10 ? 1 : 2));

function table(rows: Row[]): string {
  const rank = (r: Row) => (ORDER.includes(r.row) ? ORDER.indexOf(r.row) : ORDER.length);
  const sorted = [...rows].sort((a, b) => rank(a) - rank(b));
  const lines = sorted.map((r) => {
    const slow = r.p99_ms != null && r.p99_limit_ms != null && r.p99_ms >= r.p99_limit_ms;
    const ok = (r.higher_is_better ? r.ratio >= r.floor : r.ratio <= r.floor) && !slow;
    const p99 =
      r.p99_ms != null ? `p99 ${fmt(r.p99_ms)} ms${r.p99_limit_ms != null ? ` (< ${r.p99_limit_ms})` : ''}` : '';
    const extra = [p99, r.rss_mb != null ? `RSS ${r.rss_mb} MB` : ''].filter(Boolean).join(', ');
    return [
      r.row.padEnd(17),
      `${fmt(r.value)} ${r.unit}`.padEnd(14),
      `${fmt(r.baseline)} ${r.unit} (${r.baseline_name})`.padEnd(44),
      `${r.ratio.toFixed(2)}×`.padStart(6),
      `${r.higher_is_better ? '≥' : '≤'} ${r.floor}`.padEnd(7),
      (ok ? 'meets' : 'BELOW').padEnd(6),
      extra,
    ].join('  ');
  });
  const head = [
    'path'.padEnd(17),
    'tracknow'.padEnd(14),
    'baseline, same run'.padEnd(44),
    'ratio',
    ' floor  ',
    '',
  ].join('  ');
  return [head, ...lines].join('\n');
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in runs));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(runs).join(', ')}`);
  process.exit(2);
}
let failed = 0;
const rows: Row[] = [];
for (const [name, [file, ...args]] of Object.entries(runs)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n=== ${name} (${args.join(' ')}) ===`);
  const r = await runOne(file, args);
  if (r.code !== 0) failed++;
  rows.push(...r.rows);
}
console.log(
  `\n=== speed table: ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, load ${loadavg()[0]!.toFixed(2)} ===`,
);
console.log(table(rows));
process.exitCode = failed === 0 ? 0 : 1;
