import { sql, type Kysely } from 'kysely';

/**
 * Backfilled files (issue #22). An imported export is recorded once per merchant and platform by
 * its content (SHA-256): its name, size and, once a run has read it to the end, its rows, orders
 * and rejected rows. A row with `completed_at` null is a run that stopped midway; the next run of
 * the same file takes the same row. Each order's inbox row keeps its canonical parsed form and
 * names this row's id, not a copy of the file's text.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes one at a time.
  for (const statement of [
    `create table backfill_files (
      id uuid primary key,
      merchant_id uuid not null references merchants(id),
      platform text not null check (platform in ('tiktok', 'shopify', 'woocommerce')),
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      name text not null,
      size_bytes bigint not null check (size_bytes >= 0),
      format text not null,
      rows integer check (rows >= 0),
      orders integer check (orders >= 0),
      rejected_rows integer check (rejected_rows >= 0),
      first_seen_at timestamptz not null default now(),
      completed_at timestamptz,
      unique (merchant_id, platform, sha256)
    )`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table backfill_files`.execute(db);
}
