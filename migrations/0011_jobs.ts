import { sql, type Kysely } from 'kysely';

/**
 * One job table for all background work (modelled on graphile-worker). A job is a task name
 * and a JSON payload, due at `run_at`; a worker claims due jobs with FOR UPDATE SKIP LOCKED
 * and leases them (`locked_by`, `locked_at`); a lease older than the runner's lease time is
 * taken again, so a crashed worker's job runs once more. `attempts` counts claims; after
 * `max_attempts` the job is `failed` and stays listed (`tracknow jobs list --status failed`).
 * `key` dedupes (one job per cron tick, per outbox row, per inbox row). `lane` groups jobs
 * that share a receiver, so one slow receiver cannot take every worker.
 *
 * Work queued before this migration moves here: outbox rows not yet fanned out, pending and
 * failed notification deliveries (with their attempts and errors) and inbox rows waiting for
 * TikTok enrichment. New outbox rows and newly queued inbox rows get their job from a trigger,
 * in the same statement that writes them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes one at a time.
  for (const statement of [
    `create table jobs (
      id uuid primary key default gen_random_uuid(),
      task text not null check (task <> ''),
      payload jsonb not null default '{}'::jsonb,
      key text unique,
      lane text,
      status text not null default 'pending' check (status in ('pending', 'done', 'failed')),
      run_at timestamptz not null default now(),
      attempts integer not null default 0 check (attempts >= 0),
      max_attempts integer not null default 25 check (max_attempts >= 1),
      locked_by text,
      locked_at timestamptz,
      last_error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create index jobs_due_idx on jobs (run_at) where status = 'pending'`,
    `create index jobs_status_idx on jobs (status, updated_at)`,
    // Each new outbox row: one job that plans its deliveries (which receivers depends on the runner's SMTP).
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
    // An inbox row queued for enrichment (0004's triggers mark it 'enriching'): one job, re-armed if it ran before.
    `create function jobs_tiktok_enrich() returns trigger language plpgsql as $$
      begin
        insert into jobs (task, payload, key, max_attempts)
        values ('tiktok.enrich', jsonb_build_object('event_id', new.id, 'merchant_id', new.merchant_id, 'order_id', new.order_id),
          'tiktok.enrich:' || new.id, 12)
        on conflict (key) do update set status = 'pending', run_at = now(), attempts = 0, last_error = null,
          locked_by = null, locked_at = null, updated_at = now()
        where jobs.status <> 'pending';
        return null;
      end
    $$`,
    `create trigger webhook_events_enrich_job after insert on webhook_events
      for each row when (new.status = 'enriching')
      execute function jobs_tiktok_enrich()`,
    `create trigger webhook_events_enrich_job_mark after update of status on webhook_events
      for each row when (new.status = 'enriching' and old.status <> 'enriching')
      execute function jobs_tiktok_enrich()`,
    // Queued work moves over, nothing lost.
    `insert into jobs (task, payload, key, max_attempts, run_at, created_at)
      select 'notify.fanout', jsonb_build_object('notification_id', id), 'notify.fanout:' || id, 25, now(), created_at
      from notifications where fanned_out_at is null and status = 'pending'`,
    `insert into jobs (task, payload, key, lane, status, max_attempts, run_at, attempts, last_error, created_at)
      select 'notify.' || channel, jsonb_build_object('delivery_id', id), 'notify.deliver:' || id, coalesce(endpoint_id::text, 'smtp'),
        status, greatest(14, attempts + 1), case when claim_id is null then next_attempt_at else now() end,
        attempts, last_error, created_at
      from notification_deliveries where status in ('pending', 'failed')`,
    `update notification_deliveries set claim_id = null where claim_id is not null`,
    `insert into jobs (task, payload, key, max_attempts, run_at, attempts, last_error, created_at)
      select 'tiktok.enrich', jsonb_build_object('event_id', id, 'merchant_id', merchant_id, 'order_id', order_id),
        'tiktok.enrich:' || id, greatest(12, attempts + 1), coalesce(next_attempt_at, now()), attempts, last_error, received_at
      from webhook_events where status = 'enriching'`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    'drop trigger webhook_events_enrich_job_mark on webhook_events',
    'drop trigger webhook_events_enrich_job on webhook_events',
    'drop function jobs_tiktok_enrich',
    'drop trigger notifications_fanout_job on notifications',
    'drop function jobs_notify_fanout',
    'drop table jobs',
  ]) {
    await sql.raw(statement).execute(db);
  }
}
