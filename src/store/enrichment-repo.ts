import { sql, type Kysely } from 'kysely';
import { jsonRows } from './json-rows.js';
import type { Database } from './schema.js';

/** One queued notification, as a worker holds it. */
export interface ClaimedEnrichment {
  readonly id: string;
  readonly merchantId: string;
  readonly orderId: string | null;
  /** Attempts including this one. */
  readonly attempts: number;
  /** The notification's type, and its body for return and cancellation notifications (their status decides the lookup). */
  readonly eventType?: string | null;
  readonly requestBody?: string | null;
}

/**
 * Claims up to `limit` due rows of the enrichment queue and leases them for `leaseMs`: their
 * `next_attempt_at` moves past the lease, so other workers skip them after this commits, and a
 * worker that dies mid-fetch only delays them. SKIP LOCKED: concurrent claimers never wait or overlap.
 */
export async function claimEnrichment(db: Kysely<Database>, options: { limit: number; leaseMs: number; merchantId?: string | undefined }): Promise<ClaimedEnrichment[]> {
  const merchant = options.merchantId === undefined ? sql`` : sql`and merchant_id = ${options.merchantId}`;
  const { rows } = await sql<{ id: string; merchant_id: string; order_id: string | null; attempts: number; event_type: string | null; request_body: string | null }>`
    update webhook_events as w
    set attempts = w.attempts + 1, next_attempt_at = now() + make_interval(secs => ${options.leaseMs / 1000})
    where w.id in (
      select id from webhook_events
      where status = 'enriching' and next_attempt_at <= now() ${merchant}
      order by next_attempt_at, id
      limit ${options.limit}
      for update skip locked)
    returning w.id, w.merchant_id, w.order_id, w.attempts, w.event_type,
      case when w.event_type in ('RETURN_STATUS_CHANGE', 'CANCELLATION_STATUS_CHANGE') then w.body end as request_body`.execute(db);
  return rows.map((r) => ({ id: r.id, merchantId: r.merchant_id, orderId: r.order_id, attempts: Number(r.attempts), eventType: r.event_type, requestBody: r.request_body }));
}

/** Ends the queue entries of these rows: processed, with what the fetched detail did. */
export async function completeEnrichment(db: Kysely<Database>, done: readonly { id: string; outcome: string }[]): Promise<void> {
  if (done.length === 0) return;
  const values = jsonRows(done, { id: ['uuid', (d) => d.id], outcome: ['text', (d) => d.outcome] });
  await sql`
    update webhook_events as w
    set status = 'processed', outcome = v.outcome, last_error = null, next_attempt_at = null, processed_at = now()
    from ${values}
    where w.id = v.id and w.status = 'enriching'`.execute(db);
}

/** A failed attempt: due again after `delayMs`, or 'failed' (kept, listed, replayable) when `giveUp`. */
export interface EnrichmentRetry {
  readonly id: string;
  readonly error: string;
  readonly delayMs: number;
  readonly giveUp: boolean;
}

export async function retryEnrichment(db: Kysely<Database>, retries: readonly EnrichmentRetry[]): Promise<void> {
  if (retries.length === 0) return;
  const values = jsonRows(retries, {
    id: ['uuid', (r) => r.id],
    error: ['text', (r) => r.error.slice(0, 1000)],
    delay_s: ['float8', (r) => r.delayMs / 1000],
    give_up: ['boolean', (r) => r.giveUp],
  });
  await sql`
    update webhook_events as w
    set last_error = v.error,
      status = case when v.give_up then 'failed' else 'enriching' end,
      next_attempt_at = case when v.give_up then null else now() + make_interval(secs => v.delay_s) end
    from ${values}
    where w.id = v.id and w.status = 'enriching'`.execute(db);
}

/** Ends the queue entries of a merchant's orders whose current detail another path (reconcile) ingested. */
export async function completeOrders(db: Kysely<Database>, merchantId: string, done: readonly { orderId: string; outcome: string }[]): Promise<void> {
  if (done.length === 0) return;
  const values = jsonRows(done, { order_id: ['text', (d) => d.orderId], outcome: ['text', (d) => d.outcome] });
  await sql`
    update webhook_events as w
    set status = 'processed', outcome = v.outcome, last_error = null, next_attempt_at = null, processed_at = now()
    from ${values}
    where w.merchant_id = ${merchantId} and w.platform = 'tiktok' and w.order_id = v.order_id and w.status = 'enriching'`.execute(db);
}
