import type { Kysely } from 'kysely';
import { asObject, text, type Json } from '../../platforms/payload.js';
import { returnsDelivery } from '../../platforms/tiktok-shop/api-returns.js';
import { MAX_DETAIL_IDS } from '../../platforms/tiktok-shop/api/client.js';
import { TikTokApiError } from '../../platforms/tiktok-shop/api/errors.js';
import { parseTikTok } from '../../platforms/tiktok-shop/parse.js';
import { cancellationStatus, returnStatus } from '../../platforms/tiktok-shop/status.js';
import type { MerchantSecrets } from '../../platforms/platform.js';
import type { Database } from '../../store/schema.js';
import { ingestBatch, type IngestItem } from '../ingest/ingest.js';
import type { TikTokSession } from './tiktok-session.js';
import { merchantSecrets } from '../ingest/webhook-intake.js';

/** A queued notification the lookup works on: its inbox row id, order, type and stored body. */
export interface ReturnLookup {
  readonly id: string;
  readonly orderId: string | null;
  readonly eventType?: string | null;
  readonly requestBody?: string | null;
}

/** Where the lookup reports: a row done (with what it did), or rows to retry with the error. */
export interface LookupSink {
  done(id: string, outcome: string): void;
  fail(rows: readonly ReturnLookup[], err: unknown): void;
}

const TYPES = new Set(['RETURN_STATUS_CHANGE', 'CANCELLATION_STATUS_CHANGE']);

/** Whether a queued notification is a return or cancellation: the amount comes from Search Returns, not order detail. */
export function needsReturnLookup(row: ReturnLookup): boolean {
  return TYPES.has(row.eventType ?? '');
}

/** The completed status of a return (type 12) or cancellation (type 11) notification, else undefined. */
function completed(row: ReturnLookup): 'return' | 'cancellation' | undefined {
  let data: Json | undefined;
  try {
    data = asObject(asObject(JSON.parse(row.requestBody ?? '{}'))?.data);
  } catch {
    return undefined;
  }
  if (row.eventType === 'RETURN_STATUS_CHANGE')
    return returnStatus(text(data?.return_status) ?? '') === 'refunded' ? 'return' : undefined;
  return cancellationStatus(text(data?.cancel_status) ?? '') === 'cancelled' ? 'cancellation' : undefined;
}

/**
 * TikTok return and cancellation notifications carry no amount. For those completed, asks
 * Search Returns (≤ 50 orders per call) and ingests each order's completed returns through the
 * one pipeline, each counted once by its `return_id` (refund_subtotal, else its lines). A
 * cancellation Search Returns knows nothing of cancels the whole order; a return it does not
 * show yet is retried by the queue. Requests still in flight change nothing.
 * Inputs → one call per chunk → ingest: the queue (or a job runner) only hands rows over.
 */
export async function lookupReturns(
  db: Kysely<Database>,
  session: TikTokSession,
  rows: readonly ReturnLookup[],
  sink: LookupSink,
  now = new Date(),
): Promise<void> {
  const byOrder = new Map<string, { row: ReturnLookup; kind: 'return' | 'cancellation' }[]>();
  for (const row of rows) {
    const kind = completed(row);
    if (kind === undefined || row.orderId === null) {
      sink.done(row.id, 'return or cancellation request not complete: nothing to look up');
      continue;
    }
    byOrder.set(row.orderId, [...(byOrder.get(row.orderId) ?? []), { row, kind }]);
  }
  const merchant = merchantSecrets(session.merchantRow);
  const ids = [...byOrder.keys()];
  for (let at = 0; at < ids.length; at += MAX_DETAIL_IDS) {
    const chunk = ids.slice(at, at + MAX_DETAIL_IDS);
    const rowsOf = (id: string) => (byOrder.get(id) ?? []).map((x) => x.row);
    let records: Json[];
    try {
      records = await session.run((client, creds) => client.searchReturns(creds, chunk));
    } catch (err) {
      sink.fail(chunk.flatMap(rowsOf), err);
      continue;
    }
    const items = new Map<string, IngestItem>();
    for (const orderId of chunk) {
      try {
        const item = itemFor(orderId, byOrder.get(orderId)!, records, merchant, now);
        if (item) items.set(orderId, item);
        else
          sink.fail(
            rowsOf(orderId),
            new TikTokApiError('rejected', `Search Returns: no completed return for order ${orderId} (yet)`),
          );
      } catch (err) {
        sink.fail(rowsOf(orderId), err);
      }
    }
    try {
      const outcomes = await ingestBatch(db, [...items.values()]);
      [...items.keys()].forEach((orderId, n) => {
        const o = outcomes[n]!;
        for (const row of rowsOf(orderId))
          sink.done(row.id, `returns looked up (event ${o.eventId}): ${o.outcome}: ${o.message}`.slice(0, 1000));
      });
    } catch (err) {
      sink.fail([...items.keys()].flatMap(rowsOf), err);
    }
  }
}

/** The ingest item for one order: its completed returns, else (a cancellation only) the whole order cancelled. */
function itemFor(
  orderId: string,
  rows: readonly { row: ReturnLookup; kind: string }[],
  records: readonly Json[],
  merchant: MerchantSecrets,
  now: Date,
): IngestItem | undefined {
  const found = returnsDelivery(orderId, records, merchant, now);
  if (found) {
    return {
      inbox: {
        platform: 'tiktok',
        merchantId: merchant.id,
        dedupeKey: found.dedupeKey,
        source: 'reconcile',
        eventType: 'SEARCH_RETURNS',
        orderId,
        headers: {},
        body: found.body,
      },
      events: found.events,
    };
  }
  const cancel = rows.find((r) => r.kind === 'cancellation');
  if (!cancel) return undefined;
  // TikTok knows no partial refund for it: the order was cancelled whole (confirmed, so not estimated).
  const dedupeKey = `cancel:${cancel.row.id}`;
  const parsed = parseTikTok(
    { headers: {}, rawBody: Buffer.from(cancel.row.requestBody ?? '{}', 'utf8'), receivedAt: now },
    { ...merchant, tiktokApiAccess: false },
    dedupeKey,
  );
  if (parsed.kind !== 'events') return undefined;
  const events = parsed.events.map(({ estimated: _estimated, ...e }) => e);
  return {
    inbox: {
      platform: 'tiktok',
      merchantId: merchant.id,
      dedupeKey,
      source: 'reconcile',
      eventType: parsed.eventType,
      orderId,
      headers: {},
      body: cancel.row.requestBody ?? '{}',
    },
    events,
  };
}
