import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { backfillTikTok } from '../../src/services/backfill/backfill.js';
import { addMerchant, updateMerchant } from '../../src/services/records/merchants.js';
import { listSales } from '../../src/services/records/sales.js';
import { enrichDue } from '../../src/services/tiktok/tiktok-enrich.js';
import { describeBackends } from '../helpers/db.js';
import { ORDERS_CSV, writeExport } from '../helpers/exports.js';
import { apiReturn, SHOP, startFakeTikTok, type FakeTikTok } from '../helpers/fake-tiktok.js';
import { fixture } from '../helpers/fixtures.js';
import { listen, post, tiktokSignature } from '../helpers/http.js';
import { counts, ledgerOf, markValidated, sendShopify, sendWoo, shopifyOrder, wooOrder } from '../helpers/stores.js';
import { seedWorld, TIKTOK, WOO } from '../helpers/world.js';

type World = Awaited<ReturnType<typeof seedWorld>>;

/**
 * Issue #16 through the real listener, the real backfill and the fake TikTok API, on both back
 * ends: partial refunds counted once by id, WooCommerce states, Shopify test orders and tax,
 * Seller Center refund columns, TikTok returns looked up through Search Returns.
 */
describeBackends('refunds, returns, states and test orders', (t) => {
  let world: World;
  let listener: Awaited<ReturnType<typeof listen>>;
  const db = () => t().db;
  const saleOf = (platform: string, orderId: string | number, merchantId = world.merchant.id) =>
    db()
      .selectFrom('sales')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('platform', '=', platform)
      .where('external_order_id', '=', String(orderId))
      .executeTakeFirst();
  const at = (minutes: number) => new Date(Date.UTC(2026, 9, 2, 8, 15 + minutes)).toISOString().slice(0, 19);
  const woo = (body: string, deliveryId: string, topic = 'order.updated', merchantId = world.merchant.id) =>
    sendWoo(listener.url, body, { merchantId, deliveryId, topic });
  const tiktok = (url: string, body: object) => {
    const raw = JSON.stringify(body);
    return post(`${url}/api/webhook/tiktok/${world.merchant.id}`, raw, { authorization: tiktokSignature(raw) });
  };

  beforeAll(async () => {
    world = await seedWorld(db(), 'EUR');
    listener = await listen(t().store);
  });
  afterAll(async () => listener.close());

  it('WooCommerce: 20.00 refunded of 59.88 → 4.50, counted once however often refunds[] is resent; 10.00 more after validation claws back 1.13', async () => {
    expect(
      (await woo(fixture('woocommerce/order-created.json').toString(), 'r-create', 'order.created')).json().data,
    ).toMatchObject({ commission: 6.75 });
    const refunded = (ids: [number, string][], minute: number) =>
      wooOrder({
        status: 'completed',
        date_modified_gmt: at(minute),
        refunds: ids.map(([id, total]) => ({ id, reason: '', total })),
      });
    expect((await woo(refunded([[501, '-20.00']], 10), 'r-501')).json().data).toMatchObject({
      outcome: 'updated',
      status: 'pending',
      commission: 4.5,
    });
    // The same list on the next update: nothing more comes off.
    expect((await woo(refunded([[501, '-20.00']], 11), 'r-501-again')).json().data).toMatchObject({
      status: 'pending',
      commission: 4.5,
    });
    const sale = (await saleOf('woocommerce', 4821))!;
    expect(sale).toMatchObject({ base_minor: 4500n, refunded_minor: 1503n, commission_minor: 450n });
    expect(sale.refunds).toEqual([{ id: 'woo:501', minor: '1503' }]);

    await markValidated(db(), sale.id);
    const reply = await woo(
      refunded(
        [
          [501, '-20.00'],
          [502, '-10.00'],
        ],
        40,
      ),
      'r-502',
    );
    expect(reply.json().data).toMatchObject({ outcome: 'updated', status: 'validated' });
    expect(await ledgerOf(db(), sale.id)).toEqual([
      { kind: 'credit', amount_minor: 450n },
      { kind: 'reversal', amount_minor: -113n },
    ]);
    const reversed = await db()
      .selectFrom('notifications')
      .select(['event', 'payload', 'subject_id'])
      .where('event', '=', 'sale.reversed')
      .where('influencer_id', '=', world.zed.id)
      .execute();
    expect(reversed).toHaveLength(1);
    expect(reversed[0]!.payload).toMatchObject({
      sale_id: sale.id,
      commission_minor: '113',
      remaining_commission_minor: '337',
    });
    // Resent once more, later: no second clawback, no second message.
    const before = await counts(db());
    await woo(
      refunded(
        [
          [501, '-20.00'],
          [502, '-10.00'],
        ],
        50,
      ),
      'r-502-again',
    );
    expect(await ledgerOf(db(), sale.id)).toHaveLength(2);
    expect((await counts(db())).notifications).toBe(before.notifications);
    const [view] = (await listSales(db(), { merchantId: world.merchant.id })).filter((s) => s.order_id === '4821');
    expect(view).toMatchObject({ base: '45.00', refunded: '22.55', commission: '3.37', estimated: false });
  });

  it.each([
    ['failed first', ['failed', 'processing']],
    ['paid first', ['processing', 'failed']],
  ])('WooCommerce: failed then paid on a retry → 6.75, whatever the order of arrival (%s)', async (_name, arrival) => {
    const id = arrival[0] === 'failed' ? 4901 : 4902;
    const minute = { failed: 1, processing: 5 } as Record<string, number>;
    for (const status of arrival) {
      const reply = await woo(
        wooOrder({ id, status, date_modified_gmt: at(minute[status]!) }),
        `fp-${id}-${status}`,
        status === 'failed' ? 'order.created' : 'order.updated',
      );
      expect(reply.status).toBe(200);
    }
    expect(await saleOf('woocommerce', id)).toMatchObject({
      status: 'pending',
      order_status: 'paid',
      platform_status: 'processing',
      commission_minor: 675n,
    });
  });

  it('WooCommerce: a cancelled order restored comes back; pending alone earns nothing', async () => {
    await woo(wooOrder({ id: 4903, date_modified_gmt: at(1) }), 'rs-1', 'order.created');
    expect(
      (await woo(wooOrder({ id: 4903, status: 'cancelled', date_modified_gmt: at(5) }), 'rs-2')).json().data,
    ).toMatchObject({ status: 'cancelled' });
    expect(
      (
        await woo(wooOrder({ id: 4903, status: 'processing', date_modified_gmt: at(9) }), 'rs-3', 'order.restored')
      ).json().data,
    ).toMatchObject({ status: 'pending', commission: 6.75 });
    await woo(wooOrder({ id: 4904, status: 'pending', date_modified_gmt: at(1) }), 'pd-1', 'order.created');
    expect(await saleOf('woocommerce', 4904)).toMatchObject({ status: 'cancelled', commission_minor: 675n });
    expect(await ledgerOf(db(), (await saleOf('woocommerce', 4904))!.id)).toEqual([]);
  });

  it('Shopify: the VAT-inclusive fixture earns 10.00; a test order is stored, answered 200, and credits nothing', async () => {
    const fixtureReply = await sendShopify(listener.url, shopifyOrder({ id: 6100001 }), {
      merchantId: world.merchant.id,
      webhookId: 'sh-tax-1',
    });
    expect(fixtureReply.json().data).toMatchObject({ commission: 10 });
    expect(await saleOf('shopify', 6100001)).toMatchObject({ base_minor: 6667n, commission_minor: 1000n });

    const before = await counts(db());
    const reply = await sendShopify(listener.url, shopifyOrder({ id: 6100002, test: true }), {
      merchantId: world.merchant.id,
      webhookId: 'sh-test-1',
    });
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({
      code: 0,
      message: expect.stringMatching(/test order.*never earns/),
      data: { outcome: 'ignored' },
    });
    expect(await saleOf('shopify', 6100002)).toBeUndefined();
    const stored = await db()
      .selectFrom('webhook_events')
      .select(['status', 'order_id'])
      .where('dedupe_key', '=', 'sh-test-1')
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: 'ignored', order_id: '6100002' });
    const after = await counts(db());
    expect({ ...after, events: after.events - 1 }).toEqual(before);
  });

  it('--commission-base: with tax or the total, applied by every adapter and stored beside the commission', async () => {
    const m = await addMerchant(db(), {
      name: 'Gross Shop',
      currency: 'EUR',
      woocommerceSecret: WOO.secret,
      commissionBase: 'with-tax',
    });
    expect(m.commission_base).toBe('with-tax');
    await woo(wooOrder({ id: 7001 }), 'cb-1', 'order.created', m.id);
    expect(await saleOf('woocommerce', 7001, m.id)).toMatchObject({ base_minor: 5400n, commission_minor: 810n });
    await updateMerchant(db(), m.id, { commissionBase: 'total' });
    const fresh = await listen(t().store); // the listener caches merchant settings for a few seconds
    try {
      await sendWoo(fresh.url, wooOrder({ id: 7002 }), { merchantId: m.id, deliveryId: 'cb-2' });
    } finally {
      await fresh.close();
    }
    expect(await saleOf('woocommerce', 7002, m.id)).toMatchObject({ base_minor: 5988n, commission_minor: 898n });
    await expect(updateMerchant(db(), m.id, { commissionBase: 'gross' })).rejects.toThrow(/net, with-tax, total/);
  });

  it('Seller Center export: 20.00 refunded of 60.00 → 6.00; a full refund is never credited; "12,5O" is a per-line error', async () => {
    const lines = readFileSync(ORDERS_CSV, 'utf8').split('\r\n');
    const header = lines[0]!.replace(/^\uFEFF/, '').split(',');
    const template = lines.find((l) => l.startsWith('576461413038785752'))!.split(',');
    const col = (name: string) => header.indexOf(name);
    const row = (id: string, cells: Record<string, string>) => {
      const out = template.map((c) => c.replaceAll('576461413038785752', id));
      for (const [name, value] of Object.entries(cells)) out[col(name)] = /[,"]/.test(value) ? `"${value}"` : value;
      return out.join(',');
    };
    const partial = {
      'Order Status': 'Completed',
      Quantity: '3',
      'SKU Subtotal After Discount': '60.00',
      Taxes: '0',
      'Order Amount': '60.00',
      'Cancelation/Return Type': 'Return/Refund',
      'Sku Quantity of return': '1',
      'Order Refund Amount': '20.00',
    };
    const body = [
      lines[0]!,
      lines[1]!,
      row('576461413038790001', partial),
      row('576461413038790002', {
        'Order Status': 'Completed',
        'Cancelation/Return Type': 'Return/Refund',
        'Sku Quantity of return': '1',
        'Order Refund Amount': '42.69',
      }),
      row('576461413038790003', { 'SKU Subtotal After Discount': '12,5O' }),
      '',
    ].join('\r\n');
    const path = writeExport('refunds.csv', body);
    const summary = await backfillTikTok(db(), { merchantId: world.merchant.id, files: [path] });
    expect(summary.errors).toEqual([
      { file: path, line: 5, message: expect.stringMatching(/SKU Subtotal After Discount.*12,5O/) },
    ]);
    expect(await saleOf('tiktok', '576461413038790001')).toMatchObject({
      status: 'pending',
      base_minor: 6000n,
      refunded_minor: 2000n,
      commission_minor: 600n,
      influencer_id: world.mia.id,
    });
    expect(await saleOf('tiktok', '576461413038790002')).toMatchObject({ status: 'cancelled', refunded_minor: 3990n });
    expect(await saleOf('tiktok', '576461413038790003')).toBeUndefined();
    // The same export again changes nothing.
    const again = await backfillTikTok(db(), { merchantId: world.merchant.id, files: [path] });
    expect(again).toMatchObject({ created: 0, updated: 0 });
  });

  it('TikTok without API access: a return reverses the whole order, and the sale is marked estimated', async () => {
    const orderId = '5764614130380001';
    const now = Math.floor(Date.now() / 1000);
    await tiktok(listener.url, {
      type: 1,
      tts_notification_id: 'tt-est-1',
      shop_id: TIKTOK.shopId,
      timestamp: now - 100,
      data: {
        order_id: orderId,
        order_status: 'AWAITING_SHIPMENT',
        update_time: now - 100,
        payment: { currency: 'EUR', sub_total: '90.00', total_amount: '95.00' },
        creator_info: { creator_id: 'tiktok_creator_123' },
      },
    });
    expect(await saleOf('tiktok', orderId)).toMatchObject({
      status: 'pending',
      commission_minor: 1350n,
      estimated: false,
    });
    const reply = await tiktok(listener.url, {
      type: 12,
      tts_notification_id: 'tt-est-2',
      shop_id: TIKTOK.shopId,
      timestamp: now - 50,
      data: { order_id: orderId, return_status: 'RETURN_OR_REFUND_REQUEST_COMPLETE', update_time: now - 50 },
    });
    expect(reply.json().data).toMatchObject({ status: 'cancelled' });
    expect(await saleOf('tiktok', orderId)).toMatchObject({ status: 'cancelled', estimated: true });
    const [view] = (await listSales(db(), { merchantId: world.merchant.id })).filter((s) => s.order_id === orderId);
    expect(view).toMatchObject({ status: 'cancelled', estimated: true });
  });

  it('TikTok with API access: 3 × 30.00 with one unit returned → 9.00, looked up through Search Returns (signed, retried)', async () => {
    const fake: FakeTikTok = await startFakeTikTok();
    const api = await listen(t().store); // a fresh merchant cache: the merchant now has API access
    try {
      await updateMerchant(db(), world.merchant.id, {
        tiktokAccessToken: fake.state.access,
        tiktokRefreshToken: fake.state.refresh,
        tiktokTokenExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        tiktokShopCipher: SHOP.cipher,
      });
      const config = loadConfig({}, { TRACKNOW_TIKTOK_API_URL: fake.url, TRACKNOW_TIKTOK_AUTH_URL: fake.url });
      const retry = { baseMs: 0, capMs: 0, jitter: 0 };
      const orderId = '5764614130380002';
      const now = Math.floor(Date.now() / 1000);
      await tiktok(api.url, {
        type: 1,
        tts_notification_id: 'tt-api-1',
        shop_id: TIKTOK.shopId,
        timestamp: now - 100,
        data: {
          order_id: orderId,
          order_status: 'DELIVERED',
          update_time: now - 100,
          payment: { currency: 'EUR', sub_total: '90.00', total_amount: '95.00' },
          creator_info: { creator_id: 'tiktok_creator_123' },
        },
      });
      expect(await saleOf('tiktok', orderId)).toMatchObject({ status: 'pending', commission_minor: 1350n });

      const calls = fake.calls.length;
      const reply = await tiktok(api.url, {
        type: 12,
        tts_notification_id: 'tt-api-2',
        shop_id: TIKTOK.shopId,
        timestamp: now - 50,
        data: { order_id: orderId, return_status: 'RETURN_OR_REFUND_REQUEST_COMPLETE', update_time: now - 50 },
      });
      expect(reply.status).toBe(200);
      expect(fake.calls.length).toBe(calls); // no API call in the request path
      expect(await saleOf('tiktok', orderId)).toMatchObject({ status: 'pending', commission_minor: 1350n });
      expect(
        await db()
          .selectFrom('webhook_events')
          .select('status')
          .where('dedupe_key', '=', 'tt-api-2')
          .executeTakeFirstOrThrow(),
      ).toEqual({ status: 'enriching' });

      // TikTok does not list the return yet: retried, nothing applied.
      expect(await enrichDue(db(), config, { backoff: retry })).toMatchObject({ claimed: 1, retried: 1 });
      fake.returns.set(orderId, [
        apiReturn({
          returnId: '4035318504',
          orderId,
          refundSubtotal: '30.00',
          refundTotal: '31.50',
          updateTime: now - 40,
          currency: 'EUR',
        }),
      ]);
      fake.fail('/return_refund/202309/returns/search', { status: 500 });
      expect(await enrichDue(db(), config, { backoff: retry })).toMatchObject({ claimed: 1, retried: 1 });
      expect(await enrichDue(db(), config, { backoff: retry })).toMatchObject({ claimed: 1, enriched: 1 });
      expect(await saleOf('tiktok', orderId)).toMatchObject({
        status: 'pending',
        base_minor: 9000n,
        refunded_minor: 3000n,
        commission_minor: 900n,
        estimated: false,
      });
      const call = fake.calls.findLast((c) => c.path === '/return_refund/202309/returns/search')!;
      expect(call).toMatchObject({
        method: 'POST',
        status: 200,
        query: { shop_cipher: SHOP.cipher, app_key: TIKTOK.appKey },
      });
      expect(JSON.parse(call.body)).toEqual({ order_ids: [orderId] });

      // The same return notified again: counted once (by return_id).
      await tiktok(api.url, {
        type: 12,
        tts_notification_id: 'tt-api-3',
        shop_id: TIKTOK.shopId,
        timestamp: now - 30,
        data: { order_id: orderId, return_status: 'RETURN_OR_REFUND_REQUEST_COMPLETE', update_time: now - 30 },
      });
      expect(await enrichDue(db(), config, { backoff: retry })).toMatchObject({ enriched: 1 });
      expect(await saleOf('tiktok', orderId)).toMatchObject({ refunded_minor: 3000n, commission_minor: 900n });

      // A cancellation TikTok lists no refund for cancels the whole order.
      const other = '5764614130380003';
      await tiktok(api.url, {
        type: 1,
        tts_notification_id: 'tt-api-4',
        shop_id: TIKTOK.shopId,
        timestamp: now - 100,
        data: {
          order_id: other,
          order_status: 'AWAITING_SHIPMENT',
          update_time: now - 100,
          payment: { currency: 'EUR', sub_total: '90.00', total_amount: '95.00' },
          creator_info: { creator_id: 'tiktok_creator_123' },
        },
      });
      await tiktok(api.url, {
        type: 11,
        tts_notification_id: 'tt-api-5',
        shop_id: TIKTOK.shopId,
        timestamp: now - 20,
        data: { order_id: other, cancel_status: 'CANCELLATION_REQUEST_COMPLETE', update_time: now - 20 },
      });
      expect(await saleOf('tiktok', other)).toMatchObject({ status: 'pending' });
      expect(await enrichDue(db(), config, { backoff: retry })).toMatchObject({ enriched: 1 });
      expect(await saleOf('tiktok', other)).toMatchObject({ status: 'cancelled', estimated: false });
      expect(JSON.stringify(api.logs)).not.toMatch(/TTP_|tts_secret/);
    } finally {
      await api.close();
      await fake.close();
      await updateMerchant(db(), world.merchant.id, { tiktokShopCipher: SHOP.cipher });
    }
  });
});
