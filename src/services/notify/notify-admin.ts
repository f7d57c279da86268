import type { Kysely } from 'kysely';
import { notFound } from '../../errors.js';
import {
  requeueFailed,
  selectDeliveries,
  selectNotifications,
  type DeliveryRow,
  type NotificationRow,
} from '../../store/notify-list-repo.js';
import type { Database, DeliveryStatus } from '../../store/schema.js';

export interface NotificationView {
  id: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  /** null unless pending. */
  next_attempt_at: Date | null;
  influencer_id: string | null;
  subject_id: string;
  created_at: Date;
  delivered_at: Date | null;
  deliveries: DeliveryView[];
}

export interface DeliveryView {
  channel: 'webhook' | 'email';
  endpoint_id: string | null;
  url: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
}

/** The outbox, newest first, each row with its receivers' states. */
export async function listNotifications(
  db: Kysely<Database>,
  o: { status?: DeliveryStatus; limit: number },
): Promise<NotificationView[]> {
  const rows = await selectNotifications(db, o);
  const deliveries = new Map<string, DeliveryRow[]>();
  for (const d of await selectDeliveries(
    db,
    rows.map((r) => r.id),
  ))
    deliveries.set(d.notification_id, [...(deliveries.get(d.notification_id) ?? []), d]);
  return rows.map((r) => view(r, deliveries.get(r.id) ?? []));
}

function view(r: NotificationRow, ds: readonly DeliveryRow[]): NotificationView {
  return {
    id: r.id,
    event: r.event,
    status: r.status,
    attempts: r.attempts,
    last_error: r.last_error,
    next_attempt_at: r.status === 'pending' ? r.next_attempt_at : null,
    influencer_id: r.influencer_id,
    subject_id: r.subject_id,
    created_at: r.created_at,
    delivered_at: r.delivered_at,
    deliveries: ds.map((d) => ({
      channel: d.channel,
      endpoint_id: d.endpoint_id,
      url: d.url,
      status: d.status,
      attempts: d.attempts,
      last_error: d.last_error,
      next_attempt_at: d.status === 'pending' ? d.next_attempt_at : null,
    })),
  };
}

export interface RetryResult {
  id: string;
  /** Failed deliveries put back in the queue, due now, with a fresh attempt budget (their jobs re-queued). */
  requeued: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Re-queues the failed deliveries of outbox rows. Unknown ids change nothing and fail the call. */
export async function retryNotifications(
  db: Kysely<Database>,
  ids: readonly string[],
  now = new Date(),
): Promise<RetryResult[]> {
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  const malformed = unique.filter((id) => !UUID.test(id));
  if (malformed.length > 0) throw notFound(`no notification ${malformed.join(', ')}; see \`tracknow notify list\``);
  const { requeued, missing } = await requeueFailed(db, unique, now, new Date(now.getTime() + 86_400_000));
  if (missing.length > 0) throw notFound(`no notification ${missing.join(', ')}; see \`tracknow notify list\``);
  return unique.map((id) => ({ id, requeued: requeued.get(id) ?? 0 }));
}
