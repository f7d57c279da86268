import { beforeAll, expect, it } from 'vitest';
import type { MerchantSecrets } from '../../src/platforms/platform.js';
import { ingestBatch, type IngestItem } from '../../src/services/ingest/ingest.js';
import { findMerchantSecrets, intake } from '../../src/services/ingest/webhook-intake.js';
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
