import { beforeAll, expect, it } from 'vitest';
import type { MerchantSecrets } from '../../src/platforms/platform.js';
import { ingestBatch, type IngestItem } from '../../src/services/ingest/ingest.js';
import { findMerchantSecrets, intake } from '../../src/services/ingest/webhook-intake.js';
import { copyWriter } from '../../src/store/backfill-copy.js';
import { describeBackends } from '../helpers/db.js';
import { request } from '../helpers/fixtures.js';
import { tiktokSignature } from '../helpers/http.js';
import { seedWorld } from '../helpers/world.js';

function item(merchant: MerchantSecrets, payload: unknown): IngestItem {
  const body = JSON.stringify(payload);
  const taken = intake('tiktok', merchant, request(body, { authorization: tiktokSignature(body) }));
  if (taken.kind !== 'item') throw new Error('ping');
  return taken.item;
}

/** Paid (attributed), shipped and cancelled notifications for one new order. */
function orderItems(merchant: MerchantSecrets, orderId: string, cents: number): IngestItem[] {
  const t0 = 1_760_000_000;
  return [
    item(merchant, {
      type: 'ORDER_STATUS_CHANGE',
      timestamp: t0,
      data: {
        order_id: orderId,
        order_status: 111,
        update_time: t0,
        payment: { total_amount: cents, currency: 'USD' },
        creator_info: { creator_id: 'tiktok_creator_123' },
      },
    }),
    item(merchant, {
      type: 1,
      tts_notification_id: `ship-${orderId}`,
      timestamp: t0 + 3,
      data: { order_id: orderId, order_status: 'IN_TRANSIT', update_time: t0 + 3 },
    }),
    item(merchant, {
      type: 11,
      tts_notification_id: `cancel-${orderId}`,
      timestamp: t0 + 5,
      data: { order_id: orderId, cancel_status: 'CANCELLATION_REQUEST_COMPLETE', update_time: t0 + 5 },
    }),
  ];
}

// Ingest decides before it writes and verifies the write: transactions that race on one new
// order or one delivery must still end as if they had run one at a time.
describeBackends('ingest under racing transactions', (t) => {
  let merchant: MerchantSecrets;
  beforeAll(async () => {
    const world = await seedWorld(t().db);
    merchant = await findMerchantSecrets(t().db, world.merchant.id);
  });

  it('creates one sale per new order when its deliveries race in separate transactions', async () => {
    const orders = Array.from({ length: 4 }, (_, n) => ({
      orderId: `race-${n}`,
      cents: 1000 + n,
      items: orderItems(merchant, `race-${n}`, 1000 + n),
    }));
    const calls = orders.flatMap((o) => [...o.items, ...o.items, ...o.items]).map((i) => ingestBatch(t().db, [i]));
    const outcomes = (await Promise.all(calls)).flat();
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(orders.length * 3 * 2);
    for (const o of orders) {
      const sales = await t().db.selectFrom('sales').selectAll().where('external_order_id', '=', o.orderId).execute();
      expect(sales.map((s) => [s.status, s.base_minor])).toEqual([['cancelled', BigInt(o.cents)]]);
      const stored = await t()
        .db.selectFrom('webhook_events')
        .select(['status'])
        .where('order_id', '=', o.orderId)
        .execute();
      expect(stored.map((r) => r.status).sort()).toEqual(['processed', 'processed', 'processed']);
    }
  });

  it('stores a delivery with no order once when its copies race, and points every copy at it', async () => {
    const unknown = item(merchant, {
      type: 99,
      tts_notification_id: 'race-unknown-1',
      timestamp: 1_760_000_000,
      data: {},
    });
    const outcomes = (await Promise.all(Array.from({ length: 8 }, () => ingestBatch(t().db, [unknown])))).flat();
    expect(outcomes.filter((o) => o.outcome === 'ignored')).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o.eventId)).size).toBe(1);
    const rows = await t()
      .db.selectFrom('webhook_events')
      .select(['id', 'status'])
      .where('dedupe_key', '=', unknown.inbox.dedupeKey)
      .execute();
    expect(rows).toEqual([{ id: outcomes[0]!.eventId, status: 'ignored' }]);
  });

  it('matches stored deliveries, sales and rates whatever the letter case of the merchant id', async () => {
    const upper = { ...merchant, id: merchant.id.toUpperCase() };
    const [paid] = orderItems(upper, 'upper-case', 10_000);
    const [first] = await ingestBatch(t().db, [paid!]);
    expect([first!.outcome, first!.sale?.commissionMinor]).toEqual(['created', 1500n]);
    const [again] = await ingestBatch(t().db, [paid!]);
    expect([again!.outcome, again!.eventId]).toEqual(['duplicate', first!.eventId]);
    const [cancel] = orderItems(upper, 'upper-case', 10_000).slice(2);
    const [cancelled] = await ingestBatch(t().db, [cancel!]);
    expect([cancelled!.outcome, cancelled!.sale?.id]).toEqual(['cancelled', first!.sale?.id]);
  });

  it('answers a repeat inside one batch as a duplicate of the first copy', async () => {
    const [paid] = orderItems(merchant, 'same-batch', 2500);
    const outcomes = await ingestBatch(t().db, [paid!, paid!]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['created', 'duplicate']);
    expect(outcomes[1]!.eventId).toBe(outcomes[0]!.eventId);
    expect(outcomes[1]!.sale?.id).toBe(outcomes[0]!.sale?.id);
  });
});

// The backfill's COPY path (PostgreSQL only) has no count to check: a key stored since the read
// fails the COPY on the unique index, and the batch must then be retried like any lost race.
describeBackends('the backfill COPY write under a racing writer', (t, backend) => {
  let merchant: MerchantSecrets;
  beforeAll(async () => {
    const world = await seedWorld(t().db);
    merchant = await findMerchantSecrets(t().db, world.merchant.id);
  });

  it.runIf(backend === 'postgres')(
    'retries the batch on the locked path when a sale it read as new is stored first',
    async () => {
      const copy = copyWriter(t().db)!;
      expect(copy).toBeDefined();
      const [paid] = orderItems(merchant, 'copy-race', 4200);
      const [rival] = orderItems(merchant, 'copy-race', 4200).slice(1);
      const [other] = orderItems(merchant, 'copy-race-2', 900);
      let raced = 0;
      const outcomes = await ingestBatch(t().db, [paid!, other!], {
        // Between this batch's read and its write, another delivery stores the same order's sale.
        write: async (trx, writes, checked) => {
          raced++;
          await ingestBatch(t().db, [rival!]);
          return copy(trx, writes, checked);
        },
      });
      expect(raced).toBe(1); // the retry writes with writeBatch, not the COPY
      expect(outcomes[0]!.outcome).not.toBe('created'); // the rival created it; this one moved it on
      const sales = await t()
        .db.selectFrom('sales')
        .select(['base_minor', 'status'])
        .where('external_order_id', '=', 'copy-race')
        .execute();
      expect(sales).toEqual([{ base_minor: 4200n, status: 'pending' }]);
      const stored = await t()
        .db.selectFrom('webhook_events')
        .select(['order_id', 'status'])
        .where('order_id', 'in', ['copy-race', 'copy-race-2'])
        .orderBy('order_id')
        .orderBy('received_at')
        .execute();
      expect(stored.map((r) => r.order_id).sort()).toEqual(['copy-race', 'copy-race', 'copy-race-2']);
    },
  );

  it.runIf(backend === 'postgres')(
    'writes new sales and deliveries straight into the tables, processed once',
    async () => {
      const [paid] = orderItems(merchant, 'copy-plain', 3100);
      const outcomes = await ingestBatch(t().db, [paid!], { write: copyWriter(t().db)! });
      expect(outcomes.map((o) => o.outcome)).toEqual(['created']);
      const [row] = await t()
        .db.selectFrom('webhook_events')
        .select(['status', 'attempts', 'processed_at', 'received_at'])
        .where('order_id', '=', 'copy-plain')
        .execute();
      expect(row).toMatchObject({ status: 'processed', attempts: 1 });
      expect(row!.processed_at?.getTime()).toBe(row!.received_at.getTime());
      const again = await ingestBatch(t().db, [paid!], { write: copyWriter(t().db)! });
      expect(again.map((o) => o.outcome)).toEqual(['duplicate']);
    },
  );
});
