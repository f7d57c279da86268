import type { Kysely } from 'kysely';
import type { OrderEvent } from '../../domain/order-event.js';
import { TracknowError, usage, type ErrorCode } from '../../errors.js';
import { getPlatform, isPlatformId, platformIds } from '../../platforms/platform.js';
import { markInbox, type InboxRecord } from '../../store/inbox-repo.js';
import { isUuid } from '../../store/pg-errors.js';
import type { Database, WebhookEvent, WebhookEventStatus } from '../../store/schema.js';
import { EXPORT_EVENT_TYPE, parseCanonicalBody } from '../../platforms/tiktok-shop/export/canonical.js';
import { ingestBatch, type IngestItem, type IngestOutcome } from './ingest.js';
import { findMerchantSecrets, intake, type Intake } from './webhook-intake.js';

const STATUSES: readonly WebhookEventStatus[] = ['received', 'processed', 'ignored', 'failed', 'enriching'];
const SOURCES: readonly InboxRecord['source'][] = ['webhook', 'backfill', 'reconcile', 'test'];

export interface ListEventsOptions {
  readonly platform?: string;
  readonly merchantId?: string;
  readonly status?: string;
  /** Newest first, at most this many (default 50). */
  readonly limit?: number;
}

export interface EventRow {
  readonly id: string;
  readonly platform: string;
  readonly merchant_id: string;
  readonly order_id: string | null;
  readonly status: WebhookEventStatus;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly received_at: Date;
  readonly event_type: string | null;
  readonly outcome: string | null;
}

/** The webhook inbox and its work queue, newest first. */
export async function listEvents(db: Kysely<Database>, options: ListEventsOptions = {}): Promise<EventRow[]> {
  const { platform, merchantId, status, limit = 50 } = options;
  if (platform !== undefined && !isPlatformId(platform))
    throw usage(`must be one of ${platformIds.join(', ')}`, 'platform');
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
    throw usage(`must be one of ${STATUSES.join(', ')}`, 'status');
  if (merchantId !== undefined && !isUuid(merchantId))
    throw usage(`${JSON.stringify(merchantId)} is not a merchant id`, 'merchantId');
  if (!Number.isSafeInteger(limit) || limit < 1) throw usage('must be a positive integer', 'limit');
  let query = db
    .selectFrom('webhook_events')
    .select([
      'id',
      'platform',
      'merchant_id',
      'order_id',
      'status',
      'attempts',
      'last_error',
      'received_at',
      'event_type',
      'outcome',
    ])
    .orderBy('received_at', 'desc')
    .orderBy('id')
    .limit(limit);
  if (platform !== undefined) query = query.where('platform', '=', platform);
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  if (status !== undefined) query = query.where('status', '=', status as WebhookEventStatus);
  return query.execute();
}

export interface ReplayResult {
  readonly id: string;
  /** The inbox row this replay was stored as. */
  readonly replayId?: string;
  readonly outcome?: IngestOutcome['outcome'];
  readonly message: string;
  readonly sale?: IngestOutcome['sale'];
  /** Set when this id could not be replayed; the others still are. */
  readonly error?: ErrorCode;
}

/**
 * Re-runs stored events through intake and ingest, in the order given, one transaction each.
 *
 * Each replay is stored as a new inbox row keyed `replay:<id>:<n>`: the original key would be
 * a duplicate of itself, and the new row records what the replay decided (bypassing the inbox
 * would need a second entry point into ingest, the one pipeline). Re-applying is safe
 * because the sale lifecycle only moves forward (same status and amounts → unchanged, and an
 * attribution can only improve) — except a partial refund, which adds to `refunded_minor`:
 * once its delivery has been processed, its replay carries a zero refund. An original that
 * was never processed (received, failed) takes the replay's result.
 */
/** Re-runs stored events; `encryptionKey` opens merchants' sealed secrets (TRACKNOW_ENCRYPTION_KEY). */
export async function replayEvents(
  db: Kysely<Database>,
  ids: readonly string[],
  encryptionKey?: Buffer,
): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for (const id of ids) {
    try {
      results.push(await replayOne(db, id, encryptionKey));
    } catch (err) {
      if (!(err instanceof TracknowError)) throw err;
      results.push({ id, message: err.message, error: err.code });
    }
  }
  return results;
}

async function replayOne(db: Kysely<Database>, id: string, encryptionKey: Buffer | undefined): Promise<ReplayResult> {
  const row = isUuid(id)
    ? await db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row)
    throw new TracknowError(
      'not_found',
      `no stored event ${JSON.stringify(id.slice(0, 80))}; see \`tracknow events list\``,
    );
  let taken: Intake;
  if (row.source === 'backfill' && EXPORT_EVENT_TYPE.test(row.event_type ?? '')) {
    // A backfilled order: the inbox keeps its parsed form (no signature to check, nothing to re-parse).
    taken = { kind: 'item', item: exportReplayItem(row) };
  } else {
    const merchant = await findMerchantSecrets(db, row.merchant_id, { encryptionKey });
    const adapter = getPlatform(row.platform);
    const rawBody = Buffer.from(row.body, 'utf8');
    // The inbox never keeps signatures; this body was verified on receipt, so it is re-signed to pass the same intake.
    const headers: Record<string, string> = { ...storedHeaders(row.headers) };
    for (const [name, value] of Object.entries(adapter.sign(rawBody, merchant))) headers[name.toLowerCase()] = value;
    const source = (SOURCES as readonly string[]).includes(row.source)
      ? (row.source as InboxRecord['source'])
      : 'webhook';
    taken = intake(row.platform, merchant, { headers, rawBody, receivedAt: row.received_at }, source);
  }
  if (taken.kind === 'ping') return { id, outcome: 'ignored', message: 'a ping: nothing to replay' };

  const prior = await db
    .selectFrom('webhook_events')
    .select(['status'])
    .where('merchant_id', '=', row.merchant_id)
    .where('platform', '=', row.platform)
    .where('dedupe_key', 'like', `replay:${row.id}:%`)
    .execute();
  const applied = row.status === 'processed' || prior.some((p) => p.status === 'processed');
  const dedupeKey = `replay:${row.id}:${prior.length + 1}`;
  // The events keep the delivery's own key, so a reversal they cause stays unique per delivery.
  const events = taken.item.events.map((e): OrderEvent =>
    applied && e.refundedBase ? { ...e, refundedBase: { ...e.refundedBase, minor: 0n } } : e,
  );
  const [outcome] = await ingestBatch(db, [{ ...taken.item, inbox: { ...taken.item.inbox, dedupeKey }, events }]);
  if (!outcome) throw new TracknowError('internal', 'ingest returned no outcome');
  if (row.status !== 'processed' && row.status !== 'ignored' && outcome.outcome !== 'duplicate') {
    await markInbox(db, [
      {
        id: row.id,
        status: outcome.outcome === 'ignored' ? 'ignored' : 'processed',
        outcome: `replayed as ${outcome.eventId}: ${outcome.outcome}`,
      },
    ]);
  }
  return {
    id,
    replayId: outcome.eventId,
    outcome: outcome.outcome,
    message: outcome.message,
    ...(outcome.sale ? { sale: outcome.sale } : {}),
  };
}

/** The delivery of a backfilled order, rebuilt from its canonical body; an order stored as CSV text (before #22) cannot be. */
function exportReplayItem(row: WebhookEvent): IngestItem {
  if (row.order_id === null) throw new TracknowError('invalid', 'this backfilled event has no order id');
  let event: OrderEvent;
  try {
    ({ event } = parseCanonicalBody(row.body, {
      platform: row.platform,
      merchantId: row.merchant_id,
      orderId: row.order_id,
      dedupeKey: row.dedupe_key,
    }));
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new TracknowError(
      'invalid',
      'this backfilled order was stored as CSV text, before the inbox kept parsed orders: run `tracknow backfill` on its file again instead',
    );
  }
  return {
    inbox: {
      platform: row.platform,
      merchantId: row.merchant_id,
      dedupeKey: row.dedupe_key,
      source: 'backfill',
      eventType: row.event_type ?? 'export',
      orderId: row.order_id,
      headers: {},
      body: row.body,
    },
    events: [event],
    history: true,
  };
}

function storedHeaders(value: unknown): Record<string, string> {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  const out: Record<string, string> = {};
  if (parsed && typeof parsed === 'object')
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}
