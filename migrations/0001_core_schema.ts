import { sql, type Kysely } from 'kysely';

/** Runs DDL one statement at a time: PGlite's extended protocol takes one per query. */
async function run(db: Kysely<any>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

const CURRENCY = `char(3) check (currency ~ '^[A-Z]{3}$')`;

export async function up(db: Kysely<any>): Promise<void> {
  await run(db, [
    `create table merchants (
      id uuid primary key,
      name text not null check (length(name) between 1 and 200),
      currency ${CURRENCY} not null,
      commission_rate_ppm integer not null default 150000 check (commission_rate_ppm between 0 and 1000000),
      hold_days integer not null default 14 check (hold_days between 0 and 365),
      store_url text,
      tiktok_app_key text,
      tiktok_app_secret text,
      tiktok_shop_id text,
      tiktok_shop_cipher text,
      tiktok_access_token text,
      tiktok_refresh_token text,
      tiktok_token_expires_at timestamptz,
      tiktok_last_sweep_at timestamptz,
      shopify_domain text,
      shopify_secret text,
      woocommerce_secret text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create table influencers (
      id uuid primary key,
      name text not null check (length(name) between 1 and 200),
      email text,
      iban text check (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$'),
      bic text check (bic ~ '^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$'),
      paypal_email text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create table creator_links (
      creator_id text primary key check (length(creator_id) between 1 and 200),
      influencer_id uuid not null references influencers(id),
      username text check (username ~ '^[a-z0-9._]{1,100}$'),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create unique index creator_links_username_key on creator_links (username)`,
    `create index creator_links_influencer_idx on creator_links (influencer_id)`,
    `create table tracking_codes (
      code text primary key check (code ~ '^[A-Z0-9_-]{3,64}$'),
      influencer_id uuid not null references influencers(id),
      merchant_id uuid references merchants(id),
      destination_url text,
      created_at timestamptz not null default now()
    )`,
    `create index tracking_codes_influencer_idx on tracking_codes (influencer_id)`,
    `create table clicks (
      id uuid primary key,
      code text not null references tracking_codes(code),
      clicked_at timestamptz not null default now(),
      user_agent text,
      referer text,
      ip_hash text
    )`,
    `create index clicks_code_idx on clicks (code, clicked_at)`,
    `create table webhook_events (
      id uuid primary key,
      platform text not null check (platform in ('tiktok', 'shopify', 'woocommerce')),
      merchant_id uuid not null references merchants(id),
      source text not null default 'webhook' check (source in ('webhook', 'backfill', 'reconcile', 'test')),
      dedupe_key text not null,
      order_id text,
      event_type text,
      headers jsonb not null default '{}',
      body text not null,
      status text not null default 'received'
        check (status in ('received', 'processed', 'ignored', 'failed', 'enriching')),
      outcome text,
      attempts integer not null default 0 check (attempts >= 0),
      last_error text,
      next_attempt_at timestamptz,
      received_at timestamptz not null default now(),
      processed_at timestamptz,
      unique (merchant_id, platform, dedupe_key)
    )`,
    `create index webhook_events_status_idx on webhook_events (status, next_attempt_at)`,
    `create index webhook_events_order_idx on webhook_events (merchant_id, platform, order_id)`,
    `create table sales (
      id uuid primary key,
      merchant_id uuid not null references merchants(id),
      platform text not null check (platform in ('tiktok', 'shopify', 'woocommerce')),
      external_order_id text not null check (length(external_order_id) between 1 and 200),
      status text not null check (status in ('pending', 'validated', 'cancelled', 'reversed')),
      order_status text not null check (order_status in ('paid', 'cancelled', 'refunded', 'unpaid', 'other')),
      platform_status text,
      status_at timestamptz,
      influencer_id uuid references influencers(id),
      attribution_method text,
      attribution_value text,
      click_id uuid references clicks(id),
      currency ${CURRENCY},
      base_minor bigint check (base_minor >= 0),
      base_scope text not null default 'order' check (base_scope in ('order', 'attributed_lines')),
      total_minor bigint check (total_minor >= 0),
      amounts_at timestamptz,
      refunded_minor bigint not null default 0 check (refunded_minor >= 0),
      commission_rate_ppm integer not null check (commission_rate_ppm between 0 and 1000000),
      commission_minor bigint check (commission_minor >= 0),
      ordered_at timestamptz not null,
      last_event_at timestamptz not null,
      validated_at timestamptz,
      cancelled_at timestamptz,
      reversed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (merchant_id, platform, external_order_id),
      check ((base_minor is null) = (currency is null)),
      check (commission_minor is null or base_minor is not null),
      check (influencer_id is not null or attribution_method is null),
      check (status <> 'validated' or (influencer_id is not null and commission_minor is not null))
    )`,
    `create index sales_pending_idx on sales (ordered_at) where status = 'pending'`,
    `create index sales_influencer_idx on sales (influencer_id, status)`,
    `create table payout_batches (
      id uuid primary key,
      as_of timestamptz not null,
      created_at timestamptz not null default now(),
      files jsonb not null default '[]'
    )`,
    `create table payouts (
      id uuid primary key,
      batch_id uuid not null references payout_batches(id),
      influencer_id uuid not null references influencers(id),
      currency ${CURRENCY} not null,
      amount_minor bigint not null check (amount_minor > 0),
      method text not null check (method in ('sepa', 'paypal', 'bank', 'manual')),
      reference text not null,
      created_at timestamptz not null default now()
    )`,
    `create index payouts_influencer_idx on payouts (influencer_id, currency)`,
    `create table ledger_entries (
      id bigint generated always as identity primary key,
      influencer_id uuid not null references influencers(id),
      currency ${CURRENCY} not null,
      amount_minor bigint not null check (amount_minor <> 0),
      kind text not null check (kind in ('credit', 'reversal', 'payout')),
      sale_id uuid references sales(id),
      payout_id uuid references payouts(id),
      created_at timestamptz not null default now(),
      check (
        (kind = 'credit' and amount_minor > 0 and sale_id is not null and payout_id is null) or
        (kind = 'reversal' and amount_minor < 0 and sale_id is not null and payout_id is null) or
        (kind = 'payout' and amount_minor < 0 and payout_id is not null and sale_id is null)
      )
    )`,
    `create unique index ledger_entries_sale_kind_key on ledger_entries (sale_id, kind) where sale_id is not null`,
    `create unique index ledger_entries_payout_key on ledger_entries (payout_id) where payout_id is not null`,
    `create index ledger_entries_balance_idx on ledger_entries (influencer_id, currency)`,
    // The ledger is append-only: history is corrected by new entries, never by edits.
    `create function ledger_entries_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'ledger_entries is append-only';
      end
    $$`,
    `create trigger ledger_entries_no_update before update or delete on ledger_entries
      for each row execute function ledger_entries_append_only()`,
    `create table notifications (
      id uuid primary key,
      event text not null check (event in ('sale.created', 'sale.cancelled', 'sale.validated', 'sale.reversed', 'payout.created')),
      influencer_id uuid references influencers(id),
      subject_id uuid not null,
      payload jsonb not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0 check (attempts >= 0),
      last_error text,
      next_attempt_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      delivered_at timestamptz,
      unique (event, subject_id)
    )`,
    `create index notifications_due_idx on notifications (next_attempt_at) where status = 'pending'`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await run(db, [
    'drop table notifications',
    'drop table ledger_entries',
    'drop function ledger_entries_append_only',
    'drop table payouts',
    'drop table payout_batches',
    'drop table sales',
    'drop table webhook_events',
    'drop table clicks',
    'drop table tracking_codes',
    'drop table creator_links',
    'drop table influencers',
    'drop table merchants',
  ]);
}
