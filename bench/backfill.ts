/**
 * Times `backfill tiktok` on a generated N-row Seller Center export (default 1,000,000) into a
 * fresh PostgreSQL database, then, in the same run, COPY of the same file into a bare table of
 * 57 text columns (the physical limit here), and prints rows/s for both, the ratio and peak RSS.
 * Usage: TEST_DATABASE_URL=postgres://… node dist/bench/backfill.js [N] [--batch 1000] [--in-flight 2] [--keep]
 * Works in a scratch database beside the URL's, dropped afterwards (unless --keep).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { backfillTikTok } from '../src/services/backfill.js';
import { addCode } from '../src/services/codes.js';
import { addInfluencer } from '../src/services/influencers.js';
import { addMerchant } from '../src/services/merchants.js';
import { openPostgres } from '../src/store/connect.js';
import { createMigrator, unwrapMigrationResult } from '../src/store/migrator.js';
import { copyFromFile } from './copy-in.js';
import { ORDERS_HEADER, writeOrdersExport } from './export-file.js';

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

async function main(): Promise<void> {
  // The test server first, as the suite uses it; else DATABASE_URL.
  const base = loadConfig({ databaseUrl: process.env.TEST_DATABASE_URL }).databaseUrl;
  if (!base) throw new Error('set TEST_DATABASE_URL or DATABASE_URL to a PostgreSQL server (a scratch database is created and dropped there)');
  const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const batchSize = Number(arg('--batch') ?? 1000);
  const inFlight = Number(arg('--in-flight') ?? 2);
  const dir = await mkdtemp(join(tmpdir(), 'tracknow-bench-'));
  const file = join(dir, 'orders-export.csv');
  const name = `tracknow_bench_${randomBytes(4).toString('hex')}`;
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

    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const { value: summary, peakMb } = await peakRss(() => backfillTikTok(db, { merchantId: merchant.id, files: [file], batchSize, inFlight }));
    const seconds = (performance.now() - start) / 1000;
    // CPU seconds of this process: unlike wall time, barely moved by other load on the machine.
    const cpu = process.cpuUsage(cpuStart);
    const nodeCpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (summary.rows !== generated.rows || summary.errors.length > 0) throw new Error(`expected ${generated.rows} clean rows, got ${JSON.stringify({ ...summary, errors: summary.errors.slice(0, 3) })}`);

    const columns = ORDERS_HEADER.split(',').map((_, i) => `c${i + 1} text`).join(', ');
    const copy = await withClient(url.toString(), async (client) => {
      await client.query(`create table bare (${columns})`);
      const copyStart = performance.now();
      const copied = await copyFromFile(client, 'bare', file, 'format csv, header true');
      return { rows: copied, seconds: (performance.now() - copyStart) / 1000 };
    });

    const rate = generated.rows / seconds;
    const copyRate = copy.rows / copy.seconds;
    const result = {
      bench: 'backfill',
      rows: generated.rows,
      orders: generated.orders,
      file_mb: Math.round(generated.bytes / 2 ** 20),
      batch: batchSize,
      in_flight: inFlight,
      backfill_s: Number(seconds.toFixed(2)),
      backfill_rows_per_s: Math.round(rate),
      backfill_node_cpu_s: Number(nodeCpuSeconds.toFixed(2)),
      copy_s: Number(copy.seconds.toFixed(2)),
      copy_rows_per_s: Math.round(copyRate),
      ratio: Number((rate / copyRate).toFixed(3)),
      target_ratio: 0.25,
      peak_rss_mb: peakMb,
      created: summary.created,
      unchanged: summary.unchanged,
      unattributed: summary.unattributed,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.stderr.write(
      `backfill ${result.backfill_rows_per_s} rows/s, COPY ${result.copy_rows_per_s} rows/s: ratio ${result.ratio} (target 0.25); peak RSS ${peakMb} MB\n`,
    );
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    if (!process.argv.includes('--keep')) await withClient(base, (c) => c.query(`drop database if exists ${name} with (force)`));
  }
}

await main();
