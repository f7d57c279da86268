import { sql, type Kysely } from 'kysely';

/**
 * Delivery of the notification outbox. A `notifications` row fans out, once, into one
 * `notification_deliveries` row per receiver (a webhook endpoint, or the influencer's email),
 * each with its own retry state; the outbox row then carries their aggregate status.
 * Endpoints are removed softly, so delivery history keeps its foreign keys.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One statement per query: PGlite's extended protocol takes one at a time.
  for (const statement of [
    `create table webhook_endpoints (
      id uuid primary key,
      url text not null check (url ~* '^https?://[^/?#]+'),
      influencer_id uuid references influencers(id),
      events text[],
      secret text not null check (secret like 'whsec_%'),
      created_at timestamptz not null default now(),
      removed_at timestamptz
    )`,
    `create index webhook_endpoints_active_idx on webhook_endpoints (influencer_id) where removed_at is null`,
    `alter table notifications add column fanned_out_at timestamptz`,
    `create index notifications_fanout_idx on notifications (created_at) where fanned_out_at is null`,
    `create index notifications_created_idx on notifications (created_at)`,
    `create table notification_deliveries (
      id uuid primary key,
      notification_id uuid not null references notifications(id) on delete cascade,
      channel text not null check (channel in ('webhook', 'email')),
      endpoint_id uuid references webhook_endpoints(id),
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0 check (attempts >= 0),
      last_error text,
      next_attempt_at timestamptz not null,
      give_up_at timestamptz not null,
      claim_id uuid,
      last_attempt_at timestamptz,
      created_at timestamptz not null default now(),
      delivered_at timestamptz,
      check ((channel = 'webhook') = (endpoint_id is not null)),
      unique (notification_id, endpoint_id)
    )`,
    `create unique index notification_deliveries_email_key on notification_deliveries (notification_id) where channel = 'email'`,
    `create index notification_deliveries_due_idx on notification_deliveries (next_attempt_at) where status = 'pending'`,
    `create index notification_deliveries_endpoint_idx on notification_deliveries (endpoint_id) where status = 'pending'`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `drop table notification_deliveries`,
    `drop index notifications_created_idx`,
    `drop index notifications_fanout_idx`,
    `alter table notifications drop column fanned_out_at`,
    `drop table webhook_endpoints`,
  ]) {
    await sql.raw(statement).execute(db);
  }
}
