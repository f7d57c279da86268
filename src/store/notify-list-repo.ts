import { sql, type Kysely } from 'kysely';
import { requeueJobs } from './jobs-repo.js';
import { refreshNotifications, uuidList } from './notify-repo.js';
import type { Database, DeliveryStatus } from './schema.js';

export interface NotificationRow {
  id: string;
  event: string;
  influencer_id: string | null;
  subject_id: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  created_at: Date;
  delivered_at: Date | null;
  fanned_out_at: Date | null;
}

export interface DeliveryRow {
  id: string;
  notification_id: string;
  channel: 'webhook' | 'email';
  endpoint_id: string | null;
  url: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  delivered_at: Date | null;
}

/** Outbox rows, newest first. */
export async function selectNotifications(
  db: Kysely<Database>,
  o: { status?: DeliveryStatus; limit: number },
): Promise<NotificationRow[]> {
  let q = db
    .selectFrom('notifications')
    .select([
      'id',
      'event',
      'influencer_id',
      'subject_id',
      'status',
      'attempts',
      'last_error',
      'next_attempt_at',
      'created_at',
      'delivered_at',
      'fanned_out_at',
    ])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit);
  if (o.status) q = q.where('status', '=', o.status);
  return q.execute();
}

/** The deliveries of some outbox rows, with their endpoint's URL. */
export async function selectDeliveries(
  db: Kysely<Database>,
  notificationIds: readonly string[],
): Promise<DeliveryRow[]> {
  if (notificationIds.length === 0) return [];
  const { rows } = await sql<DeliveryRow>`
    select d.id, d.notification_id, d.channel, d.endpoint_id, e.url, d.status, d.attempts, d.last_error, d.next_attempt_at, d.delivered_at
    from notification_deliveries d left join webhook_endpoints e on e.id = d.endpoint_id
    where d.notification_id in ${uuidList(notificationIds)}
    order by d.channel desc, e.created_at, d.id`.execute(db);
  return rows;
}

/**
 * Re-queues the failed deliveries of outbox rows, due at `now` with a fresh retry window;
 * deliveries to removed endpoints stay failed. Returns how many were re-queued per id, or,
 * changing nothing, the ids that do not exist.
 */
export async function requeueFailed(
  db: Kysely<Database>,
  ids: readonly string[],
  now: Date,
  giveUpAt: Date,
): Promise<{ requeued: Map<string, number>; missing: string[] }> {
  return db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('notifications').select('id').where('id', 'in', ids).execute();
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length > 0) return { requeued: new Map<string, number>(), missing };
    const { rows } = await sql<{ id: string; notification_id: string }>`
      update notification_deliveries d set status = 'pending', attempts = 0, claim_id = null,
        next_attempt_at = ${now.toISOString()}::timestamptz, give_up_at = ${giveUpAt.toISOString()}::timestamptz
      where d.notification_id in ${uuidList(ids)} and d.status = 'failed'
        and (d.endpoint_id is null or exists (select 1 from webhook_endpoints e where e.id = d.endpoint_id and e.removed_at is null))
      returning d.id, d.notification_id`.execute(trx);
    // The delivery attempts are jobs: theirs go back in the queue with a fresh attempt budget.
    await requeueJobs(trx, { keys: rows.map((r) => `notify.deliver:${r.id}`) }, now);
    await refreshNotifications(trx, [...new Set(rows.map((r) => r.notification_id))]);
    const counts = new Map(found.map((f) => [f.id, 0]));
    for (const r of rows) counts.set(r.notification_id, (counts.get(r.notification_id) ?? 0) + 1);
    return { requeued: counts, missing };
  });
}
