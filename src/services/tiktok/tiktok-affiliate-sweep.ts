import { sql, type Kysely } from 'kysely';
import type { Config } from '../../config.js';
import { text, type Json } from '../../platforms/payload.js';
import { affiliateOrderDelivery } from '../../platforms/tiktok-shop/affiliate-order.js';
import { apiOrderDelivery } from '../../platforms/tiktok-shop/api-order.js';
import { MAX_DETAIL_IDS } from '../../platforms/tiktok-shop/api/client.js';
import { TikTokApiError } from '../../platforms/tiktok-shop/api/errors.js';
import { completeOrders } from '../../store/enrichment-repo.js';
import type { Database } from '../../store/schema.js';
import { ingestBatch, type IngestItem, type SaleChange } from '../ingest/ingest.js';
import { detailItem } from './tiktok-enrich.js';
import { TikTokSession, withRetries, type RetryOptions, type SessionOptions } from './tiktok-session.js';
import { merchantSecrets } from '../ingest/webhook-intake.js';

export interface AffiliateSweepOptions {
  readonly merchantId: string;
  /** Orders created in [since, until); the window reaches further back for pending sales (see below). */
  readonly since: Date;
  readonly until: Date;
  readonly dryRun?: boolean;
  readonly pageSize?: number;
  readonly retry?: RetryOptions;
  readonly session?: SessionOptions;
}

export interface AffiliateSweepSummary {
  readonly orders: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly errors: { order_id: string | null; message: string }[];
  /** Why the sweep did not run (the affiliate scope is missing); null when it ran. */
  readonly skipped: string | null;
  readonly since: Date;
  readonly until: Date;
}

/** How far back a sweep looks for orders TikTok's affiliate API listed late (`--since` reaches further). */
const AFFILIATE_LAG_MS = 3 * 86_400_000;

/**
 * The affiliate sweep: pages through Search Seller Affiliate Orders for orders created in the
 * window, and ingests each through the one pipeline: its Get Order Detail first (as reconcile
 * does), then the affiliate order, which attributes it to the creator linked to its
 * `creator_username` and records TikTok's commission. Keys are content hashes, so a second sweep
 * changes nothing. The window reaches back to pending TikTok sales of the last three days that
 * no affiliate record has covered yet: an order TikTok had not listed is completed by a later
 * sweep. Returns TikTok counts later are read by any sweep whose window covers the order. A missing affiliate scope ends the sweep with `skipped`
 * saying how to grant it; it never throws for TikTok's answers, so the order search carries on.
 */
export async function sweepAffiliateOrders(
  db: Kysely<Database>,
  config: Config,
  options: AffiliateSweepOptions,
  opened?: TikTokSession,
): Promise<AffiliateSweepSummary> {
  const session = opened ?? (await TikTokSession.open(db, config, options.merchantId, options.session));
  const since = await windowStart(db, session, options.since, options.until);
  const tally: Tally = { orders: 0, created: 0, updated: 0, unchanged: 0, errors: [] };
  const done = (skipped: string | null): AffiliateSweepSummary => ({ ...tally, skipped, since, until: options.until });
  const seen = new Set<string>();
  let pageToken: string | undefined;
  do {
    const token = pageToken;
    let page: Awaited<ReturnType<TikTokSession['client']['searchAffiliateOrders']>>;
    try {
      const search = {
        createTimeGe: seconds(since),
        createTimeLt: seconds(options.until),
        pageSize: options.pageSize ?? 50,
      };
      page = await withRetries(
        () =>
          session.run((client, creds) =>
            client.searchAffiliateOrders(creds, { ...search, ...(token === undefined ? {} : { pageToken: token }) }),
          ),
        options.retry,
      );
    } catch (err) {
      if (!(err instanceof TikTokApiError)) throw err;
      if (err.problem === 'scope_missing') return done(scopeMessage(options.merchantId, err));
      tally.errors.push({ order_id: null, message: `affiliate sweep stopped: ${err.message}` });
      return done(null);
    }
    if (page.nextPageToken !== undefined && seen.has(page.nextPageToken)) {
      tally.errors.push({
        order_id: null,
        message: 'affiliate sweep stopped: Search Seller Affiliate Orders sent a page token twice',
      });
      return done(null);
    }
    if (page.nextPageToken !== undefined) seen.add(page.nextPageToken);
    pageToken = page.nextPageToken;
    await ingestPage(db, session, page.orders, options, tally);
  } while (pageToken !== undefined);
  return done(null);
}

interface Tally {
  orders: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: AffiliateSweepSummary['errors'];
}

/** One page: details for its orders (≤ 50 ids a call), then one ingest batch, each order's detail before its affiliate record. */
async function ingestPage(
  db: Kysely<Database>,
  session: TikTokSession,
  orders: readonly Json[],
  options: AffiliateSweepOptions,
  tally: Tally,
): Promise<void> {
  const merchant = session.merchantRow;
  const ids = [...new Set(orders.flatMap((o) => (text(o.id) === undefined ? [] : [text(o.id)!])))];
  const details = new Map<string, IngestItem>();
  for (let at = 0; at < ids.length; at += MAX_DETAIL_IDS) {
    const chunk = ids.slice(at, at + MAX_DETAIL_IDS);
    let found: Json[] = [];
    try {
      found = await withRetries(() => session.run((client, creds) => client.orderDetails(creds, chunk)), options.retry);
    } catch (err) {
      if (!(err instanceof TikTokApiError)) throw err; // no detail: the affiliate prices stand in
    }
    for (const detail of found) {
      try {
        const d = apiOrderDelivery(detail, merchantSecrets(merchant));
        details.set(d.orderId, detailItem(merchant.id, d));
      } catch {
        // an unreadable detail: the affiliate prices stand in
      }
    }
  }
  const items: IngestItem[] = [];
  const owners: string[] = [];
  for (const order of orders) {
    tally.orders++;
    try {
      const detail = details.get(text(order.id) ?? '');
      const a = affiliateOrderDelivery(order, merchant, detail === undefined);
      const inbox = {
        platform: 'tiktok' as const,
        merchantId: merchant.id,
        dedupeKey: a.dedupeKey,
        source: 'reconcile' as const,
        eventType: a.eventType,
        orderId: a.orderId,
        headers: {},
        body: a.body,
      };
      for (const item of detail ? [detail, { inbox, events: [a.event] }] : [{ inbox, events: [a.event] }]) {
        items.push(item);
        owners.push(a.orderId);
      }
    } catch (err) {
      tally.errors.push({ order_id: text(order.id) ?? null, message: (err as Error).message });
    }
  }
  const outcomes = await ingestBatch(db, items, { dryRun: options.dryRun ?? false });
  const change = new Map<string, SaleChange>();
  outcomes.forEach((o, n) => change.set(owners[n]!, strongest(change.get(owners[n]!), o.change)));
  for (const c of change.values()) {
    if (c === 'created') tally.created++;
    else if (c === 'updated') tally.updated++;
    else tally.unchanged++;
  }
  if (!options.dryRun) {
    const settled = [...details.values()].map((d) => ({
      orderId: d.inbox.orderId!,
      outcome: 'enriched by the affiliate sweep',
    }));
    await completeOrders(db, merchant.id, settled);
  }
}

const strongest = (a: SaleChange | undefined, b: SaleChange): SaleChange =>
  a === 'created' || b === 'created' ? 'created' : a === 'updated' || b === 'updated' ? 'updated' : 'none';

/**
 * The window's start: `since`, or the earliest pending TikTok sale of the last few days that
 * TikTok's affiliate data has not covered yet (no platform commission recorded), when earlier.
 * Bounded, so a shop with many organic sales does not re-read weeks of affiliate orders every sweep.
 */
async function windowStart(db: Kysely<Database>, session: TikTokSession, since: Date, until: Date): Promise<Date> {
  const row = await db
    .selectFrom('sales')
    .select(sql<Date | null>`min(ordered_at)`.as('earliest'))
    .where('merchant_id', '=', session.merchantRow.id)
    .where('platform', '=', 'tiktok')
    .where('status', '=', 'pending')
    .where('platform_commission_minor', 'is', null)
    .where('ordered_at', '>=', new Date(until.getTime() - AFFILIATE_LAG_MS))
    .executeTakeFirst();
  const earliest = row?.earliest ? new Date(row.earliest) : undefined;
  return earliest !== undefined && earliest.getTime() < since.getTime()
    ? new Date(Math.floor(earliest.getTime() / 1000) * 1000)
    : since;
}

function scopeMessage(merchantId: string, err: TikTokApiError): string {
  return (
    `TikTok refused the affiliate orders of merchant ${merchantId} (${err.message}): the seller has not granted the affiliate scope; ` +
    'add it to the app in TikTok Partner Center, then authorize again with `tracknow tiktok auth`. Orders are still swept, without creators.'
  );
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
