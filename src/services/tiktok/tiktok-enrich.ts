import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { BackoffPolicy } from '../../domain/backoff.js';
import { errorText, RetryLaterError } from '../../domain/jobs.js';
import { isDbUnavailable } from '../../errors.js';
import { text } from '../../platforms/payload.js';
import { apiOrderDelivery, type ApiOrderDelivery } from '../../platforms/tiktok-shop/api-order.js';
import { MAX_DETAIL_IDS } from '../../platforms/tiktok-shop/api/client.js';
import { TikTokApiError } from '../../platforms/tiktok-shop/api/errors.js';
import {
  enrichmentNotification,
  enrichmentPending,
  recordEnrichments,
  type EnrichmentState,
} from '../../store/enrichment-repo.js';
import type { Database } from '../../store/schema.js';
import { ingestBatch, type IngestItem } from '../ingest/ingest.js';
import { runJobs, type Settled, type Task, type TaskRegistry } from '../jobs/job-runner.js';
import { field } from '../notify/notify-jobs.js';
import { lookupReturns, needsReturnLookup, type ReturnLookup } from './tiktok-returns.js';
import { TikTokSession, type SessionOptions } from './tiktok-session.js';
import { merchantSecrets } from '../ingest/webhook-intake.js';

export const ENRICH_TASK = 'tiktok.enrich';
/** Twelve tries of the one backoff (30 s … 4 h): about twelve hours, inside TikTok's own 15.5 h of redelivery. */
export const ENRICH_MAX_ATTEMPTS = 12;

export interface EnrichTaskDeps {
  readonly db: Kysely<Database>;
  readonly config: Config;
  readonly session?: SessionOptions | undefined;
}

/** A delivery of an order's detail as an ingest item: source 'reconcile', keyed by the order's update time. */
export function detailItem(merchantId: string, d: ApiOrderDelivery): IngestItem {
  return {
    inbox: {
      platform: 'tiktok',
      merchantId,
      dedupeKey: d.dedupeKey,
      source: 'reconcile',
      eventType: d.eventType,
      orderId: d.orderId,
      headers: {},
      body: d.body,
    },
    events: d.events,
  };
}

/**
 * TikTok order enrichment as a job. A notification without amounts, for a merchant with Open
 * API credentials, is stored processed and marked 'enriching' (migration 0004); a trigger gives
 * it a `tiktok.enrich` job (0011). The job fetches the order's detail, ingests it through the
 * one pipeline and marks the inbox row processed. Any failure (network, 5xx, 429, a token TikTok
 * refuses even after a refresh, an order TikTok does not know yet) is retried by the runner; the
 * inbox row mirrors the job (attempts, last error, next attempt, failed), so `events list` shows it.
 */
export function enrichTasks(deps: EnrichTaskDeps): TaskRegistry {
  const task: Task = {
    maxAttempts: ENRICH_MAX_ATTEMPTS,
    async run(payload, ctx) {
      const eventId = field(payload, 'event_id');
      // Settled meanwhile (reconcile ingested the order's detail): nothing to fetch.
      if (!(await enrichmentPending(deps.db, eventId))) return 'already settled';
      const orderId = (payload as { order_id?: unknown }).order_id;
      if (typeof orderId !== 'string' || orderId === '') return 'nothing to enrich: no order id';
      try {
        // Returns and cancellations: their amount comes from Search Returns (a module of its own).
        const notification = await enrichmentNotification(deps.db, eventId);
        if (notification && needsReturnLookup(notification))
          return await lookupReturn(deps, field(payload, 'merchant_id'), notification);
        return await enrichOrder(deps, field(payload, 'merchant_id'), orderId);
      } catch (err) {
        if (isDbUnavailable(err)) throw err;
        const message = `attempt ${ctx.job.attempts}: ${errorText(err)}`;
        const hint = err instanceof TikTokApiError ? err.details.retryAfterMs : undefined;
        throw hint !== undefined ? new RetryLaterError(message, hint) : new Error(message);
      }
    },
    async settle(trx, settled) {
      await recordEnrichments(
        trx,
        settled.map(({ job, state }) => enrichmentState(field(job.payload, 'event_id'), job.attempts, state)),
      );
    },
  };
  return { [ENRICH_TASK]: task };
}

function enrichmentState(id: string, attempts: number, state: Settled): EnrichmentState {
  if (state.status === 'done')
    return { id, attempts, status: 'processed', outcome: String(state.result ?? '').slice(0, 1000) };
  if (state.status === 'failed') return { id, attempts, status: 'failed', error: state.error };
  return {
    id,
    attempts,
    status: 'enriching',
    error: state.attempted ? (state.error ?? undefined) : undefined,
    nextAttemptAt: state.runAt,
  };
}

/** Fetches one order's detail and ingests it; returns what the detail did. */
async function enrichOrder(deps: EnrichTaskDeps, merchantId: string, orderId: string): Promise<string> {
  const session = await TikTokSession.open(deps.db, deps.config, merchantId, deps.session ?? {});
  const orders = await session.run((client, creds) => client.orderDetails(creds, [orderId]));
  const order = orders.find((o) => text(o.id) === orderId);
  if (!order) throw new TikTokApiError('rejected', `Get Order Detail: TikTok has no order ${orderId} (yet)`);
  const [outcome] = await ingestBatch(deps.db, [
    detailItem(merchantId, apiOrderDelivery(order, merchantSecrets(session.merchantRow))),
  ]);
  return `enriched (detail event ${outcome!.eventId}): ${outcome!.outcome}: ${outcome!.message}`;
}

/** Looks up one return or cancellation notification's refund through Search Returns; throws what the lookup failed on. */
async function lookupReturn(deps: EnrichTaskDeps, merchantId: string, row: ReturnLookup): Promise<string> {
  const session = await TikTokSession.open(deps.db, deps.config, merchantId, deps.session ?? {});
  let outcome = 'returns looked up';
  let failure: { err: unknown } | undefined;
  await lookupReturns(deps.db, session, [row], {
    done: (_id, what) => {
      outcome = what;
    },
    fail: (_rows, err) => {
      failure = { err };
    },
  });
  if (failure) throw failure.err;
  return outcome;
}

export interface EnrichOptions {
  readonly merchantId?: string | undefined;
  /** Jobs taken per round (default 50). */
  readonly limit?: number;
  /** Replaces the one backoff (tests). */
  readonly backoff?: BackoffPolicy;
  readonly session?: SessionOptions;
  readonly concurrency?: number;
}

export interface EnrichSummary {
  readonly claimed: number;
  readonly enriched: number;
  readonly retried: number;
  readonly failed: number;
}

/** One round of the enrichment jobs: takes up to `limit` due ones, runs them, returns. */
export async function enrichDue(
  db: Kysely<Database>,
  config: Config,
  options: EnrichOptions = {},
  drain = false,
): Promise<EnrichSummary> {
  const counts = await runJobs(db, {
    tasks: enrichTasks({ db, config, session: options.session }),
    concurrency: options.concurrency ?? 4,
    batch: options.limit ?? MAX_DETAIL_IDS,
    once: !drain,
    backoff: options.backoff,
    payloadMatch: options.merchantId === undefined ? undefined : { merchant_id: options.merchantId },
  });
  const c = counts[ENRICH_TASK];
  return { claimed: c?.claimed ?? 0, enriched: c?.done ?? 0, retried: c?.retried ?? 0, failed: c?.failed ?? 0 };
}

/** Runs the enrichment jobs until none is due (cron: `tracknow tiktok enrich`). */
export function drainEnrichment(
  db: Kysely<Database>,
  config: Config,
  options: EnrichOptions = {},
): Promise<EnrichSummary> {
  return enrichDue(db, config, options, true);
}
