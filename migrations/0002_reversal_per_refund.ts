import { sql, type Kysely } from 'kysely';

/**
 * Partial refunds after validation claw back part of a commission, so a sale may now carry
 * several reversals: one per delivery that caused one (`event_key`, the delivery's dedupe key).
 * A sale still has at most one credit.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes one at a time.
  for (const statement of [
    `alter table ledger_entries add column event_key text`,
    `drop index ledger_entries_sale_kind_key`,
    `create unique index ledger_entries_credit_key on ledger_entries (sale_id) where kind = 'credit'`,
    `create unique index ledger_entries_reversal_key on ledger_entries (sale_id, event_key) where kind = 'reversal'`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

/** Fails while a sale has more than one reversal: those are history, and the ledger is append-only. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `drop index ledger_entries_reversal_key`,
    `drop index ledger_entries_credit_key`,
    `create unique index ledger_entries_sale_kind_key on ledger_entries (sale_id, kind) where sale_id is not null`,
    `alter table ledger_entries drop column event_key`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
