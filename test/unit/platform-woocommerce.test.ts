import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attribute } from '../../src/domain/attribution.js';
import { computeCommission } from '../../src/domain/commission.js';
import type { OrderEvent } from '../../src/domain/order-event.js';
import { TracknowError } from '../../src/errors.js';
import { getPlatform } from '../../src/platforms/platform.js';
import type { Parsed } from '../../src/platforms/platform.js';
import { fixture, fixtureJson, lookup, merchant, request } from '../helpers/fixtures.js';

const woo = getPlatform('woocommerce');
const order = fixtureJson('woocommerce/order-created.json');

function deliver(body: Buffer | string | object, topic = 'order.created', receivedAt?: Date): Parsed {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const req = request(raw, { ...woo.sign(raw, merchant), 'X-WC-Webhook-Topic': topic }, receivedAt);
  expect(woo.isPing?.(req)).toBe(false);
  expect(woo.verify(req, merchant)).toEqual({ ok: true });
  return woo.parse(req, merchant, woo.dedupeKey(req));
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

describe('WooCommerce order.created fixture', () => {
  it('meta _tracking_code ZX9Q77 → base 45.00 EUR (total − shipping − tax) → 6.75', () => {
    const parsed = deliver(fixture('woocommerce/order-created.json'));
    expect(parsed).toMatchObject({ kind: 'events', eventType: 'order.created', orderId: '4821' });
    const event = only(parsed);
    expect(event).toMatchObject({
      platform: 'woocommerce',
      externalOrderId: '4821',
      status: 'paid',
      platformStatus: 'processing',
      base: { minor: 4500n, currency: 'EUR' },
      total: { minor: 5988n, currency: 'EUR' },
      hints: [
        { method: 'ref', value: 'ZX9Q77' },
        { method: 'utm_source', value: 'tiktok' },
      ],
    });
    // *_gmt times carry no zone suffix and are UTC.
    expect(event.orderedAt?.toISOString()).toBe('2026-10-02T08:15:00.000Z');
    expect(event.eventTime.toISOString()).toBe('2026-10-02T08:15:04.000Z');
    expect(attribute(event.merchantId, event.hints, lookup)).toEqual({
      influencerId: 'inf-zx',
      method: 'ref',
      value: 'ZX9Q77',
    });
    expect(computeCommission(event.base!.minor, 150000)).toBe(675n);
  });
});

describe('WooCommerce topics and statuses', () => {
  it.each([
    ['processing', 'paid'],
    ['completed', 'paid'],
    ['on-hold', 'paid'],
    ['cancelled', 'cancelled'],
    ['failed', 'unpaid'],
    ['refunded', 'refunded'],
    ['pending', 'unpaid'],
    ['checkout-draft', 'unpaid'],
    ['some-custom-status', 'other'],
  ])('status %s → %s', (status, expected) => {
    expect(only(deliver({ ...order, status }, 'order.updated'))).toMatchObject({
      status: expected,
      platformStatus: status,
    });
  });

  it('order.restored follows the status; order.deleted cancels, even a bare {id}', () => {
    expect(only(deliver({ ...order, status: 'completed' }, 'order.restored')).status).toBe('paid');
    expect(only(deliver({ ...order, status: 'trash' }, 'order.deleted'))).toMatchObject({
      status: 'cancelled',
      platformStatus: 'deleted',
    });
    const at = new Date('2026-10-09T00:00:00Z');
    const bare = only(deliver({ id: 4821 }, 'order.deleted', at));
    expect(bare).toMatchObject({ externalOrderId: '4821', status: 'cancelled', hints: [] });
    expect(bare.eventTime).toEqual(at);
    expect(bare.base).toBeUndefined();
  });

  it.each(['product.updated', 'coupon.created', 'customer.deleted'])('ignores %s', (topic) => {
    expect(deliver(order, topic)).toMatchObject({ kind: 'ignored', eventType: topic });
  });
});

describe('WooCommerce details', () => {
  it('reads coupons, meta (click before ref) and the customer note', () => {
    const body = {
      ...order,
      coupon_lines: [
        { id: 1, code: 'summer' },
        { id: 2, code: 'abc12345' },
      ],
      meta_data: [
        { key: 'tracknow_ref', value: 'REF2' },
        { key: '_tracking_code', value: 'REF1' },
        { key: 'tracknow_click', value: 'click-7' },
        { key: '_other', value: 'x' },
        { key: '_tracking_code', value: { nested: true } },
      ],
      customer_note: 'hello\nTRACK: zx9q77',
    };
    const event = only(deliver(body));
    expect(event.hints.map((h) => `${h.method}=${h.value}`)).toEqual([
      'promo_code=summer',
      'promo_code=abc12345',
      'click=click-7',
      'ref=REF1',
      'ref=REF2',
      'track_message=hello\nTRACK: zx9q77',
    ]);
    expect(attribute(event.merchantId, event.hints, lookup)).toMatchObject({ method: 'promo_code', value: 'ABC12345' });
  });

  it('keeps the base at zero when fees push it below', () => {
    const event = only(deliver({ ...order, total: '5.00', shipping_total: '4.90', total_tax: '0.98' }));
    expect(event.base).toEqual({ minor: 0n, currency: 'EUR' });
  });

  it('recognises the unsigned webhook_id ping and nothing else as a ping', () => {
    expect(woo.isPing?.(request('webhook_id=17', { 'content-type': 'application/x-www-form-urlencoded' }))).toBe(true);
    expect(woo.isPing?.(request('webhook_id=17', { 'X-WC-Webhook-Signature': 'abc' }))).toBe(false);
    expect(woo.isPing?.(request('webhook_id=17&x=1'))).toBe(false);
    expect(woo.isPing?.(request('{"webhook_id":17}'))).toBe(false);
  });

  it('dedupes by delivery id, else the body hash', () => {
    const raw = fixture('woocommerce/order-created.json');
    expect(woo.dedupeKey(request(raw, { 'X-WC-Webhook-Delivery-ID': 'd-1' }))).toBe('d-1');
    expect(woo.dedupeKey(request(raw))).toBe(createHash('sha256').update(raw).digest('hex'));
  });
});

describe('WooCommerce malformed bodies', () => {
  const text = fixture('woocommerce/order-created.json').toString('utf8');
  it.each([
    ['truncated JSON', text.slice(0, 200)],
    ['a JSON array', '[{"id":1}]'],
    ['a form body', 'webhook_id=17'],
    ['no order id', JSON.stringify({ ...order, id: undefined })],
    ['no status', JSON.stringify({ ...order, status: undefined })],
    ['an unknown currency', JSON.stringify({ ...order, currency: 'XXX' })],
    ['a bad total', JSON.stringify({ ...order, total: 'lots' })],
    ['a bad date', JSON.stringify({ ...order, date_modified_gmt: '02/10/2026' })],
    ['no time at all', JSON.stringify({ ...order, date_created_gmt: null, date_modified_gmt: null })],
  ])('%s is invalid', (_, body) => {
    expect(errorCode(() => deliver(body, 'order.updated'))).toBe('invalid');
  });
});
