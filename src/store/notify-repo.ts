import { sql, type Kysely, type RawBuilder } from 'kysely';
import { instant, jsonRows } from './json-rows.js';
import type { Database, DeliveryStatus } from './schema.js';

/** A list of ids as ONE parameter (a JSON array), so no driver has to bind a JS array. */
export function uuidList(ids: readonly string[]): RawBuilder<unknown> {
  return sql`(select value::uuid from json_array_elements_text(${JSON.stringify(ids)}::json))`;
}

const at = (d: Date) => sql`${d.toISOString()}::timestamptz`;

export interface FanOutOptions {
  readonly now: Date;
  readonly giveUpAt: Date;
  /** Whether an email delivery is planned for influencers with an address (SMTP configured). */
  readonly email: boolean;
  readonly limit: number;
}

/**
 * Turns up to `limit` new outbox rows into one delivery per receiver: each active endpoint
 * that wants the event (for this influencer, or for all), and the influencer's email. A row
 * nobody receives is done at once. One statement; SKIP LOCKED lets runners share the work.
 */
export async function fanOutNotifications(db: Kysely<Database>, o: FanOutOptions): Promise<number> {
  const email = o.email
    ? sql`union all
      select gen_random_uuid(), p.id, 'email', null::uuid, ${at(o.now)}, ${at(o.giveUpAt)}
      from picked p join influencers i on i.id = p.influencer_id
      where coalesce(i.email, '') <> ''`
    : sql``;
  const { rows } = await sql<{ id: string }>`
    with picked as materialized (
      select id, event, influencer_id from notifications
      where fanned_out_at is null and status = 'pending'
      order by created_at limit ${o.limit}
      for update skip locked
    ), planned as (
      insert into notification_deliveries (id, notification_id, channel, endpoint_id, next_attempt_at, give_up_at)
      select gen_random_uuid(), p.id, 'webhook', e.id, ${at(o.now)}, ${at(o.giveUpAt)}
      from picked p join webhook_endpoints e on e.removed_at is null
        and (e.influencer_id is null or e.influencer_id = p.influencer_id)
        and (e.events is null or p.event = any(e.events))
      ${email}
      on conflict do nothing
      returning notification_id
    )
    update notifications n set
      fanned_out_at = ${at(o.now)},
      status = case when n.id in (select notification_id from planned) then 'pending' else 'delivered' end,
      delivered_at = case when n.id in (select notification_id from planned) then null else ${at(o.now)} end
    from picked p where n.id = p.id
    returning n.id`.execute(db);
  return rows.length;
}

export interface ClaimOptions {
  readonly claimId: string;
  readonly now: Date;
  /** Until when the claimed rows are ours; nobody else takes them before. */
  readonly leaseUntil: Date;
  readonly limit: number;
  readonly channels: readonly ('webhook' | 'email')[];
  /** Endpoints this run has stopped sending to (they hang). */
  readonly skipEndpoints: readonly string[];
}

/** A claimed delivery with everything needed to send it. */
export interface ClaimedRow {
  id: string;
  notification_id: string;
  channel: 'webhook' | 'email';
  endpoint_id: string | null;
  attempts: number;
  give_up_at: Date;
  event: string;
  influencer_id: string | null;
  payload: unknown;
  created_at: Date;
  url: string | null;
  secret: string | null;
  endpoint_removed: boolean;
  email: string | null;
  influencer_name: string | null;
  merchant_name: string | null;
}

/**
 * Claims due deliveries: locks them with SKIP LOCKED and leases them in one committed
 * statement, so sending happens outside any transaction and no other runner sends them meanwhile.
 */
export async function claimDeliveries(db: Kysely<Database>, o: ClaimOptions): Promise<ClaimedRow[]> {
  const skip = o.skipEndpoints.length > 0 ? sql`and (endpoint_id is null or endpoint_id not in ${uuidList(o.skipEndpoints)})` : sql``;
  const { rows } = await sql<ClaimedRow>`
    with due as materialized (
      select id from notification_deliveries
      where status = 'pending' and next_attempt_at <= ${at(o.now)}
        and channel in (select value from json_array_elements_text(${JSON.stringify(o.channels)}::json)) ${skip}
      order by next_attempt_at limit ${o.limit}
      for update skip locked
    ), claimed as (
      update notification_deliveries d set claim_id = ${o.claimId}::uuid, next_attempt_at = ${at(o.leaseUntil)}
      from due where d.id = due.id
      returning d.id, d.notification_id, d.channel, d.endpoint_id, d.attempts, d.give_up_at
    )
    select c.*, n.event, n.influencer_id, n.payload, n.created_at, e.url, e.secret, e.removed_at is not null as endpoint_removed,
      i.email, i.name as influencer_name, m.name as merchant_name
    from claimed c
    join notifications n on n.id = c.notification_id
    left join webhook_endpoints e on e.id = c.endpoint_id
    left join influencers i on i.id = n.influencer_id
    left join merchants m on m.id = case when n.payload->>'merchant_id' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then (n.payload->>'merchant_id')::uuid end`.execute(db);
  return rows;
}

export interface AttemptRecord {
  readonly id: string;
  readonly at: Date;
  readonly status: DeliveryStatus;
  /** When pending: the next attempt. */
  readonly nextAttemptAt?: Date | undefined;
  readonly error: string | null;
}

/**
 * Writes attempts' results, one statement for the batch and only while our claim holds,
 * then refreshes their outbox rows. Returns how many were written.
 */
export async function recordAttempts(db: Kysely<Database>, claimId: string, records: readonly AttemptRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  const rows = jsonRows(records, {
    id: ['uuid', (r) => r.id],
    status: ['text', (r) => r.status],
    error: ['text', (r) => r.error],
    at: ['timestamptz', (r) => instant(r.at)],
    next_at: ['timestamptz', (r) => instant(r.nextAttemptAt ?? r.at)],
  });
  return db.transaction().execute(async (trx) => {
    const { rows: written } = await sql<{ notification_id: string }>`
      update notification_deliveries d set
        status = v.status, attempts = d.attempts + 1, last_error = v.error, last_attempt_at = v.at,
        next_attempt_at = v.next_at, delivered_at = case when v.status = 'delivered' then v.at end, claim_id = null
      from ${rows}
      where d.id = v.id and d.claim_id = ${claimId}::uuid
      returning d.notification_id`.execute(trx);
    await refreshNotifications(trx, [...new Set(written.map((x) => x.notification_id))]);
    return written.length;
  });
}

/** Gives claimed rows back unattempted, due again at `at`. */
export async function releaseDeliveries(db: Kysely<Database>, ids: readonly string[], claimId: string, when: Date): Promise<void> {
  if (ids.length === 0) return;
  await sql`update notification_deliveries set claim_id = null, next_attempt_at = ${at(when)}
    where id in ${uuidList(ids)} and claim_id = ${claimId}::uuid`.execute(db);
}

/**
 * Recomputes outbox rows from their deliveries: pending while any is, failed when any failed,
 * else delivered. Locks the rows first, so the aggregate reads deliveries committed by a
 * concurrent runner that held them (the next statement takes a fresh snapshot).
 */
export async function refreshNotifications(trx: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`select id from notifications where id in ${uuidList(ids)} order by id for update`.execute(trx);
  await sql`
    update notifications n set
      status = a.status, attempts = a.attempts, last_error = a.last_error,
      next_attempt_at = coalesce(a.next_at, n.next_attempt_at),
      delivered_at = case when a.status = 'delivered' then coalesce(n.delivered_at, a.delivered_at) end
    from (
      select notification_id,
        case when bool_or(status = 'pending') then 'pending' when bool_or(status = 'failed') then 'failed' else 'delivered' end as status,
        max(attempts) as attempts,
        (array_agg(last_error order by last_attempt_at desc nulls last) filter (where status <> 'delivered' and last_error is not null))[1] as last_error,
        min(next_attempt_at) filter (where status = 'pending') as next_at,
        max(delivered_at) as delivered_at
      from notification_deliveries where notification_id in ${uuidList(ids)}
      group by notification_id
    ) a
    where n.id = a.notification_id`.execute(trx);
}
