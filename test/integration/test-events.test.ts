import { beforeAll, expect, it } from 'vitest';
import type { MerchantSecrets } from '../../src/platforms/platform.js';
import { getPlatform, platformIds } from '../../src/platforms/platform.js';
import { getTestEvents, type Fill, type Template, type TestEventKit } from '../../src/platforms/test-events.js';
import { ingestBatch } from '../../src/services/ingest/ingest.js';
import { findMerchantSecrets, intake } from '../../src/services/ingest/webhook-intake.js';
import { describeBackends } from '../helpers/db.js';
import { request } from '../helpers/fixtures.js';
import { seedWorld } from '../helpers/world.js';

/** What ingesting each template does to an order nobody has seen, and to a paid one. */
const ON_NEW: Record<string, { outcome: string; status: string }> = {
  'paid.seed.json': { outcome: 'created', status: 'pending' },
  'cancelled.seed.json': { outcome: 'cancelled', status: 'cancelled' },
  'paid.notification.json': { outcome: 'created', status: 'pending' },
  'cancelled.notification.json': { outcome: 'cancelled', status: 'cancelled' },
  'refunded.notification.json': { outcome: 'cancelled', status: 'cancelled' },
  'orders-create.json': { outcome: 'created', status: 'pending' },
  'orders-paid.json': { outcome: 'created', status: 'pending' },
  'orders-cancelled.json': { outcome: 'cancelled', status: 'cancelled' },
  // A refund of an order never seen records the order, refund noted, no amount yet.
  'refunds-create.json': { outcome: 'created', status: 'pending' },
  'order-created.json': { outcome: 'created', status: 'pending' },
  'order-updated.json': { outcome: 'created', status: 'pending' },
};

describeBackends('every test-event template ingests', (t) => {
  let merchant: MerchantSecrets;
  beforeAll(async () => {
    const world = await seedWorld(t().db);
    merchant = await findMerchantSecrets(t().db, world.merchant.id);
  });

  async function ingest(kit: TestEventKit, template: Template, extra: Partial<Fill> = {}) {
    const fill: Fill = { orderId: kit.randomOrderId(), deliveryId: kit.randomDeliveryId(), now: new Date(), ...extra };
    const body = Buffer.from(JSON.stringify(kit.build(template, fill, merchant)));
    const headers = {
      ...kit.headers(template.event, fill, merchant),
      ...getPlatform(kit.platform).sign(body, merchant),
    };
    const taken = intake(kit.platform, merchant, request(body, headers, fill.now));
    if (taken.kind !== 'item') throw new Error('a ping');
    const [outcome] = await ingestBatch(t().db, [taken.item]);
    return { fill, outcome: outcome! };
  }

  const all = platformIds.flatMap((p) =>
    getTestEvents(p).templates.map((tpl) => [`${p} ${tpl.file}`, getTestEvents(p), tpl] as const),
  );

  it.each(all)('%s on a new order', async (_name, kit, template) => {
    const { outcome } = await ingest(kit, template);
    expect(outcome, template.file).toMatchObject({
      outcome: ON_NEW[template.file]!.outcome,
      sale: { status: ON_NEW[template.file]!.status },
    });
  });

  it.each(all)('%s after a paid order with a code, at --amount 80.00 EUR', async (_name, kit, template) => {
    const paid = kit.templates.find((x) => x.event === (kit.platform === 'tiktok' ? 'paid' : kit.templates[0]!.event))!;
    const first = await ingest(kit, paid, { amount: '80.00', currency: 'EUR', code: 'ABC12345' });
    expect(first.outcome.sale).toMatchObject({
      status: 'pending',
      attributionMethod: 'promo_code',
      commissionMinor: 1200n,
      currency: 'EUR',
    });
    const { outcome } = await ingest(kit, template, {
      orderId: first.fill.orderId,
      amount: '20.00',
      currency: 'EUR',
      now: new Date(Date.now() + 2000),
    });
    const sale = await t()
      .db.selectFrom('sales')
      .selectAll()
      .where('external_order_id', '=', first.fill.orderId)
      .executeTakeFirstOrThrow();
    const expected = ON_NEW[template.file]!.status === 'cancelled' ? 'cancelled' : 'pending';
    expect(sale.status, template.file).toBe(expected);
    if (template.event === 'refunds/create') {
      expect(outcome.outcome).toBe('updated');
      expect(sale).toMatchObject({ refunded_minor: 2000n, commission_minor: 900n });
    } else if (expected === 'pending') {
      // A newer paid event with another amount refreshes the base; the sale stays attributed.
      expect(sale).toMatchObject({ base_minor: 2000n, commission_minor: 300n });
      expect(sale.influencer_id).not.toBeNull();
    }
  });
});
