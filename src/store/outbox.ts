import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, NotificationEvent } from './schema.js';

export interface OutboxMessage {
  readonly event: NotificationEvent;
  readonly influencerId: string | null;
  /** The sale, payout or run the message is about; (event, subject) is unique, so a retry adds nothing. */
  readonly subjectId: string;
  readonly payload: Record<string, unknown>;
}

/** Writes outbox rows inside the caller's transaction: a message exists iff its change committed. */
export async function enqueueNotifications(trx: Kysely<Database>, messages: readonly OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await trx
    .insertInto('notifications')
    .values(
      messages.map((m) => ({
        id: randomUUID(),
        event: m.event,
        influencer_id: m.influencerId,
        subject_id: m.subjectId,
        payload: JSON.stringify(m.payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      })),
    )
    .onConflict((oc) => oc.columns(['event', 'subject_id']).doNothing())
    .execute();
}
