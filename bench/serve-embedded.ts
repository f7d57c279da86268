/**
 * `tracknow serve` on the embedded store (PGlite) against in-process PGlite transactions doing
 * the same rows, in the same run and the same temporary TRACKNOW_HOME.
 * Usage: node dist/bench/serve-embedded.js [N=3000] [--concurrency 32] [--warmup 128]
 *
 * 1. Baseline: this process opens the store and runs N transactions, 32 at a time, each writing
 *    what ingest writes for a new order (the processed inbox row, the sale, its outbox row).
 * 2. It closes the store, spawns `tracknow serve` on the same home and, from a separate driver
 *    process (so the client's HTTP work does not compete with this process or with serve's),
 *    posts N pre-signed TikTok webhooks over loopback on 32 connections (after an untimed
 *    warm-up of 128 other orders).
 * 3. It stops serve, reopens the store and counts the sales. Prints the `embedded-serve` ROW line;
 *    exits non-zero if a request was rejected or a sale is missing (never on the ratio).
 */
import { fork } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { Pool } from 'undici';
import { loadConfig } from '../src/config.js';
import { linkCreator } from '../src/services/records/creators.js';
import { addInfluencer } from '../src/services/records/influencers.js';
import { addMerchant } from '../src/services/records/merchants.js';
import { openStore } from '../src/store/connect.js';
import { peakRssMb, procCpuMs, startServe, tiktokOrderBody } from './processes.js';
import { percentile } from './scratch-db.js';

const APP_KEY = 'benchkey';
const APP_SECRET = 'bench_secret_0123456789';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) || fallback : fallback;
};

/** Runs `task(i)` for i < n with `concurrency` workers; returns the sorted latencies in ms. */
async function drive(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { seconds: (performance.now() - started) / 1000, latencies };
}

interface DriveRequest {
  readonly url: string;
  readonly path: string;
  readonly n: number;
  /** Untimed deliveries first (other orders), so the timed run measures a warm listener. */
  readonly warmup: number;
  readonly concurrency: number;
}
interface DriveResult {
  readonly seconds: number;
  readonly latencies: number[];
  readonly rejected: number;
  readonly firstRejection?: string;
}

/** The driver process: signs every delivery before the clock starts, then posts them all. */
async function driver(): Promise<void> {
  const request = await new Promise<DriveRequest>((resolve) =>
    process.once('message', (m) => resolve(m as DriveRequest)),
  );
  const sign = (orderId: string, timestamp: number) => {
    const body = tiktokOrderBody(orderId, timestamp);
    return { body, signature: createHmac('sha256', APP_SECRET).update(APP_KEY).update(body).digest('hex') };
  };
  const deliveries = Array.from({ length: request.n }, (_, i) => sign(`bench-${i}`, 1760000000 + i));
  const warmups = Array.from({ length: request.warmup }, (_, i) => sign(`warm-${i}`, 1750000000 + i));
  const client = new Pool(request.url, { connections: request.concurrency, pipelining: 1 });
  let rejected = 0;
  let firstRejection: string | undefined;
  const post = async (delivery: { body: string; signature: string }) => {
    const res = await client.request({
      method: 'POST',
      path: request.path,
      body: delivery.body,
      headers: { 'content-type': 'application/json', authorization: delivery.signature },
    });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.includes('"commission":18.83')) {
      rejected++;
      firstRejection ??= `${res.statusCode} ${text.slice(0, 300)}`;
    }
  };
  // A few batches first, untimed: the first statements of a fresh process plan and cache cold.
  await drive(warmups.length, request.concurrency, (i) => post(warmups[i]!));
  const run = await drive(request.n, request.concurrency, (i) => post(deliveries[i]!));
  await client.close();
  const result: DriveResult = { ...run, rejected, ...(firstRejection ? { firstRejection } : {}) };
  process.send!(result, () => process.exit(0));
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 3000) || 3000;
  const concurrency = arg('--concurrency', 32);
  const warmup = arg('--warmup', 4 * concurrency);
  const home = await mkdtemp(join(tmpdir(), 'tracknow-bench-embedded-'));
  // The embedded store, whatever DATABASE_URL the caller (npm run bench) has set.
  const env = { ...process.env, TRACKNOW_HOME: home, DATABASE_URL: '' };
  const config = loadConfig({}, env);
  try {
    let store = await openStore(config);
    if (store.backend !== 'pglite') throw new Error('expected the embedded store');
    const merchant = await addMerchant(store.db, { name: 'Bench', tiktokAppKey: APP_KEY, tiktokAppSecret: APP_SECRET });
    const influencer = await addInfluencer(store.db, { name: 'Bench' });
    await linkCreator(store.db, { influencerId: influencer.id, creatorId: 'bench_creator' });

    // Baseline: one in-process transaction per event with the rows ingest writes (warmed up too).
    const db = store.db;
    const transaction = (key: string) =>
      db.transaction().execute(async (trx) => {
        const saleId = randomUUID();
        await sql`insert into webhook_events (id, platform, merchant_id, dedupe_key, body, status, processed_at, attempts)
          values (${randomUUID()}, 'tiktok', ${merchant.id}, ${key}, '{}', 'processed', now(), 1)`.execute(trx);
        await sql`insert into sales (id, merchant_id, platform, external_order_id, status, order_status, influencer_id, currency, base_minor, commission_rate_ppm, commission_minor, ordered_at, last_event_at)
          values (${saleId}, ${merchant.id}, 'tiktok', ${key}, 'pending', 'paid', ${influencer.id}, 'USD', 12550, 150000, 1883, now(), now())`.execute(
          trx,
        );
        await sql`insert into notifications (id, event, influencer_id, subject_id, payload) values (${randomUUID()}, 'sale.created', ${influencer.id}, ${saleId}, '{}')`.execute(
          trx,
        );
      });
    await drive(warmup, concurrency, (i) => transaction(`base-warm-${i}`));
    const cpu0 = process.cpuUsage();
    const baseline = await drive(n, concurrency, (i) => transaction(`base-${i}`));
    const cpu = process.cpuUsage(cpu0);
    const baseCpuMs = (cpu.user + cpu.system) / 1000 / n;
    // The baseline's outbox rows queued fan-out jobs (a trigger): serve's worker must not be
    // charged for them, only for its own events' jobs. Then serve must hold the store alone.
    await sql`delete from jobs where payload->>'notification_id' in (select id::text from notifications n where n.subject_id in (select id from sales where external_order_id like 'base-%'))`.execute(
      db,
    );
    await store.close();

    const { server, url } = await startServe(env);
    const exited = new Promise((resolve) => server.once('exit', resolve));
    let run: DriveResult;
    let rssMb: number | null;
    let serveCpuMs: number | null = null;
    try {
      const child = fork(fileURLToPath(import.meta.url), ['--driver'], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const result = new Promise<DriveResult>((resolve, reject) => {
        child.once('message', (m) => resolve(m as DriveResult));
        child.once('exit', (code) => reject(new Error(`the load driver exited ${code}`)));
      });
      const serveCpu0 = procCpuMs(server.pid);
      child.send({ url, path: `/api/webhook/tiktok/${merchant.id}`, n, warmup, concurrency } satisfies DriveRequest);
      run = await result;
      rssMb = peakRssMb(server.pid);
      const serveCpu = procCpuMs(server.pid);
      serveCpuMs = serveCpu === null || serveCpu0 === null ? null : (serveCpu - serveCpu0) / (n + warmup);
    } finally {
      server.kill('SIGTERM');
      await exited;
    }

    store = await openStore(config);
    const count = (like: string) =>
      store.db
        .selectFrom('sales')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('external_order_id', 'like', like)
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    const sales = { n: await count('bench-%'), warm: await count('warm-%') };
    await store.close();

    const baseRate = n / baseline.seconds;
    const rate = n / run.seconds;
    const p99 = percentile(run.latencies, 99);
    const line = (name: string, r: number, l: number[]) =>
      console.log(
        `${name.padEnd(36)} ${r.toFixed(0).padStart(6)} /s   p50 ${percentile(l, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(l, 99).toFixed(1).padStart(6)} ms`,
      );
    console.log(
      `\nserve on the embedded store, ${n} events, concurrency ${concurrency}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    line('baseline (in-process PGlite tx)', baseRate, baseline.latencies);
    line('tracknow serve (signed webhooks)', rate, run.latencies);
    console.log(
      `ratio ${(rate / baseRate).toFixed(2)}   rejected ${run.rejected}   sales recorded ${sales.n} of ${n} (+${sales.warm} of ${warmup} warm-up)   serve peak RSS ${rssMb ?? '?'} MB`,
    );
    // Load-independent: CPU per event (serve, warm-up included) against CPU per baseline transaction.
    console.log(
      `CPU per event: serve ${serveCpuMs?.toFixed(2) ?? '?'} ms, baseline ${baseCpuMs.toFixed(2)} ms (ratio ${serveCpuMs ? (baseCpuMs / serveCpuMs).toFixed(2) : '?'})`,
    );
    if (run.firstRejection) console.log(`first rejection: ${run.firstRejection}`);
    const row = {
      row: 'embedded-serve',
      value: Math.round(rate * 10) / 10,
      unit: '/s',
      baseline: Math.round(baseRate * 10) / 10,
      baseline_name: 'in-process PGlite tx (inbox + sale + outbox)',
      ratio: Math.round((rate / baseRate) * 100) / 100,
      floor: 0.5,
      higher_is_better: true,
      p99_ms: Math.round(p99 * 10) / 10,
      p99_limit_ms: 200,
      rss_mb: rssMb,
    };
    console.log(`ROW ${JSON.stringify(row)}`);
    if (run.rejected > 0 || sales.n !== n || sales.warm !== warmup) process.exitCode = 1;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

if (process.argv.includes('--driver')) await driver();
else await main();
