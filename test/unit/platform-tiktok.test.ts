import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { attribute } from '../../src/domain/attribution.js';
import { computeCommission } from '../../src/domain/commission.js';
import type { OrderEvent } from '../../src/domain/order-event.js';
import { TracknowError } from '../../src/errors.js';
import { getPlatform } from '../../src/platforms/platform.js';
import type { Parsed } from '../../src/platforms/platform.js';
import { fixture, fixtureJson, lookup, merchant, request } from '../helpers/fixtures.js';

const tiktok = getPlatform('tiktok');

/** Signs a body like TikTok, then verifies, dedupes and parses it as the listener would. */
function deliver(body: Buffer | string | object): Parsed {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const req = request(raw, tiktok.sign(raw, merchant));
  expect(tiktok.verify(req, merchant)).toEqual({ ok: true });
  return tiktok.parse(req, merchant, tiktok.dedupeKey(req));
}

function only(parsed: Parsed): OrderEvent {
  if (parsed.kind !== 'events') throw new Error(`expected events, got ${parsed.kind}: ${parsed.reason}`);
  expect(parsed.events).toHaveLength(1);
  return parsed.events[0]!;
}

function invalidCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TracknowError ? err.code : 'not a TracknowError';
  }
  return undefined;
}

const seed = fixtureJson('tiktok/seed-order-status-change.json');
const withData = (base: Record<string, unknown>, data: Record<string, unknown>) => ({
  ...base,
  data: { ...(base.data as object), ...data },
});

describe('TikTok Shop fixtures', () => {
  it('seed: legacy 111 is paid, 12550 integer cents, creator → 18.83', () => {
    const body = fixture('tiktok/seed-order-status-change.json');
    const parsed = deliver(body);
    expect(parsed).toMatchObject({ kind: 'events', eventType: 'ORDER_STATUS_CHANGE', orderId: '123456' });
    const event = only(parsed);
    expect(event).toMatchObject({
      platform: 'tiktok',
      merchantId: 'm-1',
      externalOrderId: '123456',
      status: 'paid',
      platformStatus: '111',
      base: { minor: 12550n, currency: 'USD' },
      total: { minor: 12550n, currency: 'USD' },
      hints: [{ method: 'creator_id', value: 'tiktok_creator_123' }],
      dedupeKey: createHash('sha256').update(body).digest('hex'),
    });
    expect(event.eventTime.toISOString()).toBe(new Date(1634567890_000).toISOString());
    const attribution = attribute(event.merchantId, event.hints, lookup);
    expect(attribution).toEqual({ influencerId: 'inf-creator', method: 'creator_id', value: 'tiktok_creator_123' });
    expect(computeCommission(event.base!.minor, 150000)).toBe(1883n);
  });

  it('type 1 notification: status only, no amounts, keyed by tts_notification_id', () => {
    const event = only(deliver(fixture('tiktok/notification-order-status-change.json')));
    expect(event).toMatchObject({
      externalOrderId: '576461413038785752',
      status: 'paid',
      platformStatus: 'AWAITING_SHIPMENT',
      hints: [],
    });
    expect(event.base).toBeUndefined();
    expect(event.total).toBeUndefined();
    expect(event.dedupeKey).toBe('7327112393057371910');
    expect(event.eventTime.getTime()).toBe(1760000000_000);
  });

  it('type 11 cancellation complete: the order is cancelled', () => {
    const parsed = deliver(fixture('tiktok/notification-cancellation.json'));
    expect(parsed).toMatchObject({
      kind: 'events',
      eventType: 'CANCELLATION_STATUS_CHANGE',
      orderId: '576461413038785752',
    });
    const event = only(parsed);
    expect(event).toMatchObject({
      status: 'cancelled',
      platformStatus: 'CANCELLATION_REQUEST_COMPLETE',
      dedupeKey: '7327112393057371999',
    });
    expect(event.eventTime.getTime()).toBe(1760003600_000);
    // create_time of a cancellation is the request's, not the order's.
    expect(event.orderedAt).toBeUndefined();
  });

  it('enriched: promo ABC12345 beats UTM and TRACK; base 79.90 EUR → 11.99', () => {
    const event = only(deliver(fixture('tiktok/enriched-promo-code.json')));
    expect(event).toMatchObject({
      status: 'paid',
      base: { minor: 7990n, currency: 'EUR' },
      total: { minor: 8990n, currency: 'EUR' },
      hints: [
        { method: 'promo_code', value: 'abc12345' },
        { method: 'utm_source', value: 'ZZZ00000' },
        { method: 'track_message', value: 'TRACK:QQQ11111' },
      ],
    });
    expect(event.orderedAt?.getTime()).toBe(1759999000_000);
    const attribution = attribute(event.merchantId, event.hints, lookup);
    expect(attribution).toEqual({ influencerId: 'inf-abc', method: 'promo_code', value: 'ABC12345' });
    expect(computeCommission(event.base!.minor, 150000)).toBe(1199n);
  });
});

describe('TikTok Shop status mapping', () => {
  it.each([
    [100, 'unpaid'],
    [105, 'paid'],
    [111, 'paid'],
    [112, 'paid'],
    [114, 'paid'],
    [121, 'paid'],
    [122, 'paid'],
    [130, 'paid'],
    [140, 'cancelled'],
    ['140', 'cancelled'],
    ['UNPAID', 'unpaid'],
    ['ON_HOLD', 'paid'],
    ['AWAITING_SHIPMENT', 'paid'],
    ['AWAITING_COLLECTION', 'paid'],
    ['PARTIALLY_SHIPPING', 'paid'],
    ['IN_TRANSIT', 'paid'],
    ['DELIVERED', 'paid'],
    ['COMPLETED', 'paid'],
    ['CANCELLED', 'cancelled'],
    ['CANCEL', 'cancelled'],
    ['SOMETHING_NEW', 'other'],
    [999, 'other'],
  ])('order_status %j → %s', (status, expected) => {
    expect(only(deliver(withData(seed, { order_status: status }))).status).toBe(expected);
  });

  it.each([
    ['CANCELLATION_REQUEST_COMPLETE', 'cancelled'],
    ['CANCELLATION_REQUEST_PENDING', 'other'],
  ])('type 11 %s → %s', (cancelStatus, expected) => {
    const body = withData(fixtureJson('tiktok/notification-cancellation.json'), { cancel_status: cancelStatus });
    expect(only(deliver(body)).status).toBe(expected);
  });

  it.each([
    ['RETURN_OR_REFUND_REQUEST_COMPLETE', 'refunded'],
    ['AWAITING_BUYER_SHIP', 'other'],
  ])('type 12 %s → %s', (returnStatus, expected) => {
    const body = {
      type: 12,
      tts_notification_id: 'n-12',
      shop_id: '7494049642642441621',
      timestamp: 1760007200,
      data: { order_id: '576461413038785752', return_status: returnStatus, return_id: 'r1', update_time: 1760007100 },
    };
    const parsed = deliver(body);
    expect(parsed).toMatchObject({ eventType: 'RETURN_STATUS_CHANGE' });
    expect(only(parsed)).toMatchObject({ status: expected, platformStatus: returnStatus, dedupeKey: 'n-12' });
    expect(only(parsed).eventTime.getTime()).toBe(1760007100_000);
  });

  it('ignores other notification types, keeping the order id when there is one', () => {
    expect(deliver({ type: 5, tts_notification_id: 'n5', timestamp: 1, data: { product_id: 'p' } })).toEqual({
      kind: 'ignored',
      eventType: 'TYPE_5',
      reason: 'TikTok notification type TYPE_5 is not an order event',
    });
    expect(deliver({ type: 4, timestamp: 1, data: { order_id: '42', package_id: 'x' } })).toMatchObject({
      kind: 'ignored',
      orderId: '42',
    });
    expect(deliver({ type: 'PRODUCT_STATUS_CHANGE', data: {} })).toMatchObject({
      kind: 'ignored',
      eventType: 'PRODUCT_STATUS_CHANGE',
    });
    // The seed's shape only knew order status changes.
    expect(deliver({ type: 'CANCELLATION_STATUS_CHANGE', data: { order_id: '1' } })).toMatchObject({ kind: 'ignored' });
  });
});

describe('TikTok Shop payload details', () => {
  it('reads decimal strings as major units in the currency exponent (JPY, KWD)', () => {
    const jpy = only(deliver(withData(seed, { payment: { total_amount: '1250', currency: 'JPY' } })));
    expect(jpy.base).toEqual({ minor: 1250n, currency: 'JPY' });
    const kwd = only(
      deliver(withData(seed, { payment: { sub_total: '1.250', total_amount: '1.500', currency: 'kwd' } })),
    );
    expect(kwd.base).toEqual({ minor: 1250n, currency: 'KWD' });
    expect(kwd.total).toEqual({ minor: 1500n, currency: 'KWD' });
  });

  it("falls back to the merchant's currency when the payment names none", () => {
    expect(only(deliver(withData(seed, { payment: { total_amount: 999 } }))).base).toEqual({
      minor: 999n,
      currency: 'USD',
    });
  });

  it('collects creator, username, every promo code, utm and buyer message', () => {
    const body = withData(seed, {
      creator_info: { creator_id: 'c1', creator_username: '@Mia' },
      promotion_info: [{ promotion_code: 'A1' }, { promotion_code: '' }, { promotion_code: 'B2' }],
      tracking_info: { utm_source: 'S', utm_campaign: 'C' },
      buyer_message: 'TRACK:X',
    });
    expect(only(deliver(body)).hints.map((h) => `${h.method}=${h.value}`)).toEqual([
      'creator_id=c1',
      'creator_username=@Mia',
      'promo_code=A1',
      'promo_code=B2',
      'utm_source=S',
      'utm_campaign=C',
      'track_message=TRACK:X',
    ]);
  });

  it('accepts the fallback signature headers and upper-case hex', () => {
    const raw = fixture('tiktok/seed-order-status-change.json');
    const { Authorization: sig } = tiktok.sign(raw, merchant) as { Authorization: string };
    expect(tiktok.verify(request(raw, { 'x-tt-signature': sig }), merchant)).toEqual({ ok: true });
    expect(tiktok.verify(request(raw, { 'x-tts-signature': sig.toUpperCase() }), merchant)).toEqual({ ok: true });
  });

  it('refuses a notification for another shop, but not when the merchant has no shop id', () => {
    const raw = Buffer.from(
      JSON.stringify({ ...fixtureJson('tiktok/notification-order-status-change.json'), shop_id: '1111' }),
    );
    const req = request(raw, tiktok.sign(raw, merchant));
    expect(tiktok.verify(req, merchant)).toMatchObject({ ok: false, problem: 'wrong_shop' });
    expect(tiktok.verify(req, { ...merchant, tiktokShopId: null })).toEqual({ ok: true });
  });

  it('refuses a shop id sent as a number too big to be exact: it could name any shop', () => {
    const notification = fixtureJson('tiktok/notification-order-status-change.json') as Record<string, unknown>;
    // 7494049642642441621 as a JSON number reads back as 7494049642642441000: the check cannot be trusted.
    const raw = Buffer.from(
      JSON.stringify(notification).replace('"shop_id":"7494049642642441621"', '"shop_id":7494049642642441621'),
    );
    expect(raw.toString()).toContain('"shop_id":7494049642642441621');
    expect(tiktok.verify(request(raw, tiktok.sign(raw, merchant)), merchant)).toMatchObject({
      ok: false,
      problem: 'wrong_shop',
    });
    expect(tiktok.verify(request(raw, tiktok.sign(raw, merchant)), { ...merchant, tiktokShopId: null })).toEqual({
      ok: true,
    });
    const exact = Buffer.from(JSON.stringify({ ...notification, shop_id: 1111 }));
    expect(tiktok.verify(request(exact, tiktok.sign(exact, merchant)), { ...merchant, tiktokShopId: '1111' })).toEqual({
      ok: true,
    });
  });

  it('falls back to the body hash when there is no notification id, even for non-JSON', () => {
    const raw = Buffer.from('not json');
    expect(tiktok.dedupeKey(request(raw))).toBe(createHash('sha256').update(raw).digest('hex'));
  });
});

describe('TikTok Shop malformed bodies', () => {
  const raw = fixture('tiktok/seed-order-status-change.json').toString('utf8');
  it.each([
    ['truncated JSON', raw.slice(0, raw.length / 2)],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['a JSON string', '"hello"'],
    ['no data', JSON.stringify({ type: 1, timestamp: 1 })],
    ['no order id', JSON.stringify(withData(seed, { order_id: undefined }))],
    ['an empty order id', JSON.stringify(withData(seed, { order_id: '  ' }))],
    [
      'an order id past 2^53',
      '{"type":1,"timestamp":1,"data":{"order_id":576461413038785752,"order_status":"COMPLETED"}}',
    ],
    ['no order status', JSON.stringify(withData(seed, { order_status: null }))],
    ['an unknown currency', JSON.stringify(withData(seed, { payment: { total_amount: 100, currency: 'ZZZ' } }))],
    ['a float amount', JSON.stringify(withData(seed, { payment: { total_amount: 125.5, currency: 'USD' } }))],
    ['a negative amount', JSON.stringify(withData(seed, { payment: { total_amount: -5, currency: 'USD' } }))],
    ['too many decimals', JSON.stringify(withData(seed, { payment: { sub_total: '1.005', currency: 'USD' } }))],
    ['exponent notation', JSON.stringify(withData(seed, { payment: { sub_total: '1e3', currency: 'USD' } }))],
    ['a bad timestamp', JSON.stringify({ ...seed, timestamp: 'yesterday' })],
  ])('%s is invalid', (_, body) => {
    expect(invalidCode(() => deliver(body))).toBe('invalid');
  });

  it('uses the receive time when a body carries no time at all', () => {
    const body = Buffer.from(
      JSON.stringify({ type: 'ORDER_STATUS_CHANGE', data: { order_id: '9', order_status: 111 } }),
    );
    const at = new Date('2026-01-01T00:00:00Z');
    const event = only(tiktok.parse(request(body, {}, at), merchant, 'k'));
    expect(event.eventTime).toEqual(at);
    expect(invalidCode(() => tiktok.parse(request(body), merchant, 'k'))).toBe('invalid');
  });
});
