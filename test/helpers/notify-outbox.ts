import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { enqueueNotificationsSql } from '../../src/store/notify-outbox.js';
import type { Database, NotificationEvent } from '../../src/store/schema.js';

/** A sale.created payload as ingest writes it (minor units as strings). */
export function salePayload(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sale_id: randomUUID(),
    merchant_id: randomUUID(),
    platform: 'tiktok',
    order_id: `o-${randomUUID().slice(0, 8)}`,
    status: 'pending',
    attribution: 'creator_id',
    currency: 'USD',
    amount_minor: '12550',
    commission_minor: '1883',
    event_time: '2026-10-01T12:00:00.000Z',
    ...changes,
  };
}

/** Writes `n` outbox rows for an influencer, as the services do; returns their ids, oldest first. */
export async function seedNotifications(
  db: Kysely<Database>,
  influencerId: string,
  n: number,
  event: NotificationEvent = 'sale.created',
  payload = salePayload,
): Promise<string[]> {
  const messages = Array.from({ length: n }, () => {
    const p = payload();
    return { event, influencerId, subjectId: typeof p.sale_id === 'string' ? p.sale_id : randomUUID(), payload: p };
  });
  for (let i = 0; i < messages.length; i += 500) await enqueueNotificationsSql(messages.slice(i, i + 500)).execute(db);
  const rows = await db
    .selectFrom('notifications')
    .select('id')
    .where(
      'subject_id',
      'in',
      messages.map((m) => m.subjectId),
    )
    .orderBy('created_at')
    .execute();
  return rows.map((r) => r.id);
}
