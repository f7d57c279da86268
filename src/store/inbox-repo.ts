import { sql, type Kysely } from 'kysely';
import type { Database, WebhookEventStatus } from './schema.js';

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
  const rows = await trx
    .insertInto('webhook_events')
    .values(
      records.map((r) => ({
        id: r.id,
        platform: r.platform,
        merchant_id: r.merchantId,
        source: r.source,
        dedupe_key: r.dedupeKey,
        order_id: r.orderId ?? null,
        event_type: r.eventType,
        headers: JSON.stringify(r.headers),
        body: r.body,
      })),
    )
    .onConflict((oc) => oc.columns(['merchant_id', 'platform', 'dedupe_key']).doNothing())
    .returning(['id', 'merchant_id', 'platform', 'dedupe_key'])
    .execute();
  return new Map(rows.map((r) => [inboxKey({ merchantId: r.merchant_id, platform: r.platform, dedupeKey: r.dedupe_key }), r.id]));
}

export interface StoredDelivery {
  readonly id: string;
  readonly status: WebhookEventStatus;
  readonly outcome: string | null;
}

/** The stored rows of deliveries that turned out to be duplicates. */
export async function findInbox(trx: Kysely<Database>, keys: readonly { merchantId: string; platform: string; dedupeKey: string }[]): Promise<Map<string, StoredDelivery>> {
  if (keys.length === 0) return new Map();
  const tuples = keys.map((k) => sql`(${k.merchantId}::uuid, ${k.platform}, ${k.dedupeKey})`);
  const rows = await trx
    .selectFrom('webhook_events')
    .select(['id', 'merchant_id', 'platform', 'dedupe_key', 'status', 'outcome'])
    .where(sql<boolean>`(merchant_id, platform, dedupe_key) in (${sql.join(tuples)})`)
    .execute();
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
  const values = results.map((r) => sql`(${r.id}::uuid, ${r.status}, ${r.outcome})`);
  await sql`
    update webhook_events as w
    set status = v.status, outcome = v.outcome, processed_at = now(), attempts = w.attempts + 1, last_error = null
    from (values ${sql.join(values)}) as v(id, status, outcome)
    where w.id = v.id`.execute(trx);
}
