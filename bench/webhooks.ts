/**
 * Signed TikTok webhooks at `tracknow serve` over loopback, against a baseline of the same
 * database writes as plain transactions (no HTTP, JSON or attribution), in the same run.
 * Usage: node dist/bench/webhooks.js [N=5000] [--concurrency 32] [--pglite]
 * PostgreSQL (DATABASE_URL or TEST_DATABASE_URL) by default; `--pglite`: the embedded store in a
 * temporary TRACKNOW_HOME, the baseline in-process, then `serve` holding the same store.
 */
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { Pool } from 'undici';
import { addMerchant } from '../src/services/records/merchants.js';
import { addInfluencer } from '../src/services/records/influencers.js';
import { linkCreator } from '../src/services/records/creators.js';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/store/connect.js';
import type { Database } from '../src/store/schema.js';
import { percentile, scratchDatabase } from './scratch-db.js';

const N = Number(process.argv[2] ?? 5000);
const CONCURRENCY = Number(process.argv[process.argv.indexOf('--concurrency') + 1] ?? 32) || 32;
const PGLITE = process.argv.includes('--pglite');
const APP_KEY = 'benchkey';
const APP_SECRET = 'bench_secret_0123456789';

/** Runs `task(i)` for i < n with `concurrency` workers; returns per-task latencies in ms. */
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

function report(name: string, r: { seconds: number; latencies: number[] }): number {
  const rate = r.latencies.length / r.seconds;
  console.log(
    `${name.padEnd(34)} ${rate.toFixed(0).padStart(7)} /s   p50 ${percentile(r.latencies, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(r.latencies, 99).toFixed(1).padStart(6)} ms`,
  );
  return rate;
}

/** Where the bench runs: its database, the env `serve` needs, and how to hand the store over and clean up. */
interface Target {
  readonly name: string;
  readonly env: Record<string, string>;
  /** Closes the bench's own connection (PGlite: serve must hold the store alone) and reopens it. */
  handOver<T>(fn: () => Promise<T>): Promise<T>;
  readonly db: () => Kysely<Database>;
  drop(): Promise<void>;
}

async function postgresTarget(): Promise<Target> {
  const scratch = await scratchDatabase('tracknow_bench_hooks', CONCURRENCY);
  return {
    name: 'PostgreSQL',
    env: { DATABASE_URL: scratch.url },
    handOver: (fn) => fn(),
    db: () => scratch.store.db,
    drop: () => scratch.drop(),
  };
}

async function pgliteTarget(): Promise<Target> {
  const home = await mkdtemp(join(tmpdir(), 'tracknow-bench-'));
  const config = loadConfig({}, { TRACKNOW_HOME: home });
  let store = await openStore(config);
  return {
    name: 'PGlite (embedded)',
    env: { TRACKNOW_HOME: home, DATABASE_URL: '' },
    async handOver(fn) {
      await store.close();
      try {
        return await fn();
      } finally {
        store = await openStore(config);
      }
    },
    db: () => store.db,
    async drop() {
      await store.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const target = PGLITE ? await pgliteTarget() : await postgresTarget();
  const db = target.db();
  try {
    const merchant = await addMerchant(db, { name: 'Bench', tiktokAppKey: APP_KEY, tiktokAppSecret: APP_SECRET });
    const influencer = await addInfluencer(db, { name: 'Bench' });
    await linkCreator(db, { influencerId: influencer.id, creatorId: 'bench_creator' });

    // Baseline: one transaction per event with the rows ingest writes (the inbox row, already
    // processed, the sale and its outbox row).
    const baseline = await drive(N, CONCURRENCY, async (i) => {
      await db.transaction().execute(async (trx) => {
        const saleId = randomUUID();
        await sql`insert into webhook_events (id, platform, merchant_id, dedupe_key, body, status, processed_at, attempts)
          values (${randomUUID()}, 'tiktok', ${merchant.id}, ${`base-${i}`}, '{}', 'processed', now(), 1)`.execute(trx);
        await sql`insert into sales (id, merchant_id, platform, external_order_id, status, order_status, influencer_id, currency, base_minor, commission_rate_ppm, commission_minor, ordered_at, last_event_at)
          values (${saleId}, ${merchant.id}, 'tiktok', ${`base-${i}`}, 'pending', 'paid', ${influencer.id}, 'USD', 12550, 150000, 1883, now(), now())`.execute(
          trx,
        );
        await sql`insert into notifications (id, event, influencer_id, subject_id, payload) values (${randomUUID()}, 'sale.created', ${influencer.id}, ${saleId}, '{}')`.execute(
          trx,
        );
      });
    });

    const path = `/api/webhook/tiktok/${merchant.id}`;
    // Signed before the clock starts: the client's own HMACs would compete with the server for the CPU.
    const deliveries = Array.from({ length: N }, (_, i) => {
      const body = JSON.stringify({
        type: 'ORDER_STATUS_CHANGE',
        timestamp: 1760000000 + i,
        data: {
          order_id: `bench-${i}`,
          order_status: 111,
          payment: { total_amount: 12550, currency: 'USD' },
          creator_info: { creator_id: 'bench_creator' },
        },
      });
      return { body, signature: createHmac('sha256', APP_SECRET).update(APP_KEY).update(body).digest('hex') };
    });
    let rejected = 0;
    const listener = await target.handOver(async () => {
      const bin = fileURLToPath(new URL('../bin/tracknow.js', import.meta.url));
      const server = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
        env: { ...process.env, ...target.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const url = await new Promise<string>((resolve, reject) => {
        let seen = '';
        server.stderr.setEncoding('utf8').on('data', (d: string) => {
          seen += d;
          const m = /listening on (http:\/\/\S+)/.exec(seen);
          if (m) resolve(m[1]!);
        });
        server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${seen}`)));
      });
      server.stderr.removeAllListeners('data').resume(); // request logs: drained, not kept
      const client = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
      const run = await drive(N, CONCURRENCY, async (i) => {
        const { body, signature } = deliveries[i]!;
        const res = await client.request({
          method: 'POST',
          path,
          body,
          headers: { 'content-type': 'application/json', authorization: signature },
        });
        const text = await res.body.text();
        if (res.statusCode !== 200 || !text.includes('"commission":18.83')) rejected++;
      });
      await client.close();
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
      return run;
    });

    console.log(
      `\nwebhooks on ${target.name}, ${N} events, concurrency ${CONCURRENCY}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const base = report('baseline (plain transactions)', baseline);
    const hooks = report('tracknow serve (signed webhooks)', listener);
    console.log(`ratio to baseline: ${(hooks / base).toFixed(2)}   rejected: ${rejected}`);
    const sales = await target
      .db()
      .selectFrom('sales')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('external_order_id', 'like', 'bench-%')
      .executeTakeFirstOrThrow();
    console.log(`sales recorded: ${sales.n} of ${N}`);
    if (rejected > 0 || Number(sales.n) !== N) process.exitCode = 1;
  } finally {
    await target.drop();
  }
}

await main();
