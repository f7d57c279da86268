import { sql, type Kysely } from 'kysely';
import type { Database, WebhookEventStatus } from './schema.js';
import { jsonRows } from './json-rows.js';

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

export const inboxKey = (r: { merchantId: string; platform: string; dedupeKey: string }) => `${r.merchantId}|${r.platform}|${r.dedupeKey}`;

/**
 * Stores deliveries once each: returns the new row id per inbox key; keys already stored
 * (by this statement or an earlier one) are absent and are duplicates.
 */
export async function insertInbox(trx: Kysely<Database>, records: readonly (InboxRecord & { id: string })[]): Promise<Map<string, string>> {
  if (records.length === 0) return new Map();
  const rows = jsonRows(records, {
    id: ['uuid', (r) => r.id],
    platform: ['text', (r) => r.platform],
    merchant_id: ['uuid', (r) => r.merchantId],
    source: ['text', (r) => r.source],
    dedupe_key: ['text', (r) => r.dedupeKey],
    order_id: ['text', (r) => r.orderId ?? null],
    event_type: ['text', (r) => r.eventType],
    headers: ['text', (r) => JSON.stringify(r.headers)],
    body: ['text', (r) => r.body],
  });
  const { rows: stored } = await sql<{ id: string; merchant_id: string; platform: string; dedupe_key: string }>`
    insert into webhook_events (id, platform, merchant_id, source, dedupe_key, order_id, event_type, headers, body)
    select id, platform, merchant_id, source, dedupe_key, order_id, event_type, headers::jsonb, body from ${rows}
    on conflict (merchant_id, platform, dedupe_key) do nothing
    returning id, merchant_id, platform, dedupe_key`.execute(trx);
  return new Map(stored.map((r) => [inboxKey({ merchantId: r.merchant_id, platform: r.platform, dedupeKey: r.dedupe_key }), r.id]));
}

export interface StoredDelivery {
  readonly id: string;
  readonly status: WebhookEventStatus;
  readonly outcome: string | null;
}

/** The stored rows of deliveries that turned out to be duplicates. */
export async function findInbox(trx: Kysely<Database>, keys: readonly { merchantId: string; platform: string; dedupeKey: string }[]): Promise<Map<string, StoredDelivery>> {
  if (keys.length === 0) return new Map();
  const wanted = jsonRows(keys, { m: ['uuid', (k) => k.merchantId], p: ['text', (k) => k.platform], d: ['text', (k) => k.dedupeKey] }, 'k');
  // The key list drives index probes: as an IN subquery, a stale row estimate once made the
  // planner rescan the list per stored row.
  const { rows } = await sql<StoredDelivery & { merchant_id: string; platform: string; dedupe_key: string }>`
    select w.id, w.merchant_id, w.platform, w.dedupe_key, w.status, w.outcome
    from ${wanted} join webhook_events w on w.merchant_id = k.m and w.platform = k.p and w.dedupe_key = k.d`.execute(trx);
  return new Map(rows.map((r) => [inboxKey({ merchantId: r.merchant_id, platform: r.platform, dedupeKey: r.dedupe_key }), r]));
}

export interface InboxResult {
  readonly id: string;
  readonly status: WebhookEventStatus;
  readonly outcome: string;
}

/** Records what processing decided, for every delivery of the batch, in one statement. */
export async function markInbox(trx: Kysely<Database>, results: readonly InboxResult[]): Promise<void> {
  if (results.length === 0) return;
  const values = jsonRows(results, { id: ['uuid', (r) => r.id], status: ['text', (r) => r.status], outcome: ['text', (r) => r.outcome] });
  await sql`
    update webhook_events as w
    set status = v.status, outcome = v.outcome, processed_at = now(), attempts = w.attempts + 1, last_error = null
    from ${values}
    where w.id = v.id`.execute(trx);
}
