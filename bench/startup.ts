/**
 * Start-up cost of the CLI (issue #22, rows `help` and `embedded-command`), each beside its baseline
 * measured in the same run, the two interleaved so that load on the machine hits both alike:
 *   help              `node dist/bin/tracknow.js --help`   vs  `node -e 0`
 *   embedded-command  `tracknow merchant list` on a migrated TRACKNOW_HOME  vs  a fresh node process
 *                     that opens the same PGlite directory, runs one SELECT and closes it
 * Median wall time of N runs each (spawn to exit), then peak RSS from two more runs of each.
 * Usage: node dist/bench/startup.js [N=10] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedDataDir } from '../src/config.js';

const BIN = fileURLToPath(new URL('../bin/tracknow.js', import.meta.url));
const runs = Math.max(1, Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? '10'));
const keep = process.argv.includes('--keep');

interface Run {
  readonly ms: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const home = await mkdtemp(join(tmpdir(), 'tracknow-bench-startup-'));
/** The embedded store: no DATABASE_URL (bench/run.ts sets one for the PostgreSQL benches). */
const env: NodeJS.ProcessEnv = { ...process.env, TRACKNOW_HOME: home, NO_COLOR: '1' };
delete env.DATABASE_URL;
delete env.NODE_OPTIONS;

function run(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Run {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { env: { ...env, ...extraEnv }, encoding: 'utf8' });
  const ms = performance.now() - start;
  return { ms, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

let failures = 0;
function check(what: string, r: Run, ok: (r: Run) => boolean): void {
  let good = false;
  try {
    good = r.status === 0 && ok(r);
  } catch {
    // output that does not parse: a failure
  }
  if (good) return;
  failures++;
  console.error(`FAILED ${what}: exit ${r.status}\n${r.stderr.slice(0, 2000)}`);
}

/** A preload that reports the process's peak RSS (KiB) into the file named by BENCH_RSS_FILE. */
const rssPreload = join(home, 'rss.cjs');
await writeFile(
  rssPreload,
  "process.on('exit', () => require('node:fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
);
/** Peak RSS in MiB of `args`, the largest of two runs. */
async function peakRssMb(args: readonly string[]): Promise<number> {
  let peak = 0;
  for (let i = 0; i < 2; i++) {
    const file = join(home, `rss-${i}.txt`);
    run(args, { NODE_OPTIONS: `--require ${rssPreload}`, BENCH_RSS_FILE: file });
    peak = Math.max(peak, Number(await readFile(file, 'utf8')) / 1024);
  }
  return Math.round(peak * 10) / 10;
}

interface Pair {
  readonly name: string;
  readonly baselineName: string;
  readonly baseline: readonly string[];
  readonly tracknow: readonly string[];
  readonly floor: number;
  readonly ok: (r: Run) => boolean;
  readonly baselineOk: (r: Run) => boolean;
}

async function measure(pair: Pair): Promise<void> {
  const base: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < runs; i++) {
    const b = run(pair.baseline);
    check(`${pair.name} baseline`, b, pair.baselineOk);
    base.push(b.ms);
    const t = run(pair.tracknow);
    check(`${pair.name} tracknow`, t, pair.ok);
    ours.push(t.ms);
  }
  const value = median(ours);
  const baseline = median(base);
  const rss = await peakRssMb(pair.tracknow);
  const baselineRss = await peakRssMb(pair.baseline);
  const ratio = value / baseline;
  console.log(
    `${pair.name}: tracknow ${value.toFixed(0)} ms (${rss} MiB), ${pair.baselineName} ${baseline.toFixed(0)} ms (${baselineRss} MiB): ${ratio.toFixed(2)}x (floor ${pair.floor}x); median of ${runs}`,
  );
  console.log(
    `ROW ${JSON.stringify({
      row: pair.name,
      value: Math.round(value * 10) / 10,
      unit: 'ms',
      baseline: Math.round(baseline * 10) / 10,
      baseline_name: pair.baselineName,
      ratio: Math.round(ratio * 100) / 100,
      floor: pair.floor,
      higher_is_better: false,
      p99_ms: null,
      rss_mb: rss,
    })}`,
  );
}

try {
  // A migrated store with one merchant, made by the CLI itself.
  const setup = run([BIN, 'merchant', 'add', '--name', 'Bench Shop', '--currency', 'EUR']);
  check('setup (merchant add)', setup, () => true);
  if (setup.status !== 0) throw new Error('setup failed');

  // The baseline's script: only PGlite, from this project's node_modules, and one query.
  const rawOpen = join(home, 'raw-open.mjs');
  await writeFile(
    rawOpen,
    [
      `import { PGlite } from ${JSON.stringify(import.meta.resolve('@electric-sql/pglite'))};`,
      'const db = await PGlite.create(process.argv[2]);',
      "const { rows } = await db.query('select * from merchants order by created_at, id');",
      'await db.close();',
      'process.stdout.write(String(rows.length));',
      '',
    ].join('\n'),
  );

  await measure({
    name: 'help',
    baselineName: 'node -e 0',
    baseline: ['-e', '0'],
    tracknow: [BIN, '--help'],
    floor: 1.5,
    baselineOk: () => true,
    ok: (r) => r.stdout.startsWith('Usage: tracknow') && r.stdout.includes('merchant'),
  });
  await measure({
    name: 'embedded-command',
    baselineName: 'raw PGlite open + one SELECT',
    baseline: [rawOpen, embeddedDataDir(home)],
    tracknow: [BIN, '--json', 'merchant', 'list'],
    floor: 1.2,
    baselineOk: (r) => r.stdout === '1',
    ok: (r) => {
      const list = JSON.parse(r.stdout) as { name: string }[];
      return list.length === 1 && list[0]!.name === 'Bench Shop';
    },
  });
} finally {
  if (keep) console.log(`kept ${home}`);
  else await rm(home, { recursive: true, force: true });
}
process.exitCode = failures === 0 ? 0 : 1;
