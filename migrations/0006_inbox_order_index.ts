import { sql, type Kysely } from 'kysely';

/**
 * The inbox's order index led with (merchant_id, platform), the same prefix as the dedupe key
 * (merchant_id, platform, dedupe_key). Without statistics (PGlite never analyzes; a fresh
 * PostgreSQL table neither) the planner could probe the dedupe lookup through the order index and
 * filter every row of the merchant per key: 8 ms a key at 100k events, growing with the inbox.
 * Led by order_id, the index serves its own lookups and cannot be mistaken for the dedupe key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index webhook_events_order_idx`.execute(db);
  await sql`create index webhook_events_order_idx on webhook_events (order_id, merchant_id, platform)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index webhook_events_order_idx`.execute(db);
  await sql`create index webhook_events_order_idx on webhook_events (merchant_id, platform, order_id)`.execute(db);
}
