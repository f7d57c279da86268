import { sql, type Kysely } from 'kysely';

/**
 * Commission deals (issue #19). A deal is never edited in place: `deal end` only sets `ended_at`.
 * A sale records the deal it was created under (`deal_id`, null: the merchant's rate) and its terms:
 * `commission_rate_ppm` (the effective rate), `fixed_commission_minor` (a fixed deal's amount per
 * order), and for an order whose lines earn different rates `rated_base_minor` (Σ line bases) and
 * `rated_commission_ppm` (Σ line base × rate in ppm), so a refund recomputes on the same terms.
 * `deal_tier_months` is a version row per influencer, merchant and month: every ingest write that
 * decided a tiered rate on a month's count bumps it, checked, so two writers can never both
 * believe they made the same count (see `tierGuardSql`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table deals (
      id uuid primary key,
      seq bigserial not null unique,
      merchant_id uuid not null references merchants (id),
      influencer_id uuid references influencers (id),
      code text,
      product text,
      rate_ppm integer check (rate_ppm between 0 and 1000000),
      fixed_minor bigint check (fixed_minor >= 0),
      currency char(3),
      starts_at timestamptz,
      until_at timestamptz,
      ended_at timestamptz,
      tiers jsonb,
      name text,
      created_at timestamptz not null default now(),
      check ((rate_ppm is null) <> (fixed_minor is null)),
      check ((fixed_minor is null) = (currency is null)),
      check (starts_at is null or until_at is null or starts_at < until_at)
    )`.execute(db);
  await sql`create index deals_merchant_idx on deals (merchant_id, seq)`.execute(db);
  await sql`
    create table deal_tier_months (
      influencer_id uuid not null,
      merchant_id uuid not null,
      month date not null,
      version bigint not null,
      primary key (influencer_id, merchant_id, month)
    )`.execute(db);
  await sql`
    alter table sales
      add column deal_id uuid references deals (id),
      add column fixed_commission_minor bigint,
      add column rated_base_minor bigint,
      add column rated_commission_ppm bigint`.execute(db);
  await sql`create index sales_tier_count_idx on sales (influencer_id, merchant_id, ordered_at) where influencer_id is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index sales_tier_count_idx`.execute(db);
  await sql`alter table sales drop column deal_id, drop column fixed_commission_minor, drop column rated_base_minor, drop column rated_commission_ppm`.execute(
    db,
  );
  await sql`drop table deal_tier_months`.execute(db);
  await sql`drop table deals`.execute(db);
}
