import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, WebhookEventStatus } from './schema.js';
import { jsonRows, type Column } from './json-rows.js';

/** A delivery as stored in the raw inbox, before any processing. */
export interface InboxRecord {
  readonly platform: string;
  readonly merchantId: string;
  readonly dedupeKey: string;
  readonly source: 'webhook' | 'backfill' | 'reconcile' | 'test';
  readonly eventType: string;
  readonly orderId?: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export const inboxKey = (r: { merchantId: string; platform: string; dedupeKey: string }) =>
  `${r.merchantId}|${r.platform}|${r.dedupeKey}`;

/** A delivery stored with its outcome already decided (ingest decides before it writes). */
export interface DecidedDelivery extends InboxRecord {
  readonly id: string;
  readonly status: WebhookEventStatus;
  readonly outcome: string;
}

/**
 * The delivery with its id and what ingest decided, every field copied by name (`satisfies`
 * fails when InboxRecord grows). Not `{ ...record, id }`: V8 (Node 20) builds a spread followed
 * by new keys tens of times slower, with a map per object, and ingest copies each delivery twice.
 */
export function decidedDelivery(
  r: InboxRecord,
  id: string,
  status: WebhookEventStatus,
  outcome: string,
): DecidedDelivery {
  return {
    id,
    platform: r.platform,
    merchantId: r.merchantId,
    dedupeKey: r.dedupeKey,
    source: r.source,
    eventType: r.eventType,
    orderId: r.orderId,
    headers: r.headers,
    body: r.body,
    status,
    outcome,
  } satisfies Record<keyof DecidedDelivery, unknown>;
}

/** The columns a decided delivery is written with and how each is read (the backfill's COPY writes the same). */
export const DECIDED_COLUMNS: Readonly<Record<string, Column<DecidedDelivery>>> = {
  id: ['uuid', (r) => r.id],
  platform: ['text', (r) => r.platform],
  merchant_id: ['uuid', (r) => r.merchantId],
  source: ['text', (r) => r.source],
  dedupe_key: ['text', (r) => r.dedupeKey],
  order_id: ['text', (r) => r.orderId ?? null],
  event_type: ['text', (r) => r.eventType],
  headers: ['text', (r) => JSON.stringify(r.headers)],
  body: ['text', (r) => r.body],
  status: ['text', (r) => r.status],
  outcome: ['text', (r) => r.outcome],
};

/**
 * Stores decided deliveries as processed or ignored in one insert, unexecuted: ingest folds it
 * into its write. A key already stored is skipped (`returning` lists only the rows written),
 * which tells ingest that a concurrent delivery of the same event got there first.
 */
export function insertDecidedSql(records: readonly DecidedDelivery[]): RawBuilder<unknown> {
  const rows = jsonRows(records, DECIDED_COLUMNS);
  return sql`
    insert into webhook_events (id, platform, merchant_id, source, dedupe_key, order_id, event_type, headers, body, status, outcome, processed_at, attempts)
    select id, platform, merchant_id, source, dedupe_key, order_id, event_type, headers::jsonb, body, status, outcome, now(), 1 from ${rows}
    on conflict (merchant_id, platform, dedupe_key) do nothing
    returning id`;
}

export interface StoredDelivery {
  readonly id: string;
  readonly status: WebhookEventStatus;
  readonly outcome: string | null;
}

export interface InboxResult {
  readonly id: string;
  readonly status: WebhookEventStatus;
  readonly outcome: string;
}

/** Records what processing decided, for every delivery of the batch, in one statement. */
export async function markInbox(trx: Kysely<Database>, results: readonly InboxResult[]): Promise<void> {
  if (results.length === 0) return;
  const values = jsonRows(results, {
    id: ['uuid', (r) => r.id],
    status: ['text', (r) => r.status],
    outcome: ['text', (r) => r.outcome],
  });
  await sql`
    update webhook_events as w
    set status = v.status, outcome = v.outcome, processed_at = now(), attempts = w.attempts + 1, last_error = null
    from ${values}
    where w.id = v.id`.execute(trx);
}
