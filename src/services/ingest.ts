import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { attribute, lookupKeys, type LookupKeys } from '../domain/attribution.js';
import type { OrderEvent } from '../domain/order-event.js';
import { applyOrderEvent, type SaleOutcome, type SaleState } from '../domain/sale-lifecycle.js';
import { loadAttributionLookup } from '../store/attribution-repo.js';
import { findInbox, inboxKey, insertInbox, markInbox, type InboxRecord, type InboxResult } from '../store/inbox-repo.js';
import { insertReversals, type Reversal } from '../store/ledger-repo.js';
import { lockOrders, orderKeyString, type OrderKey } from '../store/order-keys.js';
import { enqueueNotifications, type OutboxMessage } from '../store/outbox.js';
import { findSales, saleState, upsertSales, type SaleWrite } from '../store/sales-repo.js';
import type { Database } from '../store/schema.js';
import { saleMessage } from './sale-messages.js';

export type { InboxRecord };

/** One delivery: its raw inbox record and the order events it carries. */
export interface IngestItem {
  readonly inbox: InboxRecord;
  readonly events: readonly OrderEvent[];
  /** Stored and answered but not processed (an unknown type): why. */
  readonly ignoredReason?: string;
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
}

/** Ingests one batch; see `ingestBatch`. */
export type IngestFn = (items: readonly IngestItem[]) => Promise<IngestOutcome[]>;

interface Tracked {
  id: string;
  key: OrderKey;
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

const keyOf = (e: OrderEvent): OrderKey => ({ merchantId: e.merchantId, platform: e.platform, orderId: e.externalOrderId });

/**
 * The one pipeline: webhooks, backfill and replays all come through here, one batch per
 * transaction. Each delivery is stored once (dedupe), each event attributed, its commission
 * computed and its sale moved forward; reversals and outbox rows commit with it or not at all.
 * Set-based: about ten statements per batch whatever its size.
 */
export async function ingestBatch(db: Kysely<Database>, items: readonly IngestItem[], options: IngestOptions = {}): Promise<IngestOutcome[]> {
  if (items.length === 0) return [];
  try {
    return await db.transaction().execute(async (trx) => {
      const outcomes = await ingestInTransaction(trx, items);
      if (options.dryRun) throw new DryRun(outcomes);
      return outcomes;
    });
  } catch (err) {
    if (err instanceof DryRun) return err.outcomes;
    throw err;
  }
}

/**
 * A dry run over many batches (backfill --dry-run): `run` ingests them all in one transaction
 * that is rolled back at the end, so a later batch sees what an earlier one would have written
 * and the counts are exact. No advisory locks: nothing commits, and a million of them in one
 * transaction would exhaust PostgreSQL's lock table.
 */
export async function rehearseIngest<T>(db: Kysely<Database>, run: (ingest: IngestFn, trx: Kysely<Database>) => Promise<T>): Promise<T> {
  const done: { result?: { value: T } } = {};
  try {
    await db.transaction().execute(async (trx) => {
      done.result = { value: await run((items) => (items.length === 0 ? Promise.resolve([]) : ingestInTransaction(trx, items, false)), trx) };
      throw new DryRun([]);
    });
  } catch (err) {
    if (!(err instanceof DryRun)) throw err;
  }
  if (!done.result) throw new Error('rehearseIngest: the dry run did not finish');
  return done.result.value;
}

async function ingestInTransaction(trx: Kysely<Database>, items: readonly IngestItem[], lock = true): Promise<IngestOutcome[]> {
  const allKeys = items.flatMap((i) => i.events.map(keyOf));
  if (lock) await lockOrders(trx, allKeys);

  // The insert dedupes through the unique index itself (the arbiter), whatever the planner's
  // statistics; only the duplicates are then looked up.
  const records = items.map((i) => ({ ...i.inbox, id: randomUUID() }));
  const keys = records.map(inboxKey);
  const inserted = await insertInbox(trx, records);
  const fresh = records.map((r, n) => inserted.get(keys[n]!) === r.id);
  const earlier = await findInbox(trx, records.filter((_, n) => !fresh[n]));

  const merchantIds = [...new Set(allKeys.map((k) => k.merchantId))];
  const [rates, existing, lookup] = await Promise.all([
    merchantIds.length ? trx.selectFrom('merchants').select(['id', 'commission_rate_ppm']).where('id', 'in', merchantIds).execute() : [],
    findSales(trx, allKeys),
    loadAttributionLookup(trx, mergeKeys(items.filter((_, n) => fresh[n]).flatMap((i) => i.events.map((e) => lookupKeys(e.hints))))),
  ]);
  const rateOf = new Map(rates.map((r) => [r.id, r.commission_rate_ppm]));
  const tracked = new Map<string, Tracked>();
  for (const [k, row] of existing) {
    tracked.set(k, { id: row.id, key: keyOf0(row), state: saleState(row), dirty: false, cancelledAt: row.cancelled_at, reversedAt: row.reversed_at, validatedAt: row.validated_at });
  }

  const now = new Date();
  const reversals: Reversal[] = [];
  const messages: OutboxMessage[] = [];
  const inboxResults: InboxResult[] = [];
  const outcomes: IngestOutcome[] = records.map((record, n) => {
    const item = items[n]!;
    if (!fresh[n]) {
      const priorId = earlier.get(keys[n]!)?.id ?? record.id;
      const sale = summaryOf(item.events.at(-1) && tracked.get(orderKeyString(keyOf(item.events.at(-1)!))));
      return { eventId: priorId, outcome: 'duplicate', change: 'none', message: 'duplicate delivery: already stored, nothing changed', ...(sale ? { sale } : {}) };
    }
    if (item.ignoredReason !== undefined || item.events.length === 0) {
      const message = item.ignoredReason ?? 'no order events in this delivery';
      inboxResults.push({ id: record.id, status: 'ignored', outcome: message });
      return { eventId: record.id, outcome: 'ignored', change: 'none', message };
    }
    let last: { outcome: SaleOutcome; message: string; sale?: Tracked } = { outcome: 'unchanged', message: '' };
    let change: SaleChange = 'none';
    for (const event of item.events) {
      const k = orderKeyString(keyOf(event));
      const current = tracked.get(k);
      const rate = current?.state.commissionRatePpm ?? rateOf.get(event.merchantId) ?? 150_000;
      const t = applyOrderEvent(current?.state, event, attribute(event.merchantId, event.hints, lookup), rate);
      let entry = current;
      if (t.next && t.next !== current?.state) {
        change = current === undefined ? 'created' : change === 'none' ? 'updated' : change;
        entry = current ?? { id: randomUUID(), key: keyOf(event), state: t.next, dirty: true, cancelledAt: null, reversedAt: null, validatedAt: null };
        if (t.next.status === 'cancelled' && current?.state.status !== 'cancelled') entry.cancelledAt = now;
        if (t.next.status === 'reversed' && current?.state.status !== 'reversed') entry.reversedAt = now;
        entry.state = t.next;
        entry.dirty = true;
        tracked.set(k, entry);
      }
      if (entry && t.reversalMinor && entry.state.influencerId && entry.state.currency) {
        reversals.push({ saleId: entry.id, influencerId: entry.state.influencerId, currency: entry.state.currency, amountMinor: t.reversalMinor, eventKey: event.dedupeKey });
      }
      for (const ev of t.notify) if (entry) messages.push(outboxMessage(ev, entry, event));
      last = { outcome: t.outcome, message: entry ? saleMessage(t.outcome, t.reason, entry.state) : t.reason, ...(entry ? { sale: entry } : {}) };
    }
    inboxResults.push({ id: record.id, status: 'processed', outcome: `${last.outcome}: ${last.message}` });
    const sale = summaryOf(last.sale);
    return { eventId: record.id, outcome: last.outcome, change, message: last.message, ...(sale ? { sale } : {}) };
  });

  const writes: SaleWrite[] = [...tracked.values()].filter((t) => t.dirty).map((t) => ({ id: t.id, key: t.key, state: t.state, validatedAt: t.validatedAt, cancelledAt: t.cancelledAt, reversedAt: t.reversedAt }));
  await upsertSales(trx, writes);
  await insertReversals(trx, reversals);
  await enqueueNotifications(trx, messages);
  await markInbox(trx, inboxResults);
  return outcomes;
}

function keyOf0(row: { merchant_id: string; platform: string; external_order_id: string }): OrderKey {
  return { merchantId: row.merchant_id, platform: row.platform, orderId: row.external_order_id };
}

function mergeKeys(all: LookupKeys[]): LookupKeys {
  const merge = (pick: (k: LookupKeys) => string[]) => [...new Set(all.flatMap(pick))];
  return { creatorIds: merge((k) => k.creatorIds), usernames: merge((k) => k.usernames), codes: merge((k) => k.codes), clickIds: merge((k) => k.clickIds) };
}

function summaryOf(t: Tracked | undefined): SaleSummary | undefined {
  if (!t) return undefined;
  const s = t.state;
  return { id: t.id, status: s.status, influencerId: s.influencerId, attributionMethod: s.attributionMethod, currency: s.currency, baseMinor: s.baseMinor, commissionMinor: s.commissionMinor };
}

function outboxMessage(event: OutboxMessage['event'], t: Tracked, source: OrderEvent): OutboxMessage {
  const s = t.state;
  return {
    event,
    influencerId: s.influencerId,
    subjectId: t.id,
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
    },
  };
}
