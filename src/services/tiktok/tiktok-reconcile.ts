import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import { parseDuration } from '../../domain/duration.js';
import { usage } from '../../errors.js';
import { text } from '../../platforms/payload.js';
import { apiOrderDelivery } from '../../platforms/tiktok-shop/api-order.js';
import { TikTokApiError } from '../../platforms/tiktok-shop/api/errors.js';
import { completeOrders } from '../../store/enrichment-repo.js';
import type { Database } from '../../store/schema.js';
import { ingestBatch, type IngestItem } from '../ingest/ingest.js';
import { sweepAffiliateOrders, type AffiliateSweepSummary } from './tiktok-affiliate-sweep.js';
import { detailItem } from './tiktok-enrich.js';
import { TikTokSession, withRetries, type RetryOptions, type SessionOptions } from './tiktok-session.js';
import { merchantSecrets } from '../ingest/webhook-intake.js';

export interface ReconcileOptions {
  readonly merchantId: string;
  /** "2h", "7d": search orders updated since then instead of since the last sweep. */
  readonly since?: string | undefined;
  /** Fetch and decide everything, write no sale and move no sweep mark. */
  readonly dryRun?: boolean;
  readonly now?: Date;
  readonly pageSize?: number;
  readonly retry?: RetryOptions;
  readonly session?: SessionOptions;
}

export interface ReconcileSummary {
  readonly orders: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly errors: { order_id: string | null; message: string }[];
  readonly since: Date;
  readonly until: Date;
  readonly dry_run: boolean;
  /** The affiliate sweep over the same window (creators and TikTok's commission). */
  readonly affiliate: AffiliateSweepSummary;
}

/** With no sweep yet and no --since: TikTok redelivers for about 15.5 h, so a day back covers any loss. */
const FIRST_SWEEP_MS = 24 * 3_600_000;
/** Each sweep reaches this far behind the last mark: an order indexed late is still found (ingest is idempotent). */
const OVERLAP_MS = 10 * 60_000;

/**
 * Sweeps a merchant's TikTok orders updated since the last sweep (or `since`): Search Orders,
 * every page, each order through the one ingest pipeline keyed `detail:<id>:<update_time>`,
 * so re-running changes nothing. Orders waiting in the enrichment queue are settled too.
 * The sweep mark moves only after a sweep without errors that reached back to the old mark.
 */
export async function reconcileTikTok(
  db: Kysely<Database>,
  config: Config,
  options: ReconcileOptions,
): Promise<ReconcileSummary> {
  const sinceMs = options.since === undefined ? undefined : parseDuration(options.since);
  if (options.since !== undefined && sinceMs === undefined)
    throw usage(`${JSON.stringify(options.since)} is not a duration: use e.g. 30m, 2h or 7d`, 'since');
  const session = await TikTokSession.open(db, config, options.merchantId, options.session);
  const now = options.now ?? new Date();
  const mark = session.merchantRow.tiktok_last_sweep_at;
  const since = new Date(
    sinceMs !== undefined
      ? now.getTime() - sinceMs
      : mark
        ? mark.getTime() - OVERLAP_MS
        : now.getTime() - FIRST_SWEEP_MS,
  );
  const until = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const tally = { orders: 0, created: 0, updated: 0, unchanged: 0, errors: [] as ReconcileSummary['errors'] };
  let pageToken: string | undefined;
  const seen = new Set<string>();
  do {
    const token = pageToken;
    const page = await withRetries(
      () =>
        session.run((client, creds) =>
          client.searchOrders(creds, {
            updateTimeGe: seconds(since),
            updateTimeLt: seconds(until),
            pageSize: options.pageSize ?? 50,
            ...(token === undefined ? {} : { pageToken: token }),
          }),
        ),
      options.retry,
    );
    if (page.nextPageToken !== undefined && seen.has(page.nextPageToken))
      throw new TikTokApiError('paging', 'Search Orders: a page token came back twice');
    if (page.nextPageToken !== undefined) seen.add(page.nextPageToken);
    pageToken = page.nextPageToken;
    const items: IngestItem[] = [];
    for (const order of page.orders) {
      tally.orders++;
      try {
        items.push(detailItem(options.merchantId, apiOrderDelivery(order, merchantSecrets(session.merchantRow))));
      } catch (err) {
        tally.errors.push({ order_id: text(order.id) ?? null, message: (err as Error).message });
      }
    }
    const outcomes = await ingestBatch(db, items, { dryRun: options.dryRun ?? false });
    for (const o of outcomes) {
      if (o.change === 'created') tally.created++;
      else if (o.change === 'updated') tally.updated++;
      else tally.unchanged++;
    }
    if (!options.dryRun) {
      await completeOrders(
        db,
        options.merchantId,
        items.map((item, n) => ({
          orderId: item.inbox.orderId!,
          outcome: `enriched by reconcile (detail event ${outcomes[n]!.eventId}): ${outcomes[n]!.outcome}`,
        })),
      );
    }
  } while (pageToken !== undefined);
  // Only a sweep that covered everything since the old mark may move it, and only forward.
  const contiguous = mark === null || since.getTime() <= mark.getTime();
  if (!options.dryRun && tally.errors.length === 0 && contiguous) {
    await db
      .updateTable('merchants')
      .set({ tiktok_last_sweep_at: until })
      .where('id', '=', options.merchantId)
      .where((eb) => eb.or([eb('tiktok_last_sweep_at', 'is', null), eb('tiktok_last_sweep_at', '<', until)]))
      .execute();
  }
  const affiliate = await sweepAffiliateOrders(
    db,
    config,
    { merchantId: options.merchantId, since, until, ...sweepOptions(options) },
    session,
  );
  return { ...tally, since, until, dry_run: options.dryRun ?? false, affiliate };
}

const sweepOptions = (o: ReconcileOptions) => ({
  dryRun: o.dryRun ?? false,
  ...(o.pageSize === undefined ? {} : { pageSize: o.pageSize }),
  ...(o.retry === undefined ? {} : { retry: o.retry }),
});

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
