import { sql, type Kysely } from 'kysely';

/**
 * One `notify.fanout` job per statement that writes outbox rows, carrying their ids
 * (`notification_ids`), instead of one job per row (0014). A job row is inserted, claimed and
 * settled, each touching four indexes; under webhook load (an outbox row per new sale) those
 * writes cost the database about as much as the ingest itself and were the tail of the
 * listener's latency (issue #22). The fan-out itself was already one statement for many rows.
 * Large statements (a backfill batch) get one job per 256 rows, so a job stays small. The key is
 * the smallest id's, `notify.fanout:<id>`: for a single row the same key as before.
 */
const CHUNK = 256;

export async function up(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `create or replace function jobs_notify_fanout_rows() returns trigger language plpgsql as $$
      begin
        insert into jobs (task, payload, key, max_attempts)
        select 'notify.fanout', jsonb_build_object('notification_ids', jsonb_agg(id order by id)),
          'notify.fanout:' || min(id::text), 25
        from (select n.id, (row_number() over (order by n.id) - 1) / ${CHUNK} as chunk
          from inserted_notifications n
          where n.status = 'pending' and n.fanned_out_at is null) rows
        group by chunk
        on conflict (key) do nothing;
        return null;
      end
    $$`,
    )
    .execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `create or replace function jobs_notify_fanout_rows() returns trigger language plpgsql as $$
      begin
        insert into jobs (task, payload, key, max_attempts)
        select 'notify.fanout', jsonb_build_object('notification_id', n.id), 'notify.fanout:' || n.id, 25
        from inserted_notifications n
        where n.status = 'pending' and n.fanned_out_at is null
        on conflict (key) do nothing;
        return null;
      end
    $$`,
    )
    .execute(db);
}
