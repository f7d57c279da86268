import type { MerchantSecrets } from '../../src/platforms/platform.js';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attribute } from '../../src/domain/attribution.js';
import { computeCommission } from '../../src/domain/commission.js';
import type { OrderEvent } from '../../src/domain/order-event.js';
import { TracknowError } from '../../src/errors.js';
import { getPlatform } from '../../src/platforms/platform.js';
import type { Parsed } from '../../src/platforms/platform.js';
import { fixture, fixtureJson, lookup, merchant, request } from '../helpers/fixtures.js';

const shopify = getPlatform('shopify');
const order = fixtureJson('shopify/orders-create.json');

function deliver(
  body: Buffer | string | object,
  topic = 'orders/create',
  extra: Record<string, string> = {},
  m: MerchantSecrets = merchant,
): Parsed {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const req = request(raw, {
    ...shopify.sign(raw, m),
    'X-Shopify-Topic': topic,
    'X-Shopify-Shop-Domain': 'glow-shop.myshopify.com',
    ...extra,
  });
  expect(shopify.verify(req, m)).toEqual({ ok: true });
  return shopify.parse(req, m, shopify.dedupeKey(req));
}

function only(parsed: Parsed): OrderEvent {
  if (parsed.kind !== 'events') throw new Error(`expected events, got ${parsed.kind}: ${parsed.reason}`);
  expect(parsed.events).toHaveLength(1);
  return parsed.events[0]!;
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TracknowError ? err.code : 'not a TracknowError';
  }
  return undefined;
}

describe('Shopify orders/create fixture', () => {
  it('discount code ABC12345 → base 66.67 EUR (subtotal_price 80.00 less the 13.33 VAT it includes) → 10.00', () => {
    const parsed = deliver(fixture('shopify/orders-create.json'), 'orders/create', { 'X-Shopify-Webhook-Id': 'wh-1' });
    expect(parsed).toMatchObject({ kind: 'events', eventType: 'orders/create', orderId: '5839201847362' });
    const event = only(parsed);
    expect(event).toMatchObject({
      platform: 'shopify',
      externalOrderId: '5839201847362',
      status: 'paid',
      platformStatus: 'paid',
      base: { minor: 6667n, currency: 'EUR' },
      total: { minor: 8590n, currency: 'EUR' },
      dedupeKey: 'wh-1',
      hints: [
        { method: 'promo_code', value: 'ABC12345' },
        { method: 'utm_source', value: 'instagram' },
      ],
    });
    expect(event.eventTime.toISOString()).toBe('2026-10-01T18:03:13.000Z');
    expect(event.orderedAt?.toISOString()).toBe('2026-10-01T18:03:11.000Z');
    expect(attribute(event.merchantId, event.hints, lookup)).toEqual({
      influencerId: 'inf-abc',
      method: 'promo_code',
      value: 'ABC12345',
    });
    expect(computeCommission(event.base!.minor, 150000)).toBe(1000n);
  });

  it("taxes_included: the line items' tax_lines come off first; else total_tax less the shipping lines' tax", () => {
    const lines = {
      ...order,
      line_items: [{ id: 1, price: '50.00', quantity: 2, tax_lines: [{ price: '13.00', rate: 0.2 }] }],
    };
    expect(only(deliver(lines, 'orders/create')).base).toEqual({ minor: 6700n, currency: 'EUR' });
    const shipping = {
      ...order,
      total_tax: '14.31',
      shipping_lines: [{ price: '5.90', tax_lines: [{ price: '0.98' }] }],
    };
    expect(only(deliver(shipping, 'orders/create')).base).toEqual({ minor: 6667n, currency: 'EUR' });
    // Prices without tax: subtotal_price is the base as it is.
    expect(only(deliver({ ...order, taxes_included: false }, 'orders/create')).base).toEqual({
      minor: 8000n,
      currency: 'EUR',
    });
  });

  it('--commission-base with-tax and total', () => {
    const withTax = { ...merchant, commissionBase: 'with-tax' as const };
    const total = { ...merchant, commissionBase: 'total' as const };
    expect(only(deliver(order, 'orders/create', {}, withTax)).base).toEqual({ minor: 8000n, currency: 'EUR' });
    expect(only(deliver({ ...order, taxes_included: false }, 'orders/create', {}, withTax)).base).toEqual({
      minor: 9333n,
      currency: 'EUR',
    });
    expect(only(deliver(order, 'orders/create', {}, total)).base).toEqual({ minor: 8590n, currency: 'EUR' });
  });

  it('a test order (test: true) is stored and answered, never an order event', () => {
    expect(deliver({ ...order, test: true }, 'orders/create')).toMatchObject({
      kind: 'ignored',
      orderId: '5839201847362',
      reason: expect.stringMatching(/test order.*never earns/),
    });
    expect(deliver({ ...order, test: true }, 'orders/paid')).toMatchObject({ kind: 'ignored' });
  });
});

describe('Shopify topics and statuses', () => {
  it.each([
    ['orders/create', 'paid', 'paid'],
    ['orders/paid', 'partially_paid', 'paid'],
    ['orders/paid', 'authorized', 'paid'],
    ['orders/paid', 'pending', 'unpaid'],
    ['orders/updated', 'partially_refunded', 'paid'],
    ['orders/updated', 'refunded', 'refunded'],
    ['orders/updated', 'voided', 'cancelled'],
    ['orders/updated', 'expired', 'unpaid'],
    ['orders/cancelled', 'paid', 'cancelled'],
  ])('%s with financial_status %s → %s', (topic, financial, expected) => {
    expect(only(deliver({ ...order, financial_status: financial }, topic)).status).toBe(expected);
  });

  it('an updated order with cancelled_at is cancelled, timed at the cancellation on orders/cancelled', () => {
    const cancelled = { ...order, cancelled_at: '2026-10-02T09:00:00-04:00', updated_at: '2026-10-02T09:00:05-04:00' };
    expect(only(deliver(cancelled, 'orders/updated'))).toMatchObject({
      status: 'cancelled',
      platformStatus: 'cancelled',
    });
    expect(only(deliver(cancelled, 'orders/cancelled')).eventTime.toISOString()).toBe('2026-10-02T13:00:00.000Z');
  });

  it('refunds/create sums the refunded merchandise into one refund, by its id, with line detail', () => {
    const refund = {
      id: 509562969,
      order_id: 5839201847362,
      created_at: '2026-10-05T10:00:00-04:00',
      processed_at: '2026-10-05T10:00:01-04:00',
      refund_line_items: [
        {
          id: 1,
          quantity: 1,
          subtotal: 16.5,
          subtotal_set: {
            shop_money: { amount: '16.50', currency_code: 'EUR' },
            presentment_money: { amount: '16.50', currency_code: 'EUR' },
          },
        },
        { id: 2, quantity: 1, subtotal: 23.5 },
      ],
      transactions: [{ amount: '40.00', kind: 'refund' }],
    };
    const parsed = deliver(refund, 'refunds/create');
    expect(parsed).toMatchObject({ kind: 'events', eventType: 'refunds/create', orderId: '5839201847362' });
    const event = only(parsed);
    expect(event).toMatchObject({
      status: 'refunded',
      platformStatus: 'refund',
      refunds: [{ id: 'shopify:509562969', base: { minor: 4000n, currency: 'EUR' } }],
      hints: [],
    });
    expect(event.base).toBeUndefined();
    expect(event.eventTime.toISOString()).toBe('2026-10-05T14:00:01.000Z');
    // A shipping-only refund takes no merchandise off.
    expect(only(deliver({ ...refund, refund_line_items: [] }, 'refunds/create')).refunds).toEqual([
      { id: 'shopify:509562969', base: { minor: 0n, currency: 'USD' } },
    ]);
  });

  it.each(['orders/fulfilled', 'orders/delete', 'products/update', 'app/uninstalled'])('ignores %s', (topic) => {
    expect(deliver(order, topic)).toMatchObject({ kind: 'ignored', eventType: topic });
  });

  it('ignores a delivery without a topic', () => {
    expect(deliver(order, '')).toMatchObject({ kind: 'ignored', eventType: 'unknown' });
  });
});

describe('Shopify attribution hints', () => {
  it('reads discount codes, note attributes, the landing site and the note, in that order', () => {
    const body = {
      ...order,
      discount_codes: [{ code: 'SAVE10' }, { code: 'ABC12345' }],
      note_attributes: [
        { name: 'gift', value: 'no' },
        { name: 'tracking_code', value: 'TC1' },
        { name: 'tracknow_click', value: 'click-9' },
        { name: 'tracknow_ref', value: 'REF1' },
      ],
      landing_site: '/r/PATHCODE?utm_source=US1&utm_campaign=UC1&ref=QR1',
      landing_site_ref: 'QR1',
      note: 'From TRACK:NOTE1',
    };
    expect(only(deliver(body)).hints.map((h) => `${h.method}=${h.value}`)).toEqual([
      'promo_code=SAVE10',
      'promo_code=ABC12345',
      'ref=TC1',
      'click=click-9',
      'ref=REF1',
      'utm_source=US1',
      'utm_campaign=UC1',
      'ref=QR1',
      'ref=PATHCODE',
      'ref=QR1',
      'track_message=From TRACK:NOTE1',
    ]);
  });

  it('reads a full landing URL and survives a broken one', () => {
    const hints = (landing_site: unknown) => only(deliver({ ...order, discount_codes: [], landing_site })).hints;
    expect(hints('https://glow.example/r/abc12345')).toEqual([{ method: 'ref', value: 'abc12345' }]);
    expect(hints('http://[::1')).toEqual([]);
    expect(hints(null)).toEqual([]);
  });
});

describe('Shopify verification and keys', () => {
  const raw = fixture('shopify/orders-create.json');
  const signed = shopify.sign(raw, merchant);

  it('refuses a webhook from another shop domain, accepts any when the merchant has none', () => {
    const req = request(raw, { ...signed, 'X-Shopify-Shop-Domain': 'other.myshopify.com' });
    expect(shopify.verify(req, merchant)).toMatchObject({ ok: false, problem: 'wrong_shop' });
    expect(shopify.verify(req, { ...merchant, shopifyDomain: null })).toEqual({ ok: true });
    expect(
      shopify.verify(request(raw, { ...signed, 'X-Shopify-Shop-Domain': 'Glow-Shop.myshopify.com' }), merchant),
    ).toEqual({ ok: true });
  });

  it('dedupes by webhook id, then event id and topic, then body hash', () => {
    expect(shopify.dedupeKey(request(raw, { 'X-Shopify-Webhook-Id': 'w', 'X-Shopify-Event-Id': 'e' }))).toBe('w');
    expect(shopify.dedupeKey(request(raw, { 'X-Shopify-Event-Id': 'e', 'X-Shopify-Topic': 'orders/paid' }))).toBe(
      'e:orders/paid',
    );
    expect(shopify.dedupeKey(request(raw))).toBe(createHash('sha256').update(raw).digest('hex'));
  });
});

describe('Shopify malformed bodies', () => {
  const text = fixture('shopify/orders-create.json').toString('utf8');
  it.each([
    ['truncated JSON', text.slice(0, 100), 'orders/create'],
    ['a JSON array', '[]', 'orders/create'],
    ['JSON null', 'null', 'orders/create'],
    ['no order id', JSON.stringify({ ...order, id: undefined }), 'orders/create'],
    ['a refund without order_id', JSON.stringify({ id: 1, refund_line_items: [] }), 'refunds/create'],
    ['an unknown currency', JSON.stringify({ ...order, currency: 'EURO' }), 'orders/create'],
    ['a bad subtotal', JSON.stringify({ ...order, subtotal_price: '80,00' }), 'orders/create'],
    [
      'a bad refund subtotal',
      JSON.stringify({ order_id: 1, created_at: '2026-10-05T10:00:00Z', refund_line_items: [{ subtotal: 'x' }] }),
      'refunds/create',
    ],
    ['a bad date', JSON.stringify({ ...order, updated_at: 'tomorrow' }), 'orders/updated'],
  ])('%s is invalid', (_, body, topic) => {
    expect(errorCode(() => deliver(body, topic))).toBe('invalid');
  });
});
