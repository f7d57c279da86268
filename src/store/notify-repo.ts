import { sql, type Kysely, type RawBuilder } from 'kysely';
import { instant, jsonRows } from './json-rows.js';
import type { Database, DeliveryStatus } from './schema.js';

/** A list of ids as ONE parameter (a JSON array), so no driver has to bind a JS array. */
export function uuidList(ids: readonly string[]): RawBuilder<unknown> {
  return sql`(select value::uuid from json_array_elements_text(${JSON.stringify(ids)}::json))`;
}

const at = (d: Date) => sql`${d.toISOString()}::timestamptz`;

export interface FanOutOptions {
  /** The outbox rows to fan out (their `notify.fanout` jobs). */
  readonly ids: readonly string[];
  readonly now: Date;
  /** Whether an email delivery is planned for influencers with an address (SMTP configured). */
  readonly email: boolean;
  /** Attempts each delivery job gets. */
  readonly maxAttempts: number;
}

/**
 * Turns outbox rows into one delivery per receiver: each active endpoint that wants the event
 * (for this influencer, or for all), and the influencer's email. Each delivery gets its job
 * (`notify.webhook` in the endpoint's lane, `notify.email` in the lane 'smtp') in the same
 * statement. A row nobody receives is done at once. Returns how many rows were fanned out.
 */
export async function fanOutNotifications(db: Kysely<Database>, o: FanOutOptions): Promise<number> {
  if (o.ids.length === 0) return 0;
  const giveUp = new Date(o.now.getTime() + 86_400_000); // kept for the column; the job's max_attempts rules
  const email = o.email
    ? sql`union all
      select gen_random_uuid(), p.id, 'email', null::uuid, ${at(o.now)}, ${at(giveUp)}
      from picked p join influencers i on i.id = p.influencer_id
      where coalesce(i.email, '') <> ''`
    : sql``;
  // Each wanted row is a primary-key probe (a lateral subquery). Matched as `id in (list)`, the
  // planner scanned both partial indexes of rows not yet fanned out, which also hold every row
  // fanned out since the last vacuum: thousands of entries per fan-out under webhook load.
  const { rows } = await sql<{ id: string }>`
    with picked as materialized (
      select n.id, n.event, n.influencer_id
      from (select distinct value::uuid as id from json_array_elements_text(${JSON.stringify(o.ids)}::json)) as wanted
      cross join lateral (select id, event, influencer_id from notifications
        where id = wanted.id and fanned_out_at is null and status = 'pending'
        for update skip locked) n
    ), planned as (
      insert into notification_deliveries (id, notification_id, channel, endpoint_id, next_attempt_at, give_up_at)
      select gen_random_uuid(), p.id, 'webhook', e.id, ${at(o.now)}, ${at(giveUp)}
      from picked p join webhook_endpoints e on e.removed_at is null
        and (e.influencer_id is null or e.influencer_id = p.influencer_id)
        and (e.events is null or p.event = any(e.events))
      ${email}
      on conflict do nothing
      returning id, notification_id, channel, endpoint_id
    ), queued as (
      insert into jobs (task, payload, key, lane, run_at, max_attempts)
      select 'notify.' || channel, jsonb_build_object('delivery_id', id), 'notify.deliver:' || id,
        coalesce(endpoint_id::text, 'smtp'), ${at(o.now)}, ${o.maxAttempts}
      from planned
      on conflict (key) do nothing
    )
    update notifications n set
      fanned_out_at = ${at(o.now)},
      status = case when n.id in (select notification_id from planned) then 'pending' else 'delivered' end,
      delivered_at = case when n.id in (select notification_id from planned) then null else ${at(o.now)} end
    from picked p where n.id = p.id
    returning n.id`.execute(db);
  return rows.length;
}

/** A delivery with everything needed to send it. */
export interface DeliveryToSend {
  id: string;
  notification_id: string;
  channel: 'webhook' | 'email';
  endpoint_id: string | null;
  status: DeliveryStatus;
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

export async function loadDelivery(db: Kysely<Database>, id: string): Promise<DeliveryToSend | undefined> {
  const { rows } = await sql<DeliveryToSend>`
    select d.id, d.notification_id, d.channel, d.endpoint_id, d.status, n.event, n.influencer_id, n.payload, n.created_at,
      e.url, e.secret, e.removed_at is not null as endpoint_removed, i.email, i.name as influencer_name, m.name as merchant_name
    from notification_deliveries d
    join notifications n on n.id = d.notification_id
    left join webhook_endpoints e on e.id = d.endpoint_id
    left join influencers i on i.id = n.influencer_id
    left join merchants m on m.id = case when n.payload->>'merchant_id' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then (n.payload->>'merchant_id')::uuid end
    where d.id = ${id}::uuid`.execute(db);
  return rows[0];
}

export interface DeliveryState {
  readonly id: string;
  readonly status: DeliveryStatus;
  /** The job's attempts so far. */
  readonly attempts: number;
  /** Set when an attempt was made now (not when work was given back unattempted). */
  readonly attemptedAt?: Date | undefined;
  readonly nextAttemptAt?: Date | undefined;
  /** undefined: keep the last one. */
  readonly error?: string | null | undefined;
}

/**
 * Mirrors delivery jobs' states into their delivery rows (the record of what was sent), then
 * refreshes their outbox rows; one statement for the batch. A delivery no longer pending (its
 * endpoint was removed) is left alone.
 */
export async function recordDeliveries(trx: Kysely<Database>, states: readonly DeliveryState[]): Promise<void> {
  if (states.length === 0) return;
  const rows = jsonRows(states, {
    id: ['uuid', (d) => d.id],
    status: ['text', (d) => d.status],
    attempts: ['int4', (d) => d.attempts],
    keep_error: ['boolean', (d) => d.error === undefined],
    error: ['text', (d) => d.error ?? null],
    attempted_at: ['timestamptz', (d) => instant(d.attemptedAt ?? null)],
    next_at: ['timestamptz', (d) => instant(d.nextAttemptAt ?? null)],
  });
  const { rows: written } = await sql<{ notification_id: string }>`
    update notification_deliveries d set status = v.status, attempts = v.attempts,
      last_error = case when v.keep_error then d.last_error else v.error end,
      last_attempt_at = coalesce(v.attempted_at, d.last_attempt_at),
      next_attempt_at = coalesce(v.next_at, d.next_attempt_at),
      delivered_at = case when v.status = 'delivered' then coalesce(v.attempted_at, now()) end
    from ${rows}
    where d.id = v.id and d.status = 'pending'
    returning d.notification_id`.execute(trx);
  await refreshNotifications(trx, [...new Set(written.map((r) => r.notification_id))]);
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
