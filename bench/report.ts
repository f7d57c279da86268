/**
 * `report` over a year of N attributed sales and C clicks (the goal: 1,000,000 sales in seconds
 * on PostgreSQL), per grouping, against a baseline measured in the same run on the same data: the
 * same GROUP BY as bare SQL (count and plain sums over `sales`, count over `clicks`, same keys)
 * without statuses, refunds, currency fallback, labels or the Node side. Prints seconds for both
 * and their ratio (baseline ÷ report: 1 is the floor), a one-month report, and the whole CLI
 * process once. Usage: node dist/bench/report.js [N] [--clicks C] [--influencers K] [--keep]
 * Server: DATABASE_URL, else TEST_DATABASE_URL, else the local `test` database's server.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { REPORT_GROUPINGS, type ReportGrouping } from '../src/domain/report.js';
import { buildReport } from '../src/services/report/report.js';
import type { Database } from '../src/store/schema.js';
import { scratchDatabase } from './scratch-db.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};

const YEAR_S = 365 * 86_400;
const START = '2025-01-01T00:00:00Z';
const merchant = (g: RawBuilder<unknown>) => sql`('00000000-0000-4000-8000-' || lpad(to_hex(${g}), 12, '0'))::uuid`;
const influencer = (g: RawBuilder<unknown>) => sql`('00000000-0000-4000-9000-' || lpad(to_hex(${g}), 12, '0'))::uuid`;
const code = (g: RawBuilder<unknown>) => sql`'C' || lpad((${g})::text, 6, '0')`;

/**
 * Five merchants (one in USD), K influencers with a code each (half bound to a merchant), C clicks
 * and N sales spread evenly over 2025 on three platforms, in every status, 1 in 17 partly refunded,
 * 1 in 100 unattributed.
 */
async function seed(db: Kysely<Database>, n: number, clicks: number, k: number): Promise<void> {
  const g = sql`g`;
  const inf = sql`1 + g % ${k}`;
  await sql`insert into merchants (id, name, currency) select ${merchant(g)}, 'Bench ' || g, case when g = 5 then 'USD' else 'EUR' end from generate_series(1, 5) g`.execute(
    db,
  );
  await sql`insert into influencers (id, name) select ${influencer(g)}, 'Influencer ' || g from generate_series(1, ${k}) g`.execute(
    db,
  );
  await sql`insert into tracking_codes (code, influencer_id, merchant_id)
    select ${code(g)}, ${influencer(g)}, case when g % 2 = 0 then ${merchant(sql`1 + g % 5`)} end from generate_series(1, ${k}) g`.execute(
    db,
  );
  await sql`insert into clicks (id, code, clicked_at)
    select gen_random_uuid(), ${code(inf)}, ${START}::timestamptz + g * (${YEAR_S}::float8 / ${clicks}) * interval '1 second'
    from generate_series(1, ${clicks}) g`.execute(db);
  await sql`insert into sales (id, merchant_id, platform, external_order_id, status, order_status, influencer_id, attribution_method,
      attribution_value, currency, base_minor, total_minor, refunded_minor, commission_rate_ppm, commission_minor, ordered_at, last_event_at)
    select gen_random_uuid(), ${merchant(sql`1 + g % 5`)}, (array['shopify', 'tiktok', 'woocommerce'])[1 + g % 3], 'B' || g,
      case when g % 100 = 0 then 'pending' else (array['pending', 'validated', 'validated', 'validated', 'cancelled', 'reversed'])[1 + (g / 7) % 6] end, 'paid',
      case when g % 100 <> 0 then ${influencer(inf)} end, case when g % 100 <> 0 then 'promo_code' end, case when g % 100 <> 0 then ${code(inf)} end,
      case when g % 5 = 4 then 'USD' else 'EUR' end, 1000 + g % 9000, 1000 + g % 9000, case when g % 17 = 0 then 500 else 0 end,
      150000, (1000 + g % 9000) * 15 / 100, t, t
    from generate_series(1, ${n}) g, lateral (select ${START}::timestamptz + g * (${YEAR_S}::float8 / ${n}) * interval '1 second' as t) o`.execute(
    db,
  );
  // As autovacuum would have left a year of sales: hint bits set, statistics current.
  await sql`vacuum analyze`.execute(db);
}

/** The floor: the same keys grouped by bare SQL, one statement per table. */
const BASE_KEYS: Record<ReportGrouping, { sale: string; click: string; join?: boolean }> = {
  day: { sale: `(ordered_at at time zone 'UTC')::date`, click: `(clicked_at at time zone 'UTC')::date` },
  week: {
    sale: `date_trunc('week', ordered_at at time zone 'UTC')`,
    click: `date_trunc('week', clicked_at at time zone 'UTC')`,
  },
  month: {
    sale: `date_trunc('month', ordered_at at time zone 'UTC')`,
    click: `date_trunc('month', clicked_at at time zone 'UTC')`,
  },
  influencer: { sale: 'influencer_id', click: 'tc.influencer_id', join: true },
  merchant: { sale: 'merchant_id', click: 'tc.merchant_id', join: true },
  code: { sale: 'attribution_value', click: 'c.code' },
  platform: { sale: 'platform', click: 'null::text' },
};

async function baseline(db: Kysely<Database>, by: ReportGrouping): Promise<void> {
  const k = BASE_KEYS[by];
  await sql`select ${sql.raw(k.sale)} as k, currency, count(*), sum(base_minor), sum(commission_minor), sum(refunded_minor)
    from sales where influencer_id is not null group by 1, 2`.execute(db);
  await sql`select ${sql.raw(k.click)} as k, count(*) from clicks c ${sql.raw(k.join ? 'join tracking_codes tc on tc.code = c.code' : '')} group by 1`.execute(
    db,
  );
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/** The median of three timed runs. */
async function median3(fn: () => Promise<unknown>): Promise<number> {
  const runs = [await seconds(fn), await seconds(fn), await seconds(fn)].sort((a, b) => a - b);
  return runs[1]!;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const n = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const clicks = Number(arg('--clicks') ?? 2_000_000);
  const influencers = Number(arg('--influencers') ?? 1000);
  const scratch = await scratchDatabase('tracknow_bench_report', 4);
  try {
    const db = scratch.store.db;
    const seedSeconds = await seconds(() => seed(db, n, clicks, influencers));
    await baseline(db, 'influencer'); // warm the cache for everyone
    const groupings: Record<string, { report_s: number; baseline_s: number; ratio: number; rows: number }> = {};
    for (const by of REPORT_GROUPINGS) {
      let rows = 0;
      const reportS = await median3(async () => (rows = (await buildReport(db, { by })).rows.length));
      const baseS = await median3(() => baseline(db, by));
      groupings[by] = { report_s: round(reportS), baseline_s: round(baseS), ratio: round(baseS / reportS, 3), rows };
    }
    const november = { from: new Date('2025-11-01T00:00:00Z'), to: new Date('2025-12-01T00:00:00Z') };
    const monthS = await median3(() => buildReport(db, { by: 'day', ...november }));
    const bin = fileURLToPath(new URL('../bin/tracknow.js', import.meta.url));
    const cliS = await seconds(async () => {
      const r = spawnSync(process.execPath, [bin, 'report', '--by', 'influencer', '--format', 'csv'], {
        env: { ...process.env, DATABASE_URL: scratch.url },
        maxBuffer: 1 << 26,
      });
      if (r.status !== 0) throw new Error(`tracknow report exited ${r.status}: ${r.stderr.toString()}`);
    });
    const worst = Math.max(...Object.values(groupings).map((x) => x.report_s));
    const report = {
      bench: 'report',
      sales: n,
      clicks,
      influencers,
      seed_s: round(seedSeconds),
      groupings,
      november_by_day_s: round(monthS),
      cli_by_influencer_csv_s: round(cliS),
      in_seconds: worst < 10,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    for (const [by, x] of Object.entries(groupings)) {
      process.stdout.write(
        `report --by ${by.padEnd(10)} ${x.report_s.toFixed(2)} s, baseline ${x.baseline_s.toFixed(2)} s: ratio ${x.ratio} (${x.rows} rows)\n`,
      );
    }
    process.stdout.write(
      `${n} sales and ${clicks} clicks over a year: slowest grouping ${worst} s (goal: seconds); one month by day ${report.november_by_day_s} s; the CLI process ${report.cli_by_influencer_csv_s} s\n`,
    );
  } finally {
    if (process.argv.includes('--keep')) await scratch.store.close();
    else await scratch.drop();
  }
}

await main();
