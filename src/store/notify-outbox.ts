import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import type { NotificationEvent } from './schema.js';
import { jsonRows } from './json-rows.js';

export interface OutboxMessage {
  readonly event: NotificationEvent;
  readonly influencerId: string | null;
  /** The sale, payout or run the message is about; (event, subject) is unique, so a retry adds nothing. */
  readonly subjectId: string;
  readonly payload: Record<string, unknown>;
}

/**
 * The insert of outbox rows, unexecuted, for one or more messages: ingest folds it into its write,
 * so a message exists iff its change committed.
 */
export function enqueueNotificationsSql(messages: readonly OutboxMessage[]): RawBuilder<unknown> {
  const rows = jsonRows(messages, {
    id: ['uuid', () => randomUUID()],
    event: ['text', (m) => m.event],
    influencer_id: ['uuid', (m) => m.influencerId],
    subject_id: ['uuid', (m) => m.subjectId],
    payload: ['text', (m) => JSON.stringify(m.payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))],
  });
  return sql`
    insert into notifications (id, event, influencer_id, subject_id, payload)
    select id, event, influencer_id, subject_id, payload::jsonb from ${rows}
    on conflict (event, subject_id) do nothing`;
}
