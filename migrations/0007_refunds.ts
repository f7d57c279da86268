import { sql, type Kysely } from 'kysely';

/**
 * Refunds counted by their own ids, guessed amounts flagged, and the merchant's commission base:
 * - `sales.refunds`: the refunds applied so far, `[{"id": "woo:501", "minor": "1503"}]` (minor units
 *   as strings, exact), so a WooCommerce order resending its whole `refunds[]` counts each once;
 * - `sales.estimated`: the sale's amounts are a conservative guess (a TikTok return reversed whole
 *   because the merchant has no API access to ask for the refunded amount);
 * - `merchants.commission_base`: `net` (default), `with-tax` or `total`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `alter table sales add column refunds jsonb not null default '[]'::jsonb`,
    `alter table sales add column estimated boolean not null default false`,
    `alter table merchants add column commission_base text not null default 'net'
      constraint merchants_commission_base_check check (commission_base in ('net', 'with-tax', 'total'))`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `alter table merchants drop column commission_base`,
    `alter table sales drop column estimated`,
    `alter table sales drop column refunds`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
