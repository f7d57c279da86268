import { sql, type Kysely } from 'kysely';

/**
 * Ingest reads, decides in code, then writes in one statement that checks what it read is
 * still true (a sale's row version, a delivery's key still free). Plain SQL cannot raise an
 * error, so the write calls this when a check fails: the whole statement is undone, and the
 * error is a serialization failure (40001), which callers already retry.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `create function tracknow_lost_race() returns integer language plpgsql volatile as $$
        begin
          raise exception 'tracknow: a concurrent transaction wrote the same sale or delivery first' using errcode = '40001';
        end
      $$`,
    )
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('drop function tracknow_lost_race()').execute(db);
}
