/**
 * Validates N pending sales on PostgreSQL and prints rows/s (the goal: 1,000,000 in < 60 s).
 * Usage: DATABASE_URL=postgres://… node dist/bench/validate.js [N] [--influencers K] [--batch B] [--template DB] [--keep]
 * Works in a scratch database created beside DATABASE_URL's and dropped afterwards; `--template`
 * clones an already seeded database instead of seeding (N must then match its pending sales).
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { openPostgres } from '../src/store/connect.js';
import { createMigrator, unwrapMigrationResult } from '../src/store/migrator.js';
import { validate } from '../src/services/validate.js';
import type { Database } from '../src/store/schema.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function admin(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** N pending, paid, attributed sales ordered over 10 days from 30 days ago, spread over K influencers. */
async function seed(db: Kysely<Database>, n: number, influencers: number): Promise<void> {
  await sql`insert into merchants (id, name, currency) values ('00000000-0000-4000-8000-000000000001', 'Bench', 'EUR')`.execute(db);
  await sql`insert into influencers (id, name)
    select ('00000000-0000-4000-9000-' || lpad(to_hex(g), 12, '0'))::uuid, 'Influencer ' || g from generate_series(1, ${influencers}) g`.execute(db);
  await sql`insert into sales (id, merchant_id, platform, external_order_id, status, order_status, influencer_id, attribution_method,
      attribution_value, currency, base_minor, total_minor, commission_rate_ppm, commission_minor, ordered_at, last_event_at)
    select gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 'shopify', 'B' || g, 'pending', 'paid',
      ('00000000-0000-4000-9000-' || lpad(to_hex(1 + g % ${influencers}), 12, '0'))::uuid, 'promo_code', 'BENCH',
      'EUR', 10000 + g % 5000, 10000 + g % 5000, 150000, 1500 + g % 750, now() - interval '30 days' + g * (864000.0 / ${n}) * interval '1 second', now() - interval '30 days'
    from generate_series(1, ${n}) g`.execute(db);
  // As autovacuum would have left two weeks of sales: hint bits set, statistics current.
  await sql`vacuum analyze`.execute(db);
}

async function main(): Promise<void> {
  const base = loadConfig().databaseUrl;
  if (!base) throw new Error('set DATABASE_URL to a PostgreSQL server (the benchmark creates and drops a scratch database there)');
  const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const influencers = Number(arg('--influencers') ?? 1000);
  const name = `tracknow_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const template = arg('--template');
  const batchSize = arg('--batch') === undefined ? undefined : Number(arg('--batch'));
  await admin(base, template ? `create database ${name} template ${template}` : `create database ${name}`);
  const store = await openPostgres(url.toString(), 4);
  try {
    const { db } = store;
    unwrapMigrationResult(await createMigrator(db).migrateToLatest());
    const seedStart = performance.now();
    if (!template) await seed(db, n, influencers);
    const seeded = (performance.now() - seedStart) / 1000;

    const dryStart = performance.now();
    const preview = await validate(db, { asOf: new Date(), dryRun: true });
    const drySeconds = (performance.now() - dryStart) / 1000;
    const start = performance.now();
    const result = await validate(db, { asOf: new Date(), ...(batchSize ? { batchSize } : {}) });
    const seconds = (performance.now() - start) / 1000;
    const againStart = performance.now();
    const again = await validate(db, { asOf: new Date() });
    const againSeconds = (performance.now() - againStart) / 1000;
    if (preview.validated !== n || result.validated !== n || again.validated !== 0) throw new Error(`expected ${n} then 0 validated, got ${result.validated} then ${again.validated}`);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'validate',
        rows: n,
        influencers,
        batch: batchSize ?? 'default',
        seed_s: Number(seeded.toFixed(2)),
        seconds: Number(seconds.toFixed(2)),
        rows_per_s: Math.round(n / seconds),
        dry_run_s: Number(drySeconds.toFixed(2)),
        second_run_s: Number(againSeconds.toFixed(2)),
        credited: result.credited,
        under_60s: seconds < 60,
      })}\n`,
    );
  } finally {
    await store.close();
    if (!process.argv.includes('--keep')) await admin(base, `drop database if exists ${name} with (force)`);
  }
}

await main();
