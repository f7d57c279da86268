import { afterAll, beforeAll, expect, it } from 'vitest';
import { addMerchant } from '../../src/services/records/merchants.js';
import { describeBackends } from '../helpers/db.js';
import { fixture } from '../helpers/fixtures.js';
import { listen, post } from '../helpers/http.js';
import { base64Hmac, counts, ledgerOf, markValidated, sendWoo, vectorFor, wooOrder } from '../helpers/stores.js';
import { seedWorld, WOO } from '../helpers/world.js';

type World = Awaited<ReturnType<typeof seedWorld>>;

describeBackends('WooCommerce webhooks through the listener', (t) => {
  let world: World;
  let listener: Awaited<ReturnType<typeof listen>>;
  let url: string;
  const db = () => t().db;
  const saleOf = (orderId: number) =>
    db()
      .selectFrom('sales')
      .selectAll()
      .where('platform', '=', 'woocommerce')
      .where('external_order_id', '=', String(orderId))
      .executeTakeFirstOrThrow();
  const send = (
    body: string | Buffer,
    deliveryId: string,
    extra: { topic?: string; signature?: string; merchantId?: string } = {},
  ) => sendWoo(url, body, { merchantId: world.merchant.id, deliveryId, ...extra });
  const at = (minutes: number) => new Date(Date.UTC(2026, 9, 2, 8, 15 + minutes)).toISOString().slice(0, 19);

  beforeAll(async () => {
    world = await seedWorld(db());
    listener = await listen(t().store);
    url = listener.url;
  });
  afterAll(async () => listener.close());

  it('order.created fixture (signature vector): meta _tracking_code ZX9Q77 → base 45.00 EUR, commission 6.75', async () => {
    const reply = await send(fixture('woocommerce/order-created.json'), 'dlv-fixture-1', {
      signature: vectorFor('woocommerce/order-created.json'),
    });
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/"commission":6\.75[,}]/);
    expect(reply.json()).toMatchObject({ code: 0, message: 'success', data: { currency: 'EUR', status: 'pending' } });
    expect(await saleOf(4821)).toMatchObject({
      status: 'pending',
      currency: 'EUR',
      base_minor: 4500n,
      total_minor: 5988n,
      commission_minor: 675n,
      influencer_id: world.zed.id,
      attribution_method: 'ref',
      attribution_value: 'ZX9Q77',
    });
  });

  it('a redelivery (same X-WC-Webhook-Delivery-ID) changes nothing', async () => {
    const before = await counts(db());
    const sale = await saleOf(4821);
    const reply = await send(fixture('woocommerce/order-created.json'), 'dlv-fixture-1', {
      signature: vectorFor('woocommerce/order-created.json'),
    });
    expect(reply.json().data).toMatchObject({ outcome: 'duplicate', sale_id: sale.id });
    expect(await counts(db())).toEqual(before);
    expect(await saleOf(4821)).toEqual(sale);
  });

  it('answers the unsigned, form-encoded ping with 200 and writes nothing', async () => {
    const before = await counts(db());
    const reply = await post(`${url}/api/webhook/woocommerce/${world.merchant.id}`, 'webhook_id=1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(reply.status).toBe(200);
    expect(await counts(db())).toEqual(before);
    // Only the exact ping is unsigned: anything else without a signature is refused.
    const unsigned = await post(`${url}/api/webhook/woocommerce/${world.merchant.id}`, 'webhook_id=1&x=2', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(unsigned.status).toBe(401);
  });

  it('rejects a bad signature and a signature valid for another merchant, writing nothing', async () => {
    const other = await addMerchant(db(), {
      name: 'Other Woo',
      currency: 'EUR',
      woocommerceSecret: 'wc_other_secret_77',
    });
    const before = await counts(db());
    const body = wooOrder({ id: 5001 });
    expect((await send(body, 'rej-1', { signature: base64Hmac('wrong', body) })).status).toBe(401);
    expect((await send(body, 'rej-2', { signature: base64Hmac('wc_other_secret_77', body) })).status).toBe(401);
    expect((await send(body, 'rej-3', { merchantId: other.id, signature: base64Hmac(WOO.secret, body) })).status).toBe(
      401,
    );
    expect((await send('not json', 'rej-4')).status).toBe(400);
    expect(await counts(db())).toEqual(before);
    expect(listener.logs.some((l) => JSON.stringify(l).includes('wc_'))).toBe(false);
  });

  it('a cancellation delivered before the creation ends cancelled; a newer delivery that restores the order revives it', async () => {
    const cancelled = wooOrder({ id: 5002, status: 'cancelled', date_modified_gmt: at(30) });
    expect((await send(cancelled, 'ooo-cancel', { topic: 'order.updated' })).json().data).toMatchObject({
      outcome: 'cancelled',
      status: 'cancelled',
    });
    // Older than the cancellation: it changes nothing.
    expect((await send(wooOrder({ id: 5002 }), 'ooo-create')).json().data).toMatchObject({ status: 'cancelled' });
    expect(await saleOf(5002)).toMatchObject({ status: 'cancelled', base_minor: 4500n, influencer_id: world.zed.id });
    // The newest delivery names the status (DESIGN.md "Sale lifecycle"): the shop restored the order.
    expect(
      (
        await send(wooOrder({ id: 5002, status: 'completed', date_modified_gmt: at(60) }), 'ooo-complete', {
          topic: 'order.updated',
        })
      ).json().data,
    ).toMatchObject({ status: 'pending', commission: 6.75 });
  });

  it('a pending (unpaid) order earns nothing (recorded, never credited); processing later makes it a live sale', async () => {
    expect((await send(wooOrder({ id: 5003, status: 'pending' }), 'pend-1')).json().data).toMatchObject({
      outcome: 'unpaid',
    });
    expect(await saleOf(5003)).toMatchObject({ status: 'cancelled', order_status: 'unpaid' });
    expect(
      (await send(wooOrder({ id: 5003, date_modified_gmt: at(5) }), 'pend-2', { topic: 'order.updated' })).json().data,
    ).toMatchObject({ outcome: 'updated', status: 'pending', commission: 6.75 });
    expect(await ledgerOf(db(), (await saleOf(5003)).id)).toEqual([]);
  });

  it('refunded before validation cancels; refunded after validation reverses; a deleted order is cancelled', async () => {
    await send(wooOrder({ id: 5004 }), 'r-create-5004');
    await send(wooOrder({ id: 5004, status: 'refunded', date_modified_gmt: at(90) }), 'r-refund-5004', {
      topic: 'order.updated',
    });
    expect(await saleOf(5004)).toMatchObject({ status: 'cancelled', order_status: 'refunded' });

    await send(wooOrder({ id: 5005 }), 'r-create-5005');
    const sale = await saleOf(5005);
    await markValidated(db(), sale.id);
    const reply = await send(wooOrder({ id: 5005, status: 'refunded', date_modified_gmt: at(90) }), 'r-refund-5005', {
      topic: 'order.updated',
    });
    expect(reply.json().data).toMatchObject({ outcome: 'reversed', status: 'reversed' });
    expect(await ledgerOf(db(), sale.id)).toEqual([
      { kind: 'credit', amount_minor: 675n },
      { kind: 'reversal', amount_minor: -675n },
    ]);

    await send(wooOrder({ id: 5006 }), 'r-create-5006');
    await send(JSON.stringify({ id: 5006 }), 'r-delete-5006', { topic: 'order.deleted' });
    expect(await saleOf(5006)).toMatchObject({ status: 'cancelled' });
  });
});
