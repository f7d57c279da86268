import { sql, type Kysely } from 'kysely';

/**
 * TikTok's affiliate program (issue #17). Merchants choose what tracknow owes when TikTok pays the
 * creator itself (`tiktok_affiliate`); each sale keeps the setting it was created with and records
 * TikTok's own commission on it (`platform_commission_minor`, in the sale's currency; null: none).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table merchants add column tiktok_affiliate text not null default 'top-up'
    check (tiktok_affiliate in ('top-up', 'none', 'on-top'))`.execute(db);
  await sql`alter table sales add column tiktok_affiliate text not null default 'top-up'
    check (tiktok_affiliate in ('top-up', 'none', 'on-top'))`.execute(db);
  await sql`alter table sales add column platform_commission_minor bigint
    check (platform_commission_minor is null or platform_commission_minor >= 0)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sales drop column platform_commission_minor`.execute(db);
  await sql`alter table sales drop column tiktok_affiliate`.execute(db);
  await sql`alter table merchants drop column tiktok_affiliate`.execute(db);
}
