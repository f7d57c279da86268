import { sql, type Kysely } from 'kysely';

/**
 * The operator's desk (#20): influencers and codes can be switched off (they attribute nothing
 * from then on), payouts carry a status and can be returned by the bank (a `return` ledger entry
 * puts the amount back, at most one per payout), and operators can store payout minimums per
 * currency so cron lines stay short.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes one at a time.
  for (const statement of [
    `alter table influencers add column inactive_at timestamptz`,
    `alter table tracking_codes add column disabled_at timestamptz`,
    `alter table payouts add column status text not null default 'paid' check (status in ('paid', 'returned'))`,
    `alter table payouts add column returned_at timestamptz`,
    `alter table payouts add column return_reason text`,
    `alter table payouts add constraint payouts_returned_check
      check ((status = 'returned') = (returned_at is not null and return_reason is not null))`,
    `create index payouts_created_idx on payouts (created_at)`,
    `alter table ledger_entries drop constraint ledger_entries_kind_check`,
    `alter table ledger_entries drop constraint ledger_entries_check`,
    `alter table ledger_entries add constraint ledger_entries_kind_check
      check (kind in ('credit', 'reversal', 'payout', 'return'))`,
    `alter table ledger_entries add constraint ledger_entries_check check (
      (kind = 'credit' and amount_minor > 0 and sale_id is not null and payout_id is null) or
      (kind = 'reversal' and amount_minor < 0 and sale_id is not null and payout_id is null) or
      (kind = 'payout' and amount_minor < 0 and payout_id is not null and sale_id is null) or
      (kind = 'return' and amount_minor > 0 and payout_id is not null and sale_id is null))`,
    // A payout has one debit and at most one return: two concurrent returns cannot both write.
    `drop index ledger_entries_payout_key`,
    `create unique index ledger_entries_payout_key on ledger_entries (payout_id, kind) where payout_id is not null`,
    `create index ledger_entries_statement_idx on ledger_entries (influencer_id, created_at)`,
    `alter table notifications drop constraint notifications_event_check`,
    `alter table notifications add constraint notifications_event_check check (event in
      ('sale.created', 'sale.cancelled', 'sale.validated', 'sale.reversed', 'payout.created', 'payout.returned'))`,
    `create table payout_minimums (
      currency char(3) primary key check (currency ~ '^[A-Z]{3}$'),
      amount_minor bigint not null check (amount_minor >= 0),
      updated_at timestamptz not null default now()
    )`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

/** Fails once a payout was returned: the ledger is append-only, and returns are history. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `drop table payout_minimums`,
    `alter table notifications drop constraint notifications_event_check`,
    `alter table notifications add constraint notifications_event_check check (event in
      ('sale.created', 'sale.cancelled', 'sale.validated', 'sale.reversed', 'payout.created'))`,
    `drop index ledger_entries_statement_idx`,
    `drop index ledger_entries_payout_key`,
    `create unique index ledger_entries_payout_key on ledger_entries (payout_id) where payout_id is not null`,
    `alter table ledger_entries drop constraint ledger_entries_check`,
    `alter table ledger_entries drop constraint ledger_entries_kind_check`,
    `alter table ledger_entries add constraint ledger_entries_kind_check check (kind in ('credit', 'reversal', 'payout'))`,
    `alter table ledger_entries add constraint ledger_entries_check check (
      (kind = 'credit' and amount_minor > 0 and sale_id is not null and payout_id is null) or
      (kind = 'reversal' and amount_minor < 0 and sale_id is not null and payout_id is null) or
      (kind = 'payout' and amount_minor < 0 and payout_id is not null and sale_id is null))`,
    `drop index payouts_created_idx`,
    `alter table payouts drop constraint payouts_returned_check`,
    `alter table payouts drop column return_reason`,
    `alter table payouts drop column returned_at`,
    `alter table payouts drop column status`,
    `alter table tracking_codes drop column disabled_at`,
    `alter table influencers drop column inactive_at`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
