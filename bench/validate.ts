/**
 * `validate` on N pending sales (the goal: 1,000,000 in < 60 s on PostgreSQL), against a baseline
 * measured in the same run on a clone of the same data: the bare row work (one UPDATE of the sales,
 * one INSERT of their credits) without batches, lock, checks or notifications. Prints rows/s for
 * both and their ratio. Usage: node dist/bench/validate.js [N] [--influencers K] [--batch B] [--keep]
 * Server: DATABASE_URL, else TEST_DATABASE_URL, else the local `test` database's server.
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { validate } from '../src/services/payouts/validate.js';
import { openPostgres } from '../src/store/connect.js';
import { createMigrator, unwrapMigrationResult } from '../src/store/migrator.js';
import type { Database } from '../src/store/schema.js';
import { admin, benchServerUrl } from './scratch-db.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};

/** N pending, paid, attributed sales ordered over 10 days from 30 days ago, spread over K influencers. */
async function seed(db: Kysely<Database>, n: number, influencers: number): Promise<void> {
  await sql`insert into merchants (id, name, currency) values ('00000000-0000-4000-8000-000000000001', 'Bench', 'EUR')`.execute(
    db,
  );
  await sql`insert into influencers (id, name)
    select ('00000000-0000-4000-9000-' || lpad(to_hex(g), 12, '0'))::uuid, 'Influencer ' || g from generate_series(1, ${influencers}) g`.execute(
    db,
  );
  await sql`insert into sales (id, merchant_id, platform, external_order_id, status, order_status, influencer_id, attribution_method,
      attribution_value, currency, base_minor, total_minor, commission_rate_ppm, commission_minor, ordered_at, last_event_at)
    select gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 'shopify', 'B' || g, 'pending', 'paid',
      ('00000000-0000-4000-9000-' || lpad(to_hex(1 + g % ${influencers}), 12, '0'))::uuid, 'promo_code', 'BENCH',
      'EUR', 10000 + g % 5000, 10000 + g % 5000, 150000, 1500 + g % 750, now() - interval '30 days' + g * (864000.0 / ${n}) * interval '1 second', now() - interval '30 days'
    from generate_series(1, ${n}) g`.execute(db);
  // As autovacuum would have left two weeks of sales: hint bits set, statistics current.
  await sql`vacuum analyze`.execute(db);
}

/** The floor: the same rows updated and credited by two bare statements in one transaction. */
async function baseline(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`update sales set status = 'validated', validated_at = now(), updated_at = now() where status = 'pending'`.execute(
      trx,
    );
    await sql`insert into ledger_entries (influencer_id, currency, amount_minor, kind, sale_id)
      select influencer_id, currency, commission_minor, 'credit', id from sales where status = 'validated'`.execute(
      trx,
    );
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, (performance.now() - start) / 1000];
}

async function main(): Promise<void> {
  const base = benchServerUrl();
  const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const influencers = Number(arg('--influencers') ?? 1000);
  const batchSize = arg('--batch') === undefined ? undefined : Number(arg('--batch'));
  const name = `tracknow_bench_${randomBytes(4).toString('hex')}`;
  const urlOf = (db: string) => Object.assign(new URL(base), { pathname: `/${db}` }).toString();
  await admin(base, `create database ${name}`);
  try {
    let store = await openPostgres(urlOf(name), 4);
    unwrapMigrationResult(await createMigrator(store.db).migrateToLatest());
    const [, seedSeconds] = await timed(() => seed(store.db, n, influencers));
    await store.close();
    // The baseline runs on a byte-for-byte copy, so both start from the same pages.
    await admin(base, `create database ${name}_base template ${name}`);
    const copy = await openPostgres(urlOf(`${name}_base`), 1);
    const [, baseSeconds] = await timed(() => baseline(copy.db)).finally(() => copy.close());

    store = await openPostgres(urlOf(name), 4);
    try {
      const asOf = new Date();
      const [preview, drySeconds] = await timed(() => validate(store.db, { asOf, dryRun: true }));
      const [result, seconds] = await timed(() => validate(store.db, { asOf, ...(batchSize ? { batchSize } : {}) }));
      const [again, againSeconds] = await timed(() => validate(store.db, { asOf }));
      if (preview.validated !== n || result.validated !== n || again.validated !== 0) {
        throw new Error(
          `expected ${n}, ${n} then 0 validated; got ${preview.validated}, ${result.validated}, ${again.validated}`,
        );
      }
      const report = {
        bench: 'validate',
        rows: n,
        influencers,
        batch: batchSize ?? 'default',
        seed_s: round(seedSeconds),
        seconds: round(seconds),
        rows_per_s: Math.round(n / seconds),
        baseline_s: round(baseSeconds),
        baseline_rows_per_s: Math.round(n / baseSeconds),
        ratio: round(baseSeconds / seconds, 3),
        dry_run_s: round(drySeconds),
        second_run_s: round(againSeconds),
        under_60s: seconds < 60,
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.stdout.write(
        `validate ${report.rows_per_s} rows/s, baseline ${report.baseline_rows_per_s} rows/s: ratio ${report.ratio}; ${n} sales in ${report.seconds} s (goal < 60 s)\n`,
      );
    } finally {
      await store.close();
    }
  } finally {
    if (!process.argv.includes('--keep')) {
      await admin(base, `drop database if exists ${name}_base with (force)`);
      await admin(base, `drop database if exists ${name} with (force)`);
    }
  }
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

await main();
