import { sql, type Kysely } from 'kysely';
import { closeJobs } from './jobs-repo.js';
import { jsonRows } from './json-rows.js';
import type { Database } from './schema.js';

/** Whether an inbox row still waits for its enrichment. */
export async function enrichmentPending(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db.selectFrom('webhook_events').select('status').where('id', '=', id).executeTakeFirst();
  return row?.status === 'enriching';
}

export type EnrichmentState =
  | { readonly id: string; readonly attempts: number; readonly status: 'processed'; readonly outcome: string }
  | { readonly id: string; readonly attempts: number; readonly status: 'failed'; readonly error: string }
  | {
      readonly id: string;
      readonly attempts: number;
      readonly status: 'enriching';
      readonly error: string | undefined;
      readonly nextAttemptAt: Date;
    };

/**
 * Mirrors enrichment jobs' states into their inbox rows (the record `events list` shows), one
 * statement for the batch: processed with what the detail did, failed (kept, listed, replayable),
 * or still enriching with its last error and next attempt. A row settled meanwhile is left alone.
 */
export async function recordEnrichments(trx: Kysely<Database>, states: readonly EnrichmentState[]): Promise<void> {
  if (states.length === 0) return;
  const rows = jsonRows(states, {
    id: ['uuid', (s) => s.id],
    status: ['text', (s) => s.status],
    attempts: ['int4', (s) => s.attempts],
    outcome: ['text', (s) => (s.status === 'processed' ? s.outcome : null)],
    keep_error: ['boolean', (s) => s.status === 'enriching' && s.error === undefined],
    error: ['text', (s) => (s.status === 'processed' ? null : (s.error ?? null))],
    next_at: ['timestamptz', (s) => (s.status === 'enriching' ? s.nextAttemptAt.toISOString() : null)],
  });
  await sql`
    update webhook_events w set status = v.status, attempts = v.attempts, outcome = coalesce(v.outcome, w.outcome),
      last_error = case when v.keep_error then w.last_error else v.error end,
      next_attempt_at = v.next_at,
      processed_at = case when v.status = 'processed' then now() else w.processed_at end
    from ${rows}
    where w.id = v.id and w.status = 'enriching'`.execute(trx);
}

/** Ends the queue entries (and their jobs) of a merchant's orders whose current detail another path (reconcile) ingested. */
export async function completeOrders(
  db: Kysely<Database>,
  merchantId: string,
  done: readonly { orderId: string; outcome: string }[],
): Promise<void> {
  if (done.length === 0) return;
  const values = jsonRows(done, { order_id: ['text', (d) => d.orderId], outcome: ['text', (d) => d.outcome] });
  const { rows } = await sql<{ id: string }>`
    update webhook_events as w
    set status = 'processed', outcome = v.outcome, last_error = null, next_attempt_at = null, processed_at = now()
    from ${values}
    where w.merchant_id = ${merchantId} and w.platform = 'tiktok' and w.order_id = v.order_id and w.status = 'enriching'
    returning w.id`.execute(db);
  await closeJobs(
    db,
    rows.map((r) => `tiktok.enrich:${r.id}`),
    { status: 'done' },
  );
}

/** A queued notification's order and type and, for returns and cancellations, its body (their status decides the lookup). */
export async function enrichmentNotification(
  db: Kysely<Database>,
  id: string,
): Promise<{ id: string; orderId: string | null; eventType: string | null; requestBody: string | null } | undefined> {
  const row = await db
    .selectFrom('webhook_events')
    .select(['id', 'order_id', 'event_type'])
    .select(
      sql<
        string | null
      >`case when event_type in ('RETURN_STATUS_CHANGE', 'CANCELLATION_STATUS_CHANGE') then body end`.as(
        'request_body',
      ),
    )
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { id: row.id, orderId: row.order_id, eventType: row.event_type, requestBody: row.request_body };
}
