import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/order-event.js';
import { getPlatform } from '../../src/platforms/platform.js';
import type { Parsed } from '../../src/platforms/platform.js';
import { apiOrderDelivery } from '../../src/platforms/tiktok-shop/api-order.js';
import { fixtureJson, merchant, request } from '../helpers/fixtures.js';

/** Adapters carry each order line's ids and pre-tax base (deals by product, #19). */
function parse(platform: 'shopify' | 'woocommerce', body: object, headers: Record<string, string>): OrderEvent {
  const p = getPlatform(platform);
  const raw = Buffer.from(JSON.stringify(body));
  const req = request(raw, { ...p.sign(raw, merchant), ...headers });
  const parsed: Parsed = p.parse(req, merchant, p.dedupeKey(req));
  if (parsed.kind !== 'events') throw new Error(parsed.reason);
  return parsed.events[0]!;
}
const shopify = (body: object) =>
  parse('shopify', body, { 'X-Shopify-Topic': 'orders/create', 'X-Shopify-Shop-Domain': merchant.shopifyDomain! });
const woo = (body: object) => parse('woocommerce', body, { 'X-WC-Webhook-Topic': 'order.created' });
const eur = (minor: bigint) => ({ minor, currency: 'EUR' });

describe('order lines', () => {
  it('Shopify: the fixture (total_discount, taxes included without tax lines) → one line of 80.00', () => {
    const e = shopify(fixtureJson('shopify/orders-create.json'));
    expect(e.lines).toEqual([{ lineId: '14523678901234', sku: 'SERUM-30', quantity: 2, base: eur(8000n) }]);
  });

  it('Shopify: product_id, variant_id, sku; discount allocations and, with taxes included, tax lines come off', () => {
    const body = {
      ...fixtureJson('shopify/orders-create.json'),
      line_items: [
        {
          id: 1,
          product_id: 632910392,
          variant_id: 808950810,
          sku: 'IPOD',
          quantity: 2,
          price: '60.00',
          discount_allocations: [{ amount: '10.00' }],
          tax_lines: [{ price: '18.33' }],
        },
        {
          id: 2,
          product_id: 632910393,
          variant_id: 808950811,
          quantity: 1,
          price: '5.00',
          discount_allocations: [],
          tax_lines: [],
        },
      ],
    };
    expect(shopify(body).lines).toEqual([
      { lineId: '1', productId: '632910392', skuId: '808950810', sku: 'IPOD', quantity: 2, base: eur(9167n) },
      { lineId: '2', productId: '632910393', skuId: '808950811', quantity: 1, base: eur(500n) },
    ]);
    expect(shopify({ ...body, taxes_included: false }).lines?.[0]?.base).toEqual(eur(11000n));
  });

  it('Shopify: an unreadable line drops the lines, not the order', () => {
    const e = shopify({ ...fixtureJson('shopify/orders-create.json'), line_items: [{ id: 1, price: 'abc' }] });
    expect(e.lines).toBeUndefined();
    expect(e.base).toEqual(eur(6667n)); // subtotal 80.00 less the 13.33 VAT it includes
  });

  it('WooCommerce: line total (after discounts, without tax), product_id, variation_id, sku', () => {
    expect(woo(fixtureJson('woocommerce/order-created.json')).lines).toEqual([
      { lineId: '301', productId: '77', sku: 'CREAM-50', quantity: 1, base: eur(4500n) },
    ]);
    const two = {
      ...fixtureJson('woocommerce/order-created.json'),
      line_items: [{ id: 1, product_id: 7, variation_id: 9, quantity: 3, total: '30.00', total_tax: '6.00' }],
    };
    expect(woo(two).lines).toEqual([{ lineId: '1', productId: '7', skuId: '9', quantity: 3, base: eur(3000n) }]);
  });

  it('TikTok API: line_items sku_id, product_id, seller_sku and sale_price (else original − seller discount)', () => {
    const order = {
      id: '576461413038785900',
      status: 'AWAITING_SHIPMENT',
      create_time: 1_760_000_000,
      update_time: 1_760_000_100,
      payment: { currency: 'USD', sub_total: '70.00', total_amount: '75.00' },
      line_items: [
        {
          id: 'L1',
          product_id: '1729',
          sku_id: '1729001',
          seller_sku: 'SERUM-30',
          sale_price: '30.00',
          original_price: '35.00',
        },
        { id: 'L2', product_id: '1730', sku_id: '1730001', original_price: '45.00', seller_discount: '5.00' },
      ],
    };
    const d = apiOrderDelivery(order, merchant);
    expect(d.events[0]!.lines).toEqual([
      {
        lineId: 'L1',
        productId: '1729',
        skuId: '1729001',
        sku: 'SERUM-30',
        quantity: 1,
        base: { minor: 3000n, currency: 'USD' },
      },
      { lineId: 'L2', productId: '1730', skuId: '1730001', quantity: 1, base: { minor: 4000n, currency: 'USD' } },
    ]);
    // The stored body keeps the lines, so a replay prices them the same.
    expect(JSON.parse(d.body).data.line_items).toHaveLength(2);
  });
});
