import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import { isDbUnavailable } from '../errors.js';
import { text, type Json } from '../platforms/payload.js';
import { apiOrderDelivery, type ApiOrderDelivery } from '../platforms/tiktok-shop/api-order.js';
import { MAX_DETAIL_IDS } from '../platforms/tiktok-shop/api/client.js';
import { TikTokApiError } from '../platforms/tiktok-shop/api/errors.js';
import { claimEnrichment, completeEnrichment, retryEnrichment, type ClaimedEnrichment, type EnrichmentRetry } from '../store/enrichment-repo.js';
import type { Database } from '../store/schema.js';
import { ingestBatch, type IngestItem } from './ingest.js';
import { lookupReturns, needsReturnLookup } from './tiktok-returns.js';
import { TikTokSession, type SessionOptions } from './tiktok-session.js';
import { merchantSecrets } from './webhook-intake.js';

/** Backoff of the enrichment queue: base × 2^(attempt−1), capped; 'failed' after `maxAttempts`. */
export interface RetryPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  readonly maxAttempts: number;
}

/** 30 s, 1 min, 2 min … 1 h: twelve tries over about seven hours, inside TikTok's own 15.5 h of redelivery. */
export const ENRICH_RETRY: RetryPolicy = { baseMs: 30_000, capMs: 60 * 60_000, maxAttempts: 12 };

export interface EnrichOptions {
  readonly merchantId?: string | undefined;
  /** Rows claimed per round (default 50: one Get Order Detail call for one merchant). */
  readonly limit?: number;
  /** How long a claim holds its rows (default 2 min); a worker that dies only delays them this long. */
  readonly leaseMs?: number;
  readonly retry?: RetryPolicy;
  readonly session?: SessionOptions;
}

export interface EnrichSummary {
  readonly claimed: number;
  readonly enriched: number;
  readonly retried: number;
  readonly failed: number;
}

/** A delivery of an order's detail as an ingest item: source 'reconcile', keyed by the order's update time. */
export function detailItem(merchantId: string, d: ApiOrderDelivery): IngestItem {
  return { inbox: { platform: 'tiktok', merchantId, dedupeKey: d.dedupeKey, source: 'reconcile', eventType: d.eventType, orderId: d.orderId, headers: {}, body: d.body }, events: d.events };
}

/**
 * One round of the enrichment queue: claims due notifications, fetches their orders' details
 * (≤ 50 ids per call, per merchant), ingests each detail through the one pipeline, and marks
 * the notifications processed. Any failure (network, 5xx, 429, a token TikTok refuses even
 * after a refresh, an order TikTok does not know yet) puts the row back with backoff and its
 * error in `last_error`; the notification itself was ingested on receipt and is never lost.
 */
export async function enrichDue(db: Kysely<Database>, config: Config, options: EnrichOptions = {}): Promise<EnrichSummary> {
  const claimed = await claimEnrichment(db, { limit: options.limit ?? MAX_DETAIL_IDS, leaseMs: options.leaseMs ?? 120_000, merchantId: options.merchantId });
  const done: { id: string; outcome: string }[] = [];
  const retries: EnrichmentRetry[] = [];
  const policy = options.retry ?? ENRICH_RETRY;
  const fail = (rows: readonly ClaimedEnrichment[], err: unknown) => {
    if (isDbUnavailable(err)) throw err;
    for (const row of rows) retries.push(retryOf(row, err, policy));
  };
  for (const [merchantId, rows] of groupBy(claimed, (r) => r.merchantId)) {
    await enrichMerchant(db, config, merchantId, rows, options.session ?? {}, done, fail);
  }
  await completeEnrichment(db, done);
  await retryEnrichment(db, retries);
  const failed = retries.filter((r) => r.giveUp).length;
  return { claimed: claimed.length, enriched: done.length, retried: retries.length - failed, failed };
}

async function enrichMerchant(
  db: Kysely<Database>,
  config: Config,
  merchantId: string,
  rows: readonly ClaimedEnrichment[],
  sessionOptions: SessionOptions,
  done: { id: string; outcome: string }[],
  fail: (rows: readonly ClaimedEnrichment[], err: unknown) => void,
): Promise<void> {
  let session: TikTokSession;
  try {
    session = await TikTokSession.open(db, config, merchantId, sessionOptions);
  } catch (err) {
    return fail(rows, err);
  }
  // Returns and cancellations: their amount comes from Search Returns (a module of its own).
  const lookups = rows.filter(needsReturnLookup);
  if (lookups.length) await lookupReturns(db, session, lookups, { done: (id, outcome) => done.push({ id, outcome }), fail: (rs, err) => fail(rs as ClaimedEnrichment[], err) });
  const byOrder = groupBy(rows.filter((r) => !needsReturnLookup(r)), (r) => r.orderId ?? '');
  for (const row of byOrder.get('') ?? []) done.push({ id: row.id, outcome: 'nothing to enrich: no order id' });
  byOrder.delete('');
  const ids = [...byOrder.keys()];
  for (let at = 0; at < ids.length; at += MAX_DETAIL_IDS) {
    const chunk = ids.slice(at, at + MAX_DETAIL_IDS);
    let orders: Json[];
    try {
      orders = await session.run((client, creds) => client.orderDetails(creds, chunk));
    } catch (err) {
      fail(chunk.flatMap((id) => byOrder.get(id) ?? []), err);
      continue;
    }
    const items = new Map<string, IngestItem>();
    for (const order of orders) {
      const id = text(order.id) ?? '';
      if (!byOrder.has(id) || items.has(id)) continue;
      try {
        items.set(id, detailItem(merchantId, apiOrderDelivery(order, merchantSecrets(session.merchantRow))));
      } catch (err) {
        fail(byOrder.get(id)!, err);
      }
    }
    const missing = chunk.filter((id) => !items.has(id) && !orders.some((o) => text(o.id) === id));
    for (const id of missing) fail(byOrder.get(id)!, new TikTokApiError('rejected', `Get Order Detail: TikTok has no order ${id} (yet)`));
    try {
      const outcomes = await ingestBatch(db, [...items.values()]);
      [...items.keys()].forEach((id, n) => {
        const o = outcomes[n]!;
        for (const row of byOrder.get(id)!) done.push({ id: row.id, outcome: `enriched (detail event ${o.eventId}): ${o.outcome}: ${o.message}`.slice(0, 1000) });
      });
    } catch (err) {
      fail([...items.keys()].flatMap((id) => byOrder.get(id)!), err);
    }
  }
}

function retryOf(row: ClaimedEnrichment, err: unknown, policy: RetryPolicy): EnrichmentRetry {
  const backoff = Math.min(policy.baseMs * 2 ** Math.max(0, row.attempts - 1), policy.capMs);
  const retryAfter = err instanceof TikTokApiError ? (err.details.retryAfterMs ?? 0) : 0;
  const message = err instanceof Error ? err.message : String(err);
  return { id: row.id, error: `attempt ${row.attempts}: ${message}`, delayMs: Math.max(backoff, retryAfter), giveUp: row.attempts >= policy.maxAttempts };
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}
