/**
 * Times `backfill tiktok` on a generated N-row Seller Center export (default 1,000,000) into a
 * fresh PostgreSQL database, then, in the same run, the baseline issue #22 names: COPY of N
 * sales-shaped rows into a table with the columns, checks and indexes of `sales` (`shapedCopy`,
 * the median of three).
 * It prints rows/s for both, the ratio and peak RSS. For reference it also times COPY of the raw
 * file into a bare table of 57 text columns (no indexes, no types: the physical limit here).
 * It also times the floor: the server copying the rows the backfill wrote (inbox, sales,
 * notifications) into twin tables with the same indexes, checks and foreign keys, by one
 * INSERT … SELECT each, with the server CPU it takes. `floor_ratio` is the best ratio a backfill
 * writing those rows could reach with the server on one core; `floor_ratio_all_cores` the bound
 * with that CPU spread over every core and nothing else costing anything (see `timeFloor`).
 * Usage: TEST_DATABASE_URL=postgres://… node dist/bench/backfill.js [N] [--batch 1000] [--in-flight 3] [--no-copy] [--keep]
 * Works in a scratch database beside the URL's, dropped afterwards (unless --keep).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { DEFAULT_IN_FLIGHT, backfillTikTok } from '../src/services/backfill/backfill.js';
import { addCode } from '../src/services/records/codes.js';
import { addInfluencer } from '../src/services/records/influencers.js';
import { addMerchant } from '../src/services/records/merchants.js';
import { openPostgres } from '../src/store/connect.js';
import { createMigrator, unwrapMigrationResult } from '../src/store/migrator.js';
import { copyFromFile } from './copy-in.js';
import { ORDERS_HEADER, writeOrdersExport } from './export-file.js';
import { procCpuMs } from './processes.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Peak RSS while `fn` runs, sampled every 100 ms. */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  try {
    const value = await fn();
    return { value, peakMb: Math.round(Math.max(peak, process.memoryUsage.rss()) / 2 ** 20) };
  } finally {
    clearInterval(timer);
  }
}

/** Tables a backfill writes, in the order it writes them. */
const WRITTEN = ['webhook_events', 'sales', 'notifications'] as const;

/**
 * The floor under any backfill: the server re-inserting, by one INSERT … SELECT per table, the
 * rows the backfill wrote into twins with the same columns, defaults, checks, indexes and
 * foreign keys (LIKE … INCLUDING ALL, then the foreign keys copied). No parsing, no transport,
 * no dedupe read, no decision: only the writes themselves. The inbox's enrichment trigger is
 * not copied; its WHEN clause never fires for backfill rows.
 */
async function timeFloor(
  client: pg.Client,
): Promise<{ seconds: number; cpuSeconds: number | undefined; tables: Record<string, number> }> {
  const tables: Record<string, number> = {};
  for (const table of WRITTEN) {
    await client.query(`create table floor_${table} (like ${table} including all)`);
    const fks = await client.query<{ def: string }>(
      `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = $1::regclass and contype = 'f'`,
      [table],
    );
    for (const { def } of fks.rows) await client.query(`alter table floor_${table} add ${def}`);
  }
  const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  const cpuBefore = backendCpuSeconds(pid);
  let seconds = 0;
  for (const table of WRITTEN) {
    const start = performance.now();
    const { rowCount } = await client.query(`insert into floor_${table} select * from ${table}`);
    seconds += (performance.now() - start) / 1000;
    tables[table] = rowCount ?? 0;
  }
  const cpuAfter = backendCpuSeconds(pid);
  return {
    seconds,
    tables,
    cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
  };
}

/**
 * The baseline: COPY of `rows` sales-shaped rows into `shaped_sales` (LIKE sales INCLUDING
 * ALL: its columns, defaults, checks and indexes; no foreign keys). The rows are the sales this
 * backfill wrote in order-id order (as an export holds them), repeated with fresh ids and order ids
 * up to `rows`, written to a file first so that only the COPY from the file is timed, through the
 * same client-side COPY as the bare table. The median of three COPYs, each into a fresh table.
 */
async function shapedCopy(
  client: pg.Client,
  rows: number,
  file: string,
): Promise<{ rows: number; seconds: number; samples: number[] }> {
  const { rows: counted } = await client.query<{ n: string }>('select count(*) as n from sales');
  const repeat = Math.ceil(rows / Math.max(1, Number(counted[0]!.n)));
  const columns = (
    await client.query<{ name: string }>(
      `select attname as name from pg_attribute where attrelid = 'sales'::regclass and attnum > 0 and not attisdropped order by attnum`,
    )
  ).rows.map((r) => r.name);
  const select = columns
    .map((c) =>
      c === 'id' ? 'gen_random_uuid()' : c === 'external_order_id' ? `external_order_id || '-' || g` : `"${c}"`,
    )
    .join(', ');
  await pipeline(
    client.query(
      copyTo(
        `copy (select ${select} from sales, generate_series(1, ${repeat}) g order by g, external_order_id limit ${rows}) to stdout`,
      ),
    ),
    createWriteStream(file),
  );
  // Three COPYs into fresh tables, the median timed: one COPY here varied 2.8–3.4 s run to run.
  await syncFile(file);
  const samples: number[] = [];
  let copied = 0;
  for (let i = 1; i <= BASELINE_RUNS; i++) {
    await client.query(`create table shaped_sales_${i} (like sales including all)`);
    await settle(client);
    const start = performance.now();
    copied = await copyFromFile(client, `shaped_sales_${i}`, file, 'format text');
    samples.push((performance.now() - start) / 1000);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { rows: copied, seconds: sorted[Math.floor(sorted.length / 2)]!, samples };
}

const BASELINE_RUNS = 3;

/**
 * Before anything timed: flush the dirty pages left by what ran before (migrations, the backfill),
 * so it does not pay for their checkpoint (CHECKPOINT needs a superuser; without one, nothing).
 */
async function settle(client: pg.Client): Promise<void> {
  await client.query('checkpoint').catch(() => undefined);
}

/** Writes a just-written input file through to disk, so its writeback is not timed with what reads it. */
async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** CPU seconds a server backend has used: known only when the server runs on this machine. */
function backendCpuSeconds(pid: number): number | undefined {
  const ms = procCpuMs(pid);
  return ms === null ? undefined : ms / 1000;
}

async function main(): Promise<void> {
  // The test server first, as the suite uses it; else DATABASE_URL.
  const base = loadConfig({ databaseUrl: process.env.TEST_DATABASE_URL }).databaseUrl;
  if (!base)
    throw new Error(
      'set TEST_DATABASE_URL or DATABASE_URL to a PostgreSQL server (a scratch database is created and dropped there)',
    );
  const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const batchSize = Number(arg('--batch') ?? 1000);
  const inFlight = Number(arg('--in-flight') ?? DEFAULT_IN_FLIGHT);
  // --no-copy: the batched inserts webhooks use, instead of COPY (to compare the two).
  const useCopy = !process.argv.includes('--no-copy');
  const dir = await mkdtemp(join(tmpdir(), 'tracknow-bench-'));
  const file = join(dir, 'orders-export.csv');
  const name = `tracknow_bench_backfill_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  await withClient(base, (c) => c.query(`create database ${name}`));
  const store = await openPostgres(url.toString(), 4);
  try {
    const { db } = store;
    unwrapMigrationResult(await createMigrator(db).migrateToLatest());
    const merchant = await addMerchant(db, { name: 'Bench', currency: 'USD' });
    for (const code of ['ABC12345', 'ZX9Q77']) {
      const influencer = await addInfluencer(db, { name: `Influencer ${code}` });
      await addCode(db, { influencerId: influencer.id, code });
    }
    const generated = await writeOrdersExport(file, n, ['ABC12345', 'ZX9Q77', 'NOPE0000']);
    // What writing the file left on the heap is not the backfill's: collect it before the peak RSS is sampled.
    (globalThis as { gc?: () => void }).gc?.();
    // The start every timed COPY gets too: the input on disk, the server's dirty pages (the
    // migrations') flushed, so neither's writeback lands in the timing.
    await syncFile(file);
    await withClient(url.toString(), settle);

    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const { value: summary, peakMb } = await peakRss(() =>
      backfillTikTok(db, { merchantId: merchant.id, files: [file], batchSize, inFlight, copy: useCopy }),
    );
    const seconds = (performance.now() - start) / 1000;
    // The server's share: CPU of the backends serving this scratch database (the pool's connections).
    const serverCpuSeconds = await withClient(base, async (c) => {
      const { rows } = await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [name]);
      let sum = 0;
      for (const { pid } of rows) {
        const cpu = backendCpuSeconds(pid);
        if (cpu === undefined) return undefined;
        sum += cpu;
      }
      return sum;
    });
    // CPU seconds of this process: unlike wall time, barely moved by other load on the machine.
    const cpu = process.cpuUsage(cpuStart);
    const nodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (summary.rows !== generated.rows || summary.errors.length > 0)
      throw new Error(
        `expected ${generated.rows} clean rows, got ${JSON.stringify({ ...summary, errors: summary.errors.slice(0, 3) })}`,
      );

    // What must be there: one sale per created order, the file recorded once with its rows, and no "new sale" notices.
    const stored = await withClient(url.toString(), async (c) => {
      const q = async (text: string) => Number((await c.query<{ n: string }>(text)).rows[0]!.n);
      return {
        sales: await q('select count(*) as n from sales'),
        files: await q(
          `select count(*) as n from backfill_files where rows = ${generated.rows} and completed_at is not null`,
        ),
        notices: await q(`select count(*) as n from notifications where event = 'sale.created'`),
      };
    });
    if (stored.sales !== summary.created || stored.files !== 1 || stored.notices !== 0)
      throw new Error(`stored rows do not match the summary: ${JSON.stringify(stored)}, created ${summary.created}`);

    const columns = ORDERS_HEADER.split(',')
      .map((_, i) => `c${i + 1} text`)
      .join(', ');
    const bare = await withClient(url.toString(), async (client) => {
      await client.query(`create table bare (${columns})`);
      await settle(client);
      const copyStart = performance.now();
      const copied = await copyFromFile(client, 'bare', file, 'format csv, header true');
      return { rows: copied, seconds: (performance.now() - copyStart) / 1000 };
    });
    const copy = await withClient(url.toString(), (client) =>
      shapedCopy(client, generated.rows, join(dir, 'sales-shaped.copy')),
    );

    const floor = await withClient(url.toString(), timeFloor);

    const rate = generated.rows / seconds;
    const copyRate = copy.rows / copy.seconds;
    const floorRate = generated.rows / floor.seconds;
    const cores = availableParallelism();
    const result = {
      bench: 'backfill',
      rows: generated.rows,
      orders: generated.orders,
      file_mb: Math.round(generated.bytes / 2 ** 20),
      batch: batchSize,
      in_flight: inFlight,
      write: useCopy ? 'copy' : 'insert',
      backfill_s: Number(seconds.toFixed(2)),
      backfill_rows_per_s: Math.round(rate),
      backfill_node_cpu_s: Number(nodeCpuSeconds.toFixed(2)),
      // Includes migrating the scratch database and seeding it (well under a second).
      backfill_server_cpu_s: serverCpuSeconds === undefined ? null : Number(serverCpuSeconds.toFixed(2)),
      copy_s: Number(copy.seconds.toFixed(2)),
      copy_samples_s: copy.samples.map((x) => Number(x.toFixed(2))),
      copy_rows_per_s: Math.round(copyRate),
      ratio: Number((rate / copyRate).toFixed(3)),
      // The raw file into 57 text columns, no indexes: the machine's physical limit, for reference.
      bare_copy_s: Number(bare.seconds.toFixed(2)),
      bare_ratio: Number((rate / (bare.rows / bare.seconds)).toFixed(3)),
      target_ratio: 0.25,
      floor_s: Number(floor.seconds.toFixed(2)),
      floor_server_cpu_s: floor.cpuSeconds === undefined ? null : Number(floor.cpuSeconds.toFixed(2)),
      floor_rows_per_s: Math.round(floorRate),
      floor_ratio: Number((floorRate / copyRate).toFixed(3)),
      // Even spread over every core with nothing else to do (no parsing, deciding or transport): an upper bound, not a plan.
      floor_ratio_all_cores:
        floor.cpuSeconds === undefined
          ? null
          : Number((generated.rows / (floor.cpuSeconds / cores) / copyRate).toFixed(3)),
      cores,
      floor_tables: floor.tables,
      peak_rss_mb: peakMb,
      created: summary.created,
      unchanged: summary.unchanged,
      unattributed: summary.unattributed,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    // The row of issue #22's table that bench/run.ts collects.
    const row = {
      row: 'backfill',
      value: Math.round(rate),
      unit: 'rows/s',
      baseline: Math.round(copyRate),
      baseline_name: 'COPY of as many sales-shaped rows',
      ratio: result.ratio,
      floor: 0.25,
      higher_is_better: true,
      p99_ms: null,
      rss_mb: peakMb,
    };
    process.stdout.write(`ROW ${JSON.stringify(row)}\n`);
    process.stderr.write(
      `backfill ${result.backfill_rows_per_s} rows/s, COPY of sales-shaped rows ${result.copy_rows_per_s} rows/s (median of ${result.copy_samples_s.join(', ')} s): ratio ${result.ratio} (target 0.25); peak RSS ${peakMb} MB\n` +
        `COPY of the raw file into 57 text columns: ${result.bare_copy_s} s, ratio ${result.bare_ratio}\n` +
        `floor: the server alone re-inserting the rows written takes ${result.floor_s} s (${result.floor_server_cpu_s ?? '?'} CPU-s): ${result.floor_rows_per_s} rows/s, ratio ${result.floor_ratio} on one core; ` +
        `${result.floor_ratio_all_cores ?? '?'} spread over all ${result.cores} cores if nothing else cost anything\n`,
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    if (!process.argv.includes('--keep'))
      await withClient(base, (c) => c.query(`drop database if exists ${name} with (force)`));
  }
}

await main();
