import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/domain/duration.js';
import { apiOrderDelivery } from '../../src/platforms/tiktok-shop/api-order.js';
import { problemFor, retryAfterMs } from '../../src/platforms/tiktok-shop/api/errors.js';
import { signatureBase, signRequest } from '../../src/platforms/tiktok-shop/api/sign.js';
import { apiOrder } from '../helpers/fake-tiktok.js';
import { merchant } from '../helpers/fixtures.js';

describe('202309 request signing, against vectors from the documentation', () => {
  it('"Sign your API request": Get Authorized Shops, app_secret e59af819cc → the documented sign', () => {
    // Steps 2-5 of the walkthrough, and its final sign.
    const query = { app_key: '29a39d', timestamp: '1623812664', sign: 'ignored', access_token: 'ignored' };
    expect(signatureBase('/authorization/202309/shops', query)).toBe(
      '/authorization/202309/shopsapp_key29a39dtimestamp1623812664',
    );
    expect(signRequest('e59af819cc', '/authorization/202309/shops', query)).toBe(
      'b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8',
    );
  });

  it('the documented body-bearing base (Update Shop Webhook): shop_cipher sorts between app_key and timestamp, the body is appended raw', () => {
    const body = '{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}';
    const query = { timestamp: '1696909648', shop_cipher: 'ROW_xkMbgAAAeVAQra0eZWebFQq5aIK', app_key: '68xu9ks5p4i8' };
    expect(signatureBase('/event/202309/webhooks', query, body)).toBe(
      '/event/202309/webhooksapp_key68xu9ks5p4i8shop_cipherROW_xkMbgAAAeVAQra0eZWebFQq5aIKtimestamp1696909648{"address":"https://partner.tiktokshop.com","event_type":"PACKAGE_UPDATE"}',
    );
    // The page prints no digest for this one: computed here with `openssl dgst -sha256 -hmac e59af819cc` over the wrapped string.
    expect(signRequest('e59af819cc', '/event/202309/webhooks', query, body)).toBe(
      'cd0d6268252f4ba293bf7ea4c0a2873bf9beec600d22530638564ab301435f7a',
    );
  });

  it('matches an independent SDK vector (EcomPHP tiktokshop-php: path /test-api, foo=bar, secret app_secret)', () => {
    expect(signRequest('app_secret', '/test-api', { foo: 'bar' })).toBe(
      'd3cb7fe11ecae942802ceeca67e7cf10120cc12f1517d45fbc1c8cfe5413c80f',
    );
  });

  it('signs values as sent (unencoded, comma-joined ids) and is lowercase hex', () => {
    const base = signatureBase('/order/202309/orders', {
      ids: '576461413038785752,576461413038785801',
      app_key: 'k',
      timestamp: '1',
    });
    expect(base).toBe('/order/202309/ordersapp_keykids576461413038785752,576461413038785801timestamp1');
    expect(signRequest('s', '/p', {})).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('TikTok API answers', () => {
  it('classifies status and code: 429, 5xx, 105002, 105001, 106001, other codes, success', () => {
    expect(problemFor(429, undefined)).toBe('rate_limited');
    expect(problemFor(503, 0)).toBe('server');
    expect(problemFor(401, 105002)).toBe('token_expired');
    expect(problemFor(401, 105001)).toBe('token_invalid');
    expect(problemFor(200, 106001)).toBe('invalid_signature');
    expect(problemFor(200, 36009003)).toBe('rejected');
    expect(problemFor(200, undefined)).toBe('malformed');
    expect(problemFor(200, 0)).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('parses operator durations', () => {
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('0h')).toBeUndefined();
    expect(parseDuration('2 hours')).toBeUndefined();
  });
});

describe('an Open API order as an order event', () => {
  const order = apiOrder({
    id: '576461413038785900',
    update_time: 1760000000,
    sub_total: '1199.00',
    total_amount: '1250.50',
    currency: 'USD',
    buyer_message: 'pls hurry TRACK:ZX9Q77',
  });

  it('reads decimal strings as exact minor units, the status, times and the buyer message, keyed by update time', () => {
    const d = apiOrderDelivery(order, merchant);
    expect(d).toMatchObject({
      orderId: '576461413038785900',
      dedupeKey: 'detail:576461413038785900:1760000000',
      eventType: 'ORDER_STATUS_CHANGE',
    });
    expect(d.events).toHaveLength(1);
    expect(d.events[0]).toMatchObject({
      platform: 'tiktok',
      externalOrderId: '576461413038785900',
      status: 'paid',
      platformStatus: 'AWAITING_SHIPMENT',
      base: { minor: 119900n, currency: 'USD' },
      total: { minor: 125050n, currency: 'USD' },
      eventTime: new Date(1760000000 * 1000),
      orderedAt: new Date((1760000000 - 600) * 1000),
      hints: [{ method: 'track_message', value: 'pls hurry TRACK:ZX9Q77' }],
      dedupeKey: 'detail:576461413038785900:1760000000',
    });
  });

  it("stores a replayable type-1 notification without the buyer's address, phone or email", () => {
    const body = JSON.parse(apiOrderDelivery(order, merchant).body);
    expect(body).toMatchObject({
      type: 1,
      tts_notification_id: 'detail:576461413038785900:1760000000',
      shop_id: merchant.tiktokShopId,
      data: { order_id: '576461413038785900', order_status: 'AWAITING_SHIPMENT' },
    });
    expect(JSON.stringify(body)).not.toMatch(/Jane Buyer|213-|buyer_email|recipient_address/);
  });

  it('maps cancelled and unpaid orders, JPY without decimals, and refuses an order without id or with a bad amount', () => {
    expect(apiOrderDelivery({ ...order, status: 'CANCELLED' }, merchant).events[0]!.status).toBe('cancelled');
    expect(apiOrderDelivery({ ...order, status: 'UNPAID' }, merchant).events[0]!.status).toBe('unpaid');
    const yen = apiOrderDelivery(
      { ...order, payment: { currency: 'JPY', sub_total: '1250', total_amount: '1250' } },
      merchant,
    );
    expect(yen.events[0]!.base).toEqual({ minor: 1250n, currency: 'JPY' });
    expect(() => apiOrderDelivery({ ...order, id: undefined }, merchant)).toThrow(/without an id/);
    expect(() => apiOrderDelivery({ ...order, payment: { currency: 'USD', sub_total: '12.345' } }, merchant)).toThrow();
  });
});
