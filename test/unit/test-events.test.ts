import { createHmac } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OrderStatus } from '../../src/domain/order-event.js';
import { getPlatform, platformIds } from '../../src/platforms/platform.js';
import {
  findTemplate,
  getTestEvents,
  type Fill,
  type Template,
  type TestEventKit,
} from '../../src/platforms/test-events.js';
import { merchant, request } from '../helpers/fixtures.js';

const DIRS = { tiktok: 'tiktok-shop', shopify: 'shopify', woocommerce: 'woocommerce' } as const;

/** What each template means once parsed; a new template file must be added here too. */
const EXPECTED: Record<string, OrderStatus> = {
  'paid.seed.json': 'paid',
  'cancelled.seed.json': 'cancelled',
  'paid.notification.json': 'paid',
  'cancelled.notification.json': 'cancelled',
  'refunded.notification.json': 'refunded',
  'orders-create.json': 'paid',
  'orders-paid.json': 'paid',
  'orders-cancelled.json': 'cancelled',
  'refunds-create.json': 'refunded',
  'order-created.json': 'paid',
  'order-updated.json': 'paid',
};

const now = new Date('2026-10-05T12:00:00Z');
const fillFor = (kit: TestEventKit, extra: Partial<Fill> = {}): Fill => ({
  orderId: kit.randomOrderId(),
  deliveryId: kit.randomDeliveryId(),
  now,
  ...extra,
});

/** Builds, signs with the adapter, and returns the request as the listener would see it. */
function signed(kit: TestEventKit, template: Template, fill: Fill) {
  const body = Buffer.from(JSON.stringify(kit.build(template, fill, merchant)));
  const headers = { ...kit.headers(template.event, fill, merchant), ...getPlatform(kit.platform).sign(body, merchant) };
  return { body, headers, req: request(body, headers, now) };
}

/** The signature computed here, independently of src/. */
function independentSignature(platform: string, body: Buffer): string {
  if (platform === 'tiktok')
    return createHmac('sha256', merchant.tiktokAppSecret!).update(merchant.tiktokAppKey!).update(body).digest('hex');
  const secret = platform === 'shopify' ? merchant.shopifySecret! : merchant.woocommerceSecret!;
  return createHmac('sha256', secret).update(body).digest('base64');
}

describe.each(platformIds.map((p) => [p, getTestEvents(p)] as const))('%s test events', (platform, kit) => {
  it('lists every template file in its folder, and nothing else', () => {
    const dir = new URL(`../../src/platforms/${DIRS[platform]}/templates/`, import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(kit.templates.map((t) => t.file).sort()).toEqual(files.sort());
    for (const t of kit.templates) expect(EXPECTED, t.file).toHaveProperty([t.file]);
  });

  it.each(kit.templates.map((t) => [t.file, t] as const))('%s builds, signs, verifies and parses', (file, template) => {
    const fill = fillFor(kit);
    const { body, headers, req } = signed(kit, template, fill);
    const adapter = getPlatform(platform);
    expect(headers[adapter.signatureHeader]).toBe(independentSignature(platform, body));
    expect(adapter.verify(req, merchant)).toEqual({ ok: true });
    const parsed = adapter.parse(req, merchant, adapter.dedupeKey(req));
    expect(parsed.kind).toBe('events');
    if (parsed.kind !== 'events') return;
    expect(parsed.events).toHaveLength(1);
    expect(parsed.events[0]).toMatchObject({ externalOrderId: fill.orderId, status: EXPECTED[file], platform });
    // Each send is a new delivery: another idempotency key, even for the same order. The seed's
    // shape has no delivery id (its key is the body hash), so only its timestamp tells sends apart.
    const again = fillFor(kit, {
      orderId: fill.orderId,
      ...(template.shape === 'simple' && { now: new Date(now.getTime() + 1000) }),
    });
    expect(adapter.dedupeKey(signed(kit, template, again).req)).not.toBe(adapter.dedupeKey(req));
    // The template itself is never mutated by a build.
    expect(JSON.stringify(template.body)).not.toContain(fill.orderId);
  });

  it.each(kit.templates.map((t) => [t.file, t] as const))(
    '%s takes --amount in major units by the currency exponent',
    (_file, template) => {
      for (const [amount, currency, minor] of [
        ['80.00', 'EUR', 8000n],
        ['1250', 'JPY', 1250n],
        ['1.234', 'KWD', 1234n],
      ] as const) {
        const { req } = signed(kit, template, fillFor(kit, { amount, currency }));
        const adapter = getPlatform(platform);
        const parsed = adapter.parse(req, merchant, 'k');
        if (parsed.kind !== 'events') throw new Error('not events');
        const e = parsed.events[0]!;
        const money = e.refunds?.[0]?.base ?? e.base;
        // Cancellation and return notifications carry no amounts on TikTok.
        if (platform === 'tiktok' && template.shape === 'notification' && template.event !== 'paid')
          expect(money).toBeUndefined();
        else expect(money).toEqual({ minor, currency });
      }
    },
  );

  it('puts the hint flags where the platform carries them', () => {
    const template = findTemplate(kit);
    const { req } = signed(
      kit,
      template,
      fillFor(kit, {
        code: 'abc12345',
        utmSource: 'ZZZ00000',
        buyerMessage: 'TRACK:QQQ11111',
        ...(kit.hints.includes('creatorId') && { creatorId: 'c_1' }),
      }),
    );
    const parsed = getPlatform(platform).parse(req, merchant, 'k');
    if (parsed.kind !== 'events') throw new Error('not events');
    const hints = parsed.events[0]!.hints.map((h) => `${h.method}=${h.value}`);
    expect(hints).toEqual(
      expect.arrayContaining(['promo_code=abc12345', 'utm_source=ZZZ00000', 'track_message=TRACK:QQQ11111']),
    );
    if (kit.hints.includes('creatorId')) expect(hints).toContain('creator_id=c_1');
  });

  it('refuses a bad amount or currency as a usage error', () => {
    const template = findTemplate(kit);
    expect(() => kit.build(template, fillFor(kit, { amount: '12.345', currency: 'USD' }), merchant)).toThrow(
      expect.objectContaining({ code: 'usage' }),
    );
    expect(() => kit.build(template, fillFor(kit, { amount: 'abc' }), merchant)).toThrow(
      expect.objectContaining({ code: 'usage' }),
    );
    expect(() => kit.build(template, fillFor(kit, { amount: '1.00', currency: 'ZZZ' }), merchant)).toThrow(
      expect.objectContaining({ code: 'usage' }),
    );
  });
});

describe('choosing a template', () => {
  const tiktok = getTestEvents('tiktok');
  it('defaults to the first event of the default shape, and names events as the platform does', () => {
    expect(findTemplate(tiktok).file).toBe('paid.seed.json');
    expect(findTemplate(tiktok, undefined, 'notification').file).toBe('paid.notification.json');
    expect(findTemplate(tiktok, 'cancelled', 'notification').file).toBe('cancelled.notification.json');
    expect(findTemplate(getTestEvents('shopify'), 'orders-create').event).toBe('orders/create');
    expect(findTemplate(getTestEvents('shopify'), 'Refunds/Create').event).toBe('refunds/create');
    expect(findTemplate(getTestEvents('woocommerce'), 'order.updated').file).toBe('order-updated.json');
  });

  it('finds refunded in the only shape that has it, unless a shape was asked for', () => {
    expect(findTemplate(tiktok, 'refunded').file).toBe('refunded.notification.json');
    expect(() => findTemplate(tiktok, 'refunded', 'simple')).toThrow(/simple shape has no refunded event/);
  });

  it('lists the events, from the files, when a name is unknown', () => {
    expect(() => findTemplate(getTestEvents('shopify'), 'orders/fulfilled')).toThrow(
      /orders\/create, orders\/paid, orders\/cancelled, refunds\/create/,
    );
    expect(() => findTemplate(tiktok, 'nope')).toThrow(/paid \(simple, notification\)/);
    expect(() => findTemplate(getTestEvents('woocommerce'), undefined, 'simple')).toThrow(
      /does not apply to woocommerce/,
    );
    expect(() => getTestEvents('etsy')).toThrow(expect.objectContaining({ code: 'usage' }));
  });
});

describe('Shopify test orders in the test sender', () => {
  const kit = getTestEvents('shopify');
  const template = findTemplate(kit, 'orders/create');
  it('the default sample is a real-looking order that earns; --test-order sends one that is stored but never earns', () => {
    const plain = signed(kit, template, fillFor(kit, { code: 'ABC12345' }));
    expect(JSON.parse(plain.body.toString()).test).toBe(false);
    expect(getPlatform('shopify').parse(plain.req, merchant, 'k')).toMatchObject({ kind: 'events' });
    const test = signed(kit, template, fillFor(kit, { code: 'ABC12345', testOrder: true }));
    expect(JSON.parse(test.body.toString()).test).toBe(true);
    expect(getPlatform('shopify').parse(test.req, merchant, 'k')).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/never earns/),
    });
  });
});
