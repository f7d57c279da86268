import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { attribute, lookupKeys } from '../../domain/attribution.js';
import type { OrderEvent } from '../../domain/order-event.js';
import { applyOrderEvent, type SaleOutcome, type SaleState } from '../../domain/sale-lifecycle.js';
import { readBatchState } from '../../store/batch-read.js';
import { DealBook } from '../deals/deal-book.js';
import { writeBatch, type BatchWrites } from '../../store/batch-write.js';
import { decidedDelivery, inboxKey, type DecidedDelivery, type InboxRecord } from '../../store/inbox-repo.js';
import { uuidv7 } from '../../store/row-ids.js';
import type { Reversal } from '../../store/ledger-repo.js';
import { lockOrders, orderKeyString, type OrderKey } from '../../store/order-keys.js';
import type { OutboxMessage } from '../../store/notify-outbox.js';
import { saleState, type SaleWrite } from '../../store/sales-repo.js';
import { sqlState } from '../../store/pg-errors.js';
import type { Database } from '../../store/schema.js';
import { saleMessage } from './sale-messages.js';

export type { InboxRecord };

/** One delivery: its raw inbox record and the order events it carries. */
export interface IngestItem {
  readonly inbox: InboxRecord;
  readonly events: readonly OrderEvent[];
  /** Stored and answered but not processed (an unknown type): why. */
  readonly ignoredReason?: string;
  /** A historical order (a backfill without --notify): its sale is recorded without a `sale.created` notice; every other notice goes out. */
  readonly history?: boolean;
}

export type IngestOutcomeKind = SaleOutcome | 'duplicate' | 'ignored';

export interface SaleSummary {
  readonly id: string;
  readonly status: SaleState['status'];
  readonly influencerId: string | null;
  readonly attributionMethod: string | null;
  readonly currency: string | null;
  readonly baseMinor: bigint | null;
  readonly commissionMinor: bigint | null;
}

/** What the delivery did to the sales table: a new row, a changed row, or nothing. */
export type SaleChange = 'created' | 'updated' | 'none';

export interface IngestOutcome {
  /** The inbox row of this delivery (the earlier one for a duplicate). */
  readonly eventId: string;
  readonly outcome: IngestOutcomeKind;
  /** Differs from `outcome` where a record changes without a transition (a cancelled sale learning its amount). */
  readonly change: SaleChange;
  readonly message: string;
  readonly sale?: SaleSummary;
}

export interface IngestOptions {
  /** Decide everything, write nothing. */
  readonly dryRun?: boolean;
  /**
   * Writes the optimistic attempt's decisions instead of `writeBatch`, with the same contract (one
   * atomic write, checked: 40001 when the read is no longer true). The backfill's COPY path.
   * Retries after a lost race and dry runs always use `writeBatch`.
   */
  readonly write?: BatchWriteFn;
}

/** `writeBatch`'s signature. */
export type BatchWriteFn = (trx: Kysely<Database>, writes: BatchWrites, checked: boolean) => Promise<void>;

/** Ingests one batch; see `ingestBatch`. */
export type IngestFn = (items: readonly IngestItem[]) => Promise<IngestOutcome[]>;

interface Tracked {
  id: string;
  key: OrderKey;
  /** The row version read (`xmin`); null for a sale this batch creates. */
  version: string | null;
  state: SaleState;
  dirty: boolean;
  cancelledAt: Date | null;
  reversedAt: Date | null;
  validatedAt: Date | null;
}

class DryRun extends Error {
  constructor(readonly outcomes: IngestOutcome[]) {
    super('dry run');
  }
}

const keyOf = (e: OrderEvent): OrderKey => ({
  merchantId: e.merchantId,
  platform: e.platform,
  orderId: e.externalOrderId,
});

/**
 * The one pipeline: webhooks, backfill and replays all come through here, one batch per
 * atomic write. Each delivery is stored once (dedupe), each event attributed, its commission
 * computed and its sale moved forward; reversals and outbox rows commit with it or not at all.
 * Set-based: a read and a write statement per batch whatever its size (see `Guard`).
 */
export async function ingestBatch(
  db: Kysely<Database>,
  items: readonly IngestItem[],
  options: IngestOptions = {},
): Promise<IngestOutcome[]> {
  if (items.length === 0) return [];
  for (let attempt = 1; ; attempt++) {
    try {
      // Optimistic first: a read and a checked write, two round trips and no transaction to open
      // or commit. After a lost race, and for a dry run, a transaction that locks the orders first.
      if (attempt === 1 && !options.dryRun) return await ingestItems(db, items, 'optimistic', options.write);
      return await db.transaction().execute(async (trx) => {
        const outcomes = await ingestItems(trx, items, 'locked');
        if (options.dryRun) throw new DryRun(outcomes);
        return outcomes;
      });
    } catch (err) {
      if (err instanceof DryRun) return err.outcomes;
      // The retry reads what the winner committed: a duplicate, or the sale to move forward.
      if (sqlState(err) === '40001' && attempt < 3) continue;
      throw err;
    }
  }
}

/**
 * A dry run over many batches (backfill --dry-run): `run` ingests them all in one transaction
 * that is rolled back at the end, so a later batch sees what an earlier one would have written
 * and the counts are exact. No advisory locks: nothing commits, and a million of them in one
 * transaction would exhaust PostgreSQL's lock table.
 */
export async function rehearseIngest<T>(
  db: Kysely<Database>,
  run: (ingest: IngestFn, trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const done: { result?: { value: T } } = {};
  try {
    await db.transaction().execute(async (trx) => {
      done.result = {
        value: await run(
          (items) => (items.length === 0 ? Promise.resolve([]) : ingestItems(trx, items, 'rehearsal')),
          trx,
        ),
      };
      throw new DryRun([]);
    });
  } catch (err) {
    if (!(err instanceof DryRun)) throw err;
  }
  if (!done.result) throw new Error('rehearseIngest: the dry run did not finish');
  return done.result.value;
}

/**
 * How a batch guards against concurrent writers of the same orders and deliveries:
 * - `optimistic`: nothing held between the read and the write; the write checks the read is still
 *   true and raises 40001 if not (see `writeBatch`). Statements run on their own (`trx` is the db).
 * - `locked`: inside a transaction, the orders' advisory locks first and the sales read `for
 *   update`, so the checked write can only lose to a delivery with no order to lock.
 * - `rehearsal`: inside a transaction that is rolled back; no advisory locks (a million of them
 *   would exhaust the lock table) and nothing checked, as nothing commits.
 */
type Guard = 'optimistic' | 'locked' | 'rehearsal';

async function ingestItems(
  trx: Kysely<Database>,
  items: readonly IngestItem[],
  guard: Guard,
  writeWith: BatchWriteFn = writeBatch,
): Promise<IngestOutcome[]> {
  const allKeys = items.flatMap((i) => i.events.map(keyOf));
  if (guard === 'locked') await lockOrders(trx, allKeys);

  // Decide before writing: one statement reads all the batch needs, pure code decides, one
  // statement writes. A delivery is a duplicate if the inbox already holds its key, or an earlier
  // item of this batch carries it; the checked write is the final arbiter.
  // Received, until decided below.
  const records = items.map((i) => decidedDelivery(i.inbox, uuidv7(), 'received', ''));
  const keys = records.map(inboxKey);
  const merchantIds = [...new Set(allKeys.map((k) => k.merchantId))];
  // One pass over every hint of the batch: the same keys, in the same order, as merging each event's.
  const lookupAll = lookupKeys(items.flatMap((i) => i.events.flatMap((e) => e.hints)));
  const {
    sales: existing,
    stored,
    rates: rateOf,
    affiliateModes,
    lookup,
    deals,
  } = await readBatchState(trx, {
    orders: allKeys,
    deliveries: records,
    merchantIds,
    lookup: lookupAll,
    forUpdate: guard !== 'optimistic',
  });
  const earlier = new Map<string, { id: string }>(stored);
  const fresh = records.map((r, n) => {
    if (earlier.has(keys[n]!)) return false;
    earlier.set(keys[n]!, { id: r.id });
    return true;
  });
  const tracked = new Map<string, Tracked>();
  for (const [k, { row, version }] of existing) {
    tracked.set(k, {
      id: row.id,
      key: keyOf0(row),
      version,
      state: saleState(row),
      dirty: false,
      cancelledAt: row.cancelled_at,
      reversedAt: row.reversed_at,
      validatedAt: row.validated_at,
    });
  }

  // Deals (#19): terms chosen per sale; tiered deals read the months' counts in one more statement.
  const book = new DealBook(deals, rateOf);
  const events = items.flatMap((i) => i.events);
  // Locked: the months of tiered merchants too, before their counts are read, so locked retries of one month queue up.
  if (guard === 'locked') await lockOrders(trx, book.monthLocks(events));
  await book.readCounts(trx, events, (e) => tracked.get(orderKeyString(keyOf(e)))?.state, lookup);
  const now = new Date();
  const reversals: Reversal[] = [];
  const messages: OutboxMessage[] = [];
  // Fresh deliveries with their outcome: stored once, already decided, by the write.
  const deliveries: DecidedDelivery[] = [];
  const outcomes: IngestOutcome[] = records.map((record, n) => {
    const item = items[n]!;
    if (!fresh[n]) {
      const priorId = earlier.get(keys[n]!)?.id ?? record.id;
      const sale = summaryOf(item.events.at(-1) && tracked.get(orderKeyString(keyOf(item.events.at(-1)!))));
      return {
        eventId: priorId,
        outcome: 'duplicate',
        change: 'none',
        message: 'duplicate delivery: already stored, nothing changed',
        ...(sale ? { sale } : {}),
      };
    }
    if (item.ignoredReason !== undefined || item.events.length === 0) {
      const message = item.ignoredReason ?? 'no order events in this delivery';
      deliveries.push(decidedDelivery(record, record.id, 'ignored', message));
      return { eventId: record.id, outcome: 'ignored', change: 'none', message };
    }
    let last: { outcome: SaleOutcome; message: string; sale?: Tracked } = { outcome: 'unchanged', message: '' };
    let change: SaleChange = 'none';
    for (const event of item.events) {
      const k = orderKeyString(keyOf(event));
      const current = tracked.get(k);
      const rate = current?.state.commissionRatePpm ?? rateOf.get(event.merchantId) ?? 150_000;
      const t = applyOrderEvent(
        current?.state,
        event,
        attribute(event.merchantId, event.hints, lookup, event.orderedAt ?? event.eventTime),
        rate,
        affiliateModes.get(event.merchantId),
        book.chooser(event),
      );
      book.count(current?.state, t.next, event.merchantId);
      let entry = current;
      if (t.next && t.next !== current?.state) {
        change = current === undefined ? 'created' : change === 'none' ? 'updated' : change;
        entry = current ?? {
          id: uuidv7(),
          key: keyOf(event),
          version: null,
          state: t.next,
          dirty: true,
          cancelledAt: null,
          reversedAt: null,
          validatedAt: null,
        };
        if (t.next.status === 'cancelled' && current?.state.status !== 'cancelled') entry.cancelledAt = now;
        if (t.next.status === 'reversed' && current?.state.status !== 'reversed') entry.reversedAt = now;
        entry.state = t.next;
        entry.dirty = true;
        tracked.set(k, entry);
      }
      if (entry && t.reversalMinor && entry.state.influencerId && entry.state.currency) {
        reversals.push({
          saleId: entry.id,
          influencerId: entry.state.influencerId,
          currency: entry.state.currency,
          amountMinor: t.reversalMinor,
          eventKey: event.dedupeKey,
        });
      }
      for (const ev of t.notify)
        if (entry && !(item.history && ev === 'sale.created'))
          messages.push(outboxMessage(ev, entry, event, t.outcome === 'reversed' ? undefined : t.reversalMinor));
      last = {
        outcome: t.outcome,
        message: entry ? saleMessage(t.outcome, t.reason, entry.state) : t.reason,
        ...(entry ? { sale: entry } : {}),
      };
    }
    deliveries.push(decidedDelivery(record, record.id, 'processed', `${last.outcome}: ${last.message}`));
    const sale = summaryOf(last.sale);
    return { eventId: record.id, outcome: last.outcome, change, message: last.message, ...(sale ? { sale } : {}) };
  });

  const dirty = [...tracked.values()].filter((t) => t.dirty);
  // Built whole, version included: a spread and then a new key is many times slower in V8.
  const write = <V extends string | undefined>(t: Tracked, version: V) => ({
    id: t.id,
    key: t.key,
    state: t.state,
    validatedAt: t.validatedAt,
    cancelledAt: t.cancelledAt,
    reversedAt: t.reversedAt,
    version,
  });
  const newSales: SaleWrite[] = dirty.filter((t) => t.version === null).map((t) => write(t, undefined));
  const changedSales = dirty.flatMap((t) => (t.version === null ? [] : [write(t, t.version)]));
  await writeWith(
    trx,
    { newSales, changedSales, reversals, messages, deliveries, tierGuards: book.guards() },
    guard !== 'rehearsal',
  );
  return outcomes;
}

function keyOf0(row: { merchant_id: string; platform: string; external_order_id: string }): OrderKey {
  return { merchantId: row.merchant_id, platform: row.platform, orderId: row.external_order_id };
}

function summaryOf(t: Tracked | undefined): SaleSummary | undefined {
  if (!t) return undefined;
  const s = t.state;
  return {
    id: t.id,
    status: s.status,
    influencerId: s.influencerId,
    attributionMethod: s.attributionMethod,
    currency: s.currency,
    baseMinor: s.baseMinor,
    commissionMinor: s.commissionMinor,
  };
}

/**
 * The outbox row of a transition. A partial reversal (`partialMinor`, a refund after validation)
 * is one message per delivery that caused it: its subject is derived from the sale and the
 * delivery, and its commission is the part reversed.
 */
function outboxMessage(
  event: OutboxMessage['event'],
  t: Tracked,
  source: OrderEvent,
  partialMinor?: bigint,
): OutboxMessage {
  const s = t.state;
  const partial =
    partialMinor === undefined
      ? {}
      : {
          commission_minor: partialMinor,
          remaining_commission_minor: s.commissionMinor,
          refunded_minor: s.refundedMinor,
        };
  return {
    event,
    influencerId: s.influencerId,
    subjectId: partialMinor === undefined ? t.id : derivedId(`${t.id}|${source.dedupeKey}`),
    payload: {
      sale_id: t.id,
      merchant_id: t.key.merchantId,
      platform: t.key.platform,
      order_id: t.key.orderId,
      status: s.status,
      attribution: s.attributionMethod,
      currency: s.currency,
      amount_minor: s.baseMinor,
      commission_minor: s.commissionMinor,
      event_time: source.eventTime.toISOString(),
      ...partial,
    },
  };
}

/** A stable UUID-shaped id from a string (SHA-256, version nibble 5): the same input, the same id. */
function derivedId(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
