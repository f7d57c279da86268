import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillTikTok } from '../../src/services/backfill/backfill.js';
import { addCode } from '../../src/services/records/codes.js';
import { addDeal, endDeal, listDeals, type DealInput } from '../../src/services/deals/deals.js';
import { addInfluencer } from '../../src/services/records/influencers.js';
import { addMerchant } from '../../src/services/records/merchants.js';
import { listSales } from '../../src/services/records/sales.js';
import type { Merchant } from '../../src/store/schema.js';
import { describeBackends } from '../helpers/db.js';
import { writeExport } from '../helpers/exports.js';
import { listen } from '../helpers/http.js';
import { base64Hmac, sendShopify } from '../helpers/stores.js';

type Path = 'listener' | 'backfill';
interface Line {
  readonly product: string;
  readonly amount: string;
}
interface Order {
  readonly id: string;
  /** ISO time the order was placed. */
  readonly at: string;
  readonly code: string;
  readonly lines: readonly Line[];
  /** A later state of the order (a redelivery that is not a duplicate). */
  readonly updated?: string;
}

const HEADER =
  'Order ID,Order Status,SKU ID,Product ID,Quantity,SKU Subtotal After Discount,Order Amount,Created Time,Paid Time,Buyer Message';
/** `2026-11-10T12:00:00Z` as the Seller Center writes it (US format, read in UTC). */
const usTime = (iso: string) => {
  const d = new Date(iso);
  const h = d.getUTCHours();
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 || 12}:${String(d.getUTCMinutes()).padStart(2, '0')}:00 ${h < 12 ? 'AM' : 'PM'}`;
};
const cents = (amount: string) => Math.round(Number(amount) * 100);
const sum = (lines: readonly Line[]) => (lines.reduce((a, l) => a + cents(l.amount), 0) / 100).toFixed(2);

describeBackends('commission deals through the listener and the backfill', (t) => {
  let listener: Awaited<ReturnType<typeof listen>>;
  const db = () => t().db;

  beforeAll(async () => {
    listener = await listen(t().store);
  });
  afterAll(async () => listener.close());

  /** A merchant at 15% selling on Shopify (the listener) and TikTok (the backfill), an influencer and her code. */
  async function world() {
    const tag = randomBytes(4).toString('hex');
    const domain = `shop-${tag}.myshopify.com`;
    const merchant = await addMerchant(db(), {
      name: `Shop ${tag}`,
      currency: 'USD',
      shopifyDomain: domain,
      shopifySecret: `shpss_${tag}_secret`,
    });
    const mia = await addInfluencer(db(), { name: `Mia ${tag}` });
    const code = `MIA${tag}`.toUpperCase();
    await addCode(db(), { influencerId: mia.id, code, merchantId: merchant.id });
    const deal = (input: Omit<DealInput, 'merchantId'>) => addDeal(db(), { merchantId: merchant.id, ...input });
    return { merchant, mia, code, domain, tag, deal };
  }
  type World = Awaited<ReturnType<typeof world>>;

  function shopifyBody(o: Order): string {
    return JSON.stringify({
      id: Number(o.id),
      created_at: o.at,
      updated_at: o.updated ?? o.at,
      currency: 'USD',
      financial_status: 'paid',
      subtotal_price: sum(o.lines),
      total_price: sum(o.lines),
      taxes_included: false,
      discount_codes: [{ code: o.code, amount: '0.00', type: 'fixed_amount' }],
      line_items: o.lines.map((l, n) => ({
        id: n + 1,
        product_id: Number(l.product),
        variant_id: Number(l.product) + 1,
        sku: `SKU-${l.product}`,
        quantity: 1,
        price: l.amount,
        discount_allocations: [],
        tax_lines: [],
      })),
    });
  }

  function exportFile(w: World, orders: readonly Order[]): string {
    const rows = orders.flatMap((o) =>
      o.lines.map((l) =>
        [
          o.id,
          o.updated ? 'Delivered' : 'Shipped',
          `${l.product}1`,
          l.product,
          '1',
          l.amount,
          sum(o.lines),
          usTime(o.at),
          usTime(o.at),
          `TRACK:${o.code}`,
        ].join(','),
      ),
    );
    return writeExport(`deals-${w.tag}-${randomBytes(3).toString('hex')}.csv`, [HEADER, ...rows].join('\r\n'));
  }

  /** One signed Shopify orders/create through the listener. */
  async function send(w: World, o: Order): Promise<void> {
    const body = shopifyBody(o);
    const reply = await sendShopify(listener.url, body, {
      merchantId: w.merchant.id,
      webhookId: `wh-${o.id}-${o.updated ?? ''}`,
      domain: w.domain,
      signature: base64Hmac(`shpss_${w.tag}_secret`, body),
    });
    expect(reply.status, reply.text).toBe(200);
  }

  /**
   * Sends the orders down one path, in order (tiers count sales in the order they are recorded: the
   * backfill's own batches in flight together would arrive in either order); returns each sale's commission (major-unit string) by order id. */
  async function place(path: Path, w: World, orders: readonly Order[]): Promise<Map<string, string | null>> {
    if (path === 'listener') {
      for (const o of orders) await send(w, o);
    } else {
      const summary = await backfillTikTok(db(), {
        merchantId: w.merchant.id,
        files: [exportFile(w, orders)],
        timezone: 'UTC',
        batchSize: 2,
        inFlight: 1,
      });
      expect(summary.errors).toEqual([]);
    }
    return commissions(w.merchant);
  }

  async function commissions(merchant: Merchant): Promise<Map<string, string | null>> {
    const rows = await listSales(db(), { merchantId: merchant.id });
    return new Map(rows.map((r) => [r.order_id, r.commission]));
  }

  let next = 1_000;
  const order = (w: World, lines: Line[], at = '2026-11-10T12:00:00Z', code = w.code): Order => ({
    id: String(8_800_000 + next++),
    at,
    code,
    lines,
  });
  const one = (amount = '100.00'): Line[] => [{ product: '501', amount }];
  const twoLines: Line[] = [
    { product: '501', amount: '50.00' },
    { product: '502', amount: '50.00' },
  ];

  for (const path of ['listener', 'backfill'] as const) {
    describe(path, () => {
      it('no deal → 15.00 on 100.00, and the sale says so', async () => {
        const w = await world();
        const o = order(w, one());
        expect((await place(path, w, [o])).get(o.id)).toBe('15.00');
        const [sale] = await listSales(db(), { merchantId: w.merchant.id });
        expect(sale).toMatchObject({ deal_id: null, commission_rate: '15' });
      });

      it('an influencer deal of 20% → 20.00 on 100.00', async () => {
        const w = await world();
        const d = await w.deal({ rate: '20', influencerId: w.mia.id });
        const o = order(w, one());
        expect((await place(path, w, [o])).get(o.id)).toBe('20.00');
        const [sale] = await listSales(db(), { merchantId: w.merchant.id });
        expect(sale).toMatchObject({ deal_id: d.id, commission_rate: '20' });
      });

      it('a product deal of 30% on one of two 50.00 lines → 22.50', async () => {
        const w = await world();
        const d = await w.deal({ rate: '30', product: '501' });
        const o = order(w, twoLines);
        expect((await place(path, w, [o])).get(o.id)).toBe('22.50');
        const [sale] = await listSales(db(), { merchantId: w.merchant.id });
        expect(sale).toMatchObject({ deal_id: d.id, commission_rate: '22.5' });
      });

      it('an influencer + product deal of 40% beats both → 30.00', async () => {
        const w = await world();
        await w.deal({ rate: '20', influencerId: w.mia.id });
        await w.deal({ rate: '30', product: '501' });
        const d = await w.deal({ rate: '40', influencerId: w.mia.id, product: '501' });
        const o = order(w, [{ product: '501', amount: '75.00' }]);
        expect((await place(path, w, [o])).get(o.id)).toBe('30.00');
        const [sale] = await listSales(db(), { merchantId: w.merchant.id });
        expect(sale?.deal_id).toBe(d.id);
      });

      it('a code deal inside its November window → 25.00, outside it → 15.00', async () => {
        const w = await world();
        await w.deal({
          rate: '25',
          code: w.code.toLowerCase(),
          from: '2026-11-01T00:00:00Z',
          until: '2026-12-01T00:00:00Z',
          name: 'November',
        });
        const inside = order(w, one(), '2026-11-30T23:59:00Z');
        const outside = order(w, one(), '2026-12-01T00:00:00Z');
        const before = order(w, one(), '2026-10-31T23:00:00Z');
        const got = await place(path, w, [inside, outside, before]);
        expect([got.get(inside.id), got.get(outside.id), got.get(before.id)]).toEqual(['25.00', '15.00', '15.00']);
      });

      it('a fixed deal of 5.00 → 5.00 whatever the amount', async () => {
        const w = await world();
        await w.deal({ fixed: '5.00', currency: 'USD', influencerId: w.mia.id });
        const small = order(w, one('3.00'));
        const big = order(w, one('999.99'));
        const got = await place(path, w, [small, big]);
        expect([got.get(small.id), got.get(big.id)]).toEqual(['5.00', '5.00']);
        const sales = await listSales(db(), { merchantId: w.merchant.id });
        expect(sales.map((s) => s.commission_rate)).toEqual([null, null]);
      });

      it('a fixed deal in another currency falls to the next rule', async () => {
        const w = await world();
        await w.deal({ rate: '20', influencerId: w.mia.id });
        await w.deal({ fixed: '5.00', currency: 'EUR', influencerId: w.mia.id });
        const o = order(w, one());
        expect((await place(path, w, [o])).get(o.id)).toBe('20.00');
      });

      it('--tiers 3:20 on a 10% deal → the fourth sale of the month at 20%, earlier sales unchanged', async () => {
        const w = await world();
        await w.deal({ rate: '10', influencerId: w.mia.id, tiers: '3:20' });
        const nov = [1, 2, 3, 4, 5].map((day) => order(w, one(), `2026-11-0${day}T10:00:00Z`));
        const dec = order(w, one(), '2026-12-02T10:00:00Z');
        const got = await place(path, w, [...nov, dec]);
        expect(nov.map((o) => got.get(o.id))).toEqual(['10.00', '10.00', '10.00', '20.00', '20.00']);
        // A new month counts from zero.
        expect(got.get(dec.id)).toBe('10.00');
      });

      it('after deal end, new orders fall back and old sales keep their terms', async () => {
        const w = await world();
        const d = await w.deal({ rate: '20', influencerId: w.mia.id });
        const old = order(w, one(), '2026-11-10T12:00:00Z');
        expect((await place(path, w, [old])).get(old.id)).toBe('20.00');
        const ended = await endDeal(db(), d.id, '2026-11-20T00:00:00Z');
        expect(ended.ended_at?.toISOString()).toBe('2026-11-20T00:00:00.000Z');
        expect(await listDeals(db(), { merchantId: w.merchant.id }, new Date('2026-11-21T00:00:00Z'))).toEqual([]);
        expect(await listDeals(db(), { merchantId: w.merchant.id, all: true })).toHaveLength(1);
        // A later deal for everyone can not reach back into the sale either.
        await w.deal({ rate: '50', from: '2026-11-01T00:00:00Z' });
        const fresh = order(w, one(), '2026-11-25T12:00:00Z');
        const got = await place(path, w, [fresh, { ...old, updated: '2026-11-26T12:00:00Z' }]);
        expect(got.get(fresh.id)).toBe('50.00');
        expect(got.get(old.id)).toBe('20.00');
        const sales = await listSales(db(), { merchantId: w.merchant.id });
        expect(sales.find((s) => s.order_id === old.id)).toMatchObject({ deal_id: d.id, commission_rate: '20' });
      });
    });
  }

  it('tiers are race-free: concurrent webhooks and a backfill beside the listener make exactly three sales at 10%', async () => {
    const w = await world();
    await w.deal({ rate: '10', influencerId: w.mia.id, tiers: '3:20' });
    const hooks = Array.from({ length: 8 }, (_, n) =>
      order(w, one(), `2026-11-${String(n + 1).padStart(2, '0')}T10:00:00Z`),
    );
    const file = Array.from({ length: 8 }, (_, n) =>
      order(w, one(), `2026-11-${String(n + 11).padStart(2, '0')}T10:00:00Z`),
    );
    await Promise.all([
      ...hooks.map((o) => send(w, o)),
      backfillTikTok(db(), {
        merchantId: w.merchant.id,
        files: [exportFile(w, file)],
        timezone: 'UTC',
        batchSize: 1,
        inFlight: 2,
      }).then((s) => expect(s.errors).toEqual([])),
    ]);
    const got = [...(await commissions(w.merchant)).values()];
    expect(got).toHaveLength(16);
    expect(got.filter((c) => c === '10.00')).toHaveLength(3);
    expect(got.filter((c) => c === '20.00')).toHaveLength(13);
  });

  it('bad deal flags are usage errors; unknown ids are not found; a deal ends once', async () => {
    const w = await world();
    const bad: DealInput[] = [
      {},
      { merchantId: w.merchant.id },
      { merchantId: w.merchant.id, rate: '10', fixed: '5', currency: 'USD' },
      { merchantId: w.merchant.id, fixed: '5' },
      { merchantId: w.merchant.id, rate: '10', currency: 'USD' },
      { merchantId: w.merchant.id, rate: '101' },
      { merchantId: w.merchant.id, rate: 'ten' },
      { merchantId: w.merchant.id, fixed: '-5', currency: 'USD' },
      { merchantId: w.merchant.id, fixed: '5.001', currency: 'USD' },
      { merchantId: w.merchant.id, fixed: '5', currency: 'XYZ1' },
      { merchantId: w.merchant.id, fixed: '5', currency: 'USD', product: '501' },
      { merchantId: w.merchant.id, rate: '10', tiers: '3' },
      { merchantId: w.merchant.id, fixed: '5', currency: 'USD', tiers: '3:20' },
      { merchantId: w.merchant.id, rate: '10', from: 'yesterday' },
      { merchantId: w.merchant.id, rate: '10', from: '2026-12-01T00:00:00Z', until: '2026-11-01T00:00:00Z' },
      { merchantId: w.merchant.id, rate: '10', influencerId: 'not-a-uuid' },
      { merchantId: w.merchant.id, rate: '10', code: 'a b' },
      { merchantId: 'nope', rate: '10' },
    ];
    for (const input of bad)
      await expect(addDeal(db(), input), JSON.stringify(input)).rejects.toMatchObject({ code: 'usage' });
    await expect(
      addDeal(db(), { merchantId: '00000000-0000-4000-8000-000000000000', rate: '10' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(endDeal(db(), '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'not_found' });
    const d = await w.deal({ rate: '12.5', tiers: '3:20,10:25', name: 'Spring' });
    expect(d).toMatchObject({
      rate: '12.5',
      fixed: null,
      tiers: [
        { sales: 3, rate: '20' },
        { sales: 10, rate: '25' },
      ],
      name: 'Spring',
    });
    await endDeal(db(), d.id);
    await expect(endDeal(db(), d.id)).rejects.toMatchObject({ code: 'conflict' });
    expect(await db().selectFrom('deals').select('rate_ppm').where('id', '=', d.id).executeTakeFirstOrThrow()).toEqual({
      rate_ppm: 125_000,
    });
  });
});
