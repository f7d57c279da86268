import { afterAll, beforeAll, expect, it } from 'vitest';
import { addMerchant } from '../../src/services/records/merchants.js';
import { describeBackends } from '../helpers/db.js';
import { fixture } from '../helpers/fixtures.js';
import { listen } from '../helpers/http.js';
import {
  base64Hmac,
  counts,
  ledgerOf,
  markValidated,
  sendShopify,
  shopifyOrder,
  shopifyRefund,
  vectorFor,
} from '../helpers/stores.js';
import { seedWorld } from '../helpers/world.js';

type World = Awaited<ReturnType<typeof seedWorld>>;

describeBackends('Shopify webhooks through the listener', (t) => {
  let world: World;
  let listener: Awaited<ReturnType<typeof listen>>;
  let url: string;
  const db = () => t().db;
  const saleOf = (orderId: number | string) =>
    db()
      .selectFrom('sales')
      .selectAll()
      .where('platform', '=', 'shopify')
      .where('external_order_id', '=', String(orderId))
      .executeTakeFirstOrThrow();
  const send = (
    body: string | Buffer,
    webhookId: string,
    extra: { topic?: string; domain?: string; signature?: string; merchantId?: string } = {},
  ) => sendShopify(url, body, { merchantId: world.merchant.id, webhookId, ...extra });
  /** A new order (the fixture under another id, in a shop whose prices exclude tax) created and pending: 80.00 EUR, commission 12.00. */
  const createOrder = async (id: number) => {
    const reply = await send(shopifyOrder({ id, taxes_included: false }), `create-${id}`);
    expect(reply.json().data).toMatchObject({ outcome: 'created', status: 'pending', commission: 12 });
    return saleOf(id);
  };

  beforeAll(async () => {
    world = await seedWorld(db());
    listener = await listen(t().store);
    url = listener.url;
  });
  afterAll(async () => listener.close());

  it('orders/create fixture (signature vector, VAT included): discount code ABC12345 → base 66.67 EUR, commission 10.00', async () => {
    const body = fixture('shopify/orders-create.json');
    const reply = await send(body, 'wh-fixture-1', { signature: vectorFor('shopify/orders-create.json') });
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/"commission":10\.00[,}]/);
    expect(reply.json()).toMatchObject({
      code: 0,
      message: 'success',
      data: { currency: 'EUR', status: 'pending', outcome: 'created' },
    });
    const sale = await saleOf(5839201847362);
    expect(sale).toMatchObject({
      status: 'pending',
      currency: 'EUR',
      base_minor: 6667n,
      total_minor: 8590n,
      commission_minor: 1000n,
      influencer_id: world.mia.id,
      attribution_method: 'promo_code',
      attribution_value: 'ABC12345',
      click_id: null,
    });
    expect(sale.ordered_at.toISOString()).toBe('2026-10-01T18:03:11.000Z');
  });

  it('a redelivery (same X-Shopify-Webhook-Id) changes nothing', async () => {
    const before = await counts(db());
    const sale = await saleOf(5839201847362);
    const reply = await send(fixture('shopify/orders-create.json'), 'wh-fixture-1', {
      signature: vectorFor('shopify/orders-create.json'),
    });
    expect(reply.status).toBe(200);
    expect(reply.json().data).toMatchObject({ outcome: 'duplicate', sale_id: sale.id });
    expect(await counts(db())).toEqual(before);
    expect(await saleOf(5839201847362)).toEqual(sale);
  });

  it('rejects a wrong shop domain, a missing or bad signature and a signature valid for another merchant, writing nothing', async () => {
    const other = await addMerchant(db(), {
      name: 'Other Shop',
      currency: 'EUR',
      shopifyDomain: 'other-shop.myshopify.com',
      shopifySecret: 'shpss_other_secret_42',
    });
    const before = await counts(db());
    const body = shopifyOrder({ id: 777001 });
    expect((await send(body, 'rej-1', { domain: 'evil-shop.myshopify.com' })).status).toBe(401);
    expect((await send(body, 'rej-2', { signature: '' })).status).toBe(401);
    expect((await send(body, 'rej-3', { signature: base64Hmac('not-the-secret', body) })).status).toBe(401);
    // Signed by the other merchant's secret, sent to ours; and ours sent to theirs.
    expect((await send(body, 'rej-4', { signature: base64Hmac('shpss_other_secret_42', body) })).status).toBe(401);
    expect((await send(body, 'rej-5', { merchantId: other.id })).status).toBe(401);
    expect(
      (await send(body, 'rej-6', { merchantId: other.id, signature: base64Hmac('shpss_other_secret_42', body) }))
        .status,
    ).toBe(401); // wrong shop domain
    expect((await send('{"id":', 'rej-7')).status).toBe(400);
    expect(await counts(db())).toEqual(before);
    expect(listener.logs.some((l) => JSON.stringify(l).includes('shpss_'))).toBe(false);
  });

  it('a cancellation that arrives before the order ends cancelled, and the late create never revives it', async () => {
    const cancelled = shopifyOrder({
      id: 777002,
      cancelled_at: '2026-10-02T10:00:00-04:00',
      updated_at: '2026-10-02T10:00:01-04:00',
      financial_status: 'voided',
    });
    expect((await send(cancelled, 'ooo-cancel', { topic: 'orders/cancelled' })).json().data).toMatchObject({
      outcome: 'cancelled',
      status: 'cancelled',
    });
    expect((await send(shopifyOrder({ id: 777002 }), 'ooo-create')).json().data).toMatchObject({ status: 'cancelled' });
    expect((await send(shopifyOrder({ id: 777002 }), 'ooo-paid', { topic: 'orders/paid' })).json().data).toMatchObject({
      status: 'cancelled',
    });
    const sale = await saleOf(777002);
    expect(sale).toMatchObject({ status: 'cancelled', base_minor: 6667n, influencer_id: world.mia.id });
    expect(await ledgerOf(db(), sale.id)).toEqual([]);
  });

  it('a partial refund reduces base and commission in proportion; its redelivery changes nothing', async () => {
    const sale = await createOrder(777003);
    const refund = shopifyRefund(777003, 9001, ['30.00']);
    const reply = await send(refund, 'refund-9001', { topic: 'refunds/create' });
    expect(reply.json().data).toMatchObject({ outcome: 'updated', status: 'pending', commission: 7.5 });
    expect(await saleOf(777003)).toMatchObject({
      id: sale.id,
      status: 'pending',
      base_minor: 8000n,
      refunded_minor: 3000n,
      commission_minor: 750n,
    });
    const before = await counts(db());
    expect((await send(refund, 'refund-9001', { topic: 'refunds/create' })).json().data).toMatchObject({
      outcome: 'duplicate',
    });
    expect(await counts(db())).toEqual(before);
    expect(await saleOf(777003)).toMatchObject({ refunded_minor: 3000n, commission_minor: 750n });
  });

  it('a full refund before validation cancels the sale, never credited', async () => {
    const sale = await createOrder(777004);
    const reply = await send(shopifyRefund(777004, 9002, ['50.00', '30.00']), 'refund-9002', {
      topic: 'refunds/create',
    });
    expect(reply.json().data).toMatchObject({ outcome: 'cancelled', status: 'cancelled' });
    expect(await saleOf(777004)).toMatchObject({ status: 'cancelled', refunded_minor: 8000n });
    expect(await ledgerOf(db(), sale.id)).toEqual([]);
  });

  it('a full refund after validation reverses the credited commission with one negative entry', async () => {
    const sale = await createOrder(777005);
    await markValidated(db(), sale.id);
    const refund = shopifyRefund(777005, 9003, ['80.00']);
    expect((await send(refund, 'refund-9003', { topic: 'refunds/create' })).json().data).toMatchObject({
      outcome: 'reversed',
      status: 'reversed',
    });
    expect(await saleOf(777005)).toMatchObject({ status: 'reversed', refunded_minor: 8000n });
    expect(await ledgerOf(db(), sale.id)).toEqual([
      { kind: 'credit', amount_minor: 1200n },
      { kind: 'reversal', amount_minor: -1200n },
    ]);
    // A later cancellation or a redelivery claws back nothing more.
    await send(refund, 'refund-9003', { topic: 'refunds/create' });
    await send(shopifyOrder({ id: 777005, cancelled_at: '2026-10-06T10:00:00-04:00' }), 'late-cancel-777005', {
      topic: 'orders/cancelled',
    });
    expect(await ledgerOf(db(), sale.id)).toHaveLength(2);
    const notes = await db()
      .selectFrom('notifications')
      .select('event')
      .where('subject_id', '=', sale.id)
      .orderBy('event')
      .execute();
    expect(notes.map((n) => n.event)).toEqual(['sale.created', 'sale.reversed']);
  });

  it('partial refunds after validation claw back their share, once per delivery; the last one reverses the rest', async () => {
    const sale = await createOrder(777007);
    await markValidated(db(), sale.id);
    const first = shopifyRefund(777007, 9101, ['20.00']);
    expect((await send(first, 'refund-9101', { topic: 'refunds/create' })).json().data).toMatchObject({
      outcome: 'updated',
      status: 'validated',
      commission: 9,
    });
    const before = await counts(db());
    await send(first, 'refund-9101', { topic: 'refunds/create' });
    expect(await counts(db())).toEqual(before);
    await send(shopifyRefund(777007, 9102, ['10.00']), 'refund-9102', { topic: 'refunds/create' });
    expect(await saleOf(777007)).toMatchObject({ status: 'validated', refunded_minor: 3000n, commission_minor: 750n });
    await send(shopifyRefund(777007, 9103, ['50.00']), 'refund-9103', { topic: 'refunds/create' });
    expect(await saleOf(777007)).toMatchObject({ status: 'reversed', refunded_minor: 8000n });
    const ledger = await db()
      .selectFrom('ledger_entries')
      .select(['kind', 'amount_minor', 'event_key'])
      .where('sale_id', '=', sale.id)
      .orderBy('id')
      .execute();
    expect(ledger).toEqual([
      { kind: 'credit', amount_minor: 1200n, event_key: null },
      { kind: 'reversal', amount_minor: -300n, event_key: 'refund-9101' },
      { kind: 'reversal', amount_minor: -150n, event_key: 'refund-9102' },
      { kind: 'reversal', amount_minor: -750n, event_key: 'refund-9103' },
    ]);
  });

  it('a cancellation after validation reverses the sale', async () => {
    const sale = await createOrder(777006);
    await markValidated(db(), sale.id);
    const cancel = shopifyOrder({
      id: 777006,
      cancelled_at: '2026-10-06T10:00:00-04:00',
      updated_at: '2026-10-06T10:00:01-04:00',
    });
    expect((await send(cancel, 'cancel-777006', { topic: 'orders/cancelled' })).json().data).toMatchObject({
      outcome: 'reversed',
      status: 'reversed',
    });
    expect(await ledgerOf(db(), sale.id)).toEqual([
      { kind: 'credit', amount_minor: 1200n },
      { kind: 'reversal', amount_minor: -1200n },
    ]);
  });
});
