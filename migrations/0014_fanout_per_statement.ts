import { sql, type Kysely } from 'kysely';

/**
 * The outbox's fanout jobs (0011) are queued once per statement instead of once per row: an
 * ingest batch writes its outbox rows in one insert, and a row trigger ran a PL/pgSQL call and an
 * insert of its own for each of them. The statement trigger reads the rows inserted from its
 * transition table and queues the same jobs (one per outbox row, same key) in one insert.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `create function jobs_notify_fanout_rows() returns trigger language plpgsql as $$
      begin
        insert into jobs (task, payload, key, max_attempts)
        select 'notify.fanout', jsonb_build_object('notification_id', n.id), 'notify.fanout:' || n.id, 25
        from inserted_notifications n
        where n.status = 'pending' and n.fanned_out_at is null
        on conflict (key) do nothing;
        return null;
      end
    $$`,
    'drop trigger notifications_fanout_job on notifications',
    'drop function jobs_notify_fanout',
    `create trigger notifications_fanout_job after insert on notifications
      referencing new table as inserted_notifications
      for each statement execute function jobs_notify_fanout_rows()`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    'drop trigger notifications_fanout_job on notifications',
    'drop function jobs_notify_fanout_rows',
    `create function jobs_notify_fanout() returns trigger language plpgsql as $$
      begin
        insert into jobs (task, payload, key, max_attempts)
        values ('notify.fanout', jsonb_build_object('notification_id', new.id), 'notify.fanout:' || new.id, 25)
        on conflict (key) do nothing;
        return null;
      end
    $$`,
    `create trigger notifications_fanout_job after insert on notifications
      for each row when (new.status = 'pending' and new.fanned_out_at is null)
      execute function jobs_notify_fanout()`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
