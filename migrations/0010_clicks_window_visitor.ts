import { sql, type Kysely } from 'kysely';

/**
 * Clicks (#21): a merchant's attribution window (how long a click can attribute an order,
 * default 30 days) and a click's visitor hash (salted IP hash + user agent), so one visitor's
 * repeat clicks on a code within an hour count once. Secrets may now be stored sealed
 * (`tnenc:v1:…`, AES-256-GCM): they stay text columns, so nothing changes for them here.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table merchants add column attribution_window_seconds integer not null default 2592000
    check (attribution_window_seconds > 0)`.execute(db);
  await sql`alter table clicks add column visitor_hash text`.execute(db);
  await sql`create index clicks_visitor_idx on clicks (code, visitor_hash, clicked_at) where visitor_hash is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index clicks_visitor_idx`.execute(db);
  await sql`alter table clicks drop column visitor_hash`.execute(db);
  await sql`alter table merchants drop column attribution_window_seconds`.execute(db);
}
