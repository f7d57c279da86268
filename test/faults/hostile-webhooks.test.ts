import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addCode } from '../../src/services/records/codes.js';
import { linkCreator } from '../../src/services/records/creators.js';
import { addMerchant } from '../../src/services/records/merchants.js';
import { describeBackends } from '../helpers/db.js';
import { get, listen, post, type Reply } from '../helpers/http.js';
import { seedWorld, TIKTOK } from '../helpers/world.js';
import { recordFault } from './report.js';
import { hostileAmount, LOOSE_CURRENCIES, lookalike, longValue, unknownCurrency } from './helpers/hostile-inputs.js';
import {
  counts,
  inParallel,
  raw,
  KEYS_A,
  orderObject,
  PLATFORMS,
  sampleOf,
  signatureHeaders,
  Tally,
  toBody,
  topicHeaders,
  type Keys,
  type Platform,
} from './helpers/hostile-kit.js';

/**
 * Hostile webhook bodies against the real listener on both back ends. What counts as a write:
 * a row in webhook_events, sales or ledger_entries. Rules, per input:
 * - unsigned, wrongly signed or foreign-signed → 401; signed but malformed (not a JSON object,
 *   nested past 64 levels, an amount or currency no platform sends, an order id over 200
 *   characters) → 400; both write nothing at all.
 * - signed and well-formed but carrying hostile attribution hints (10,000-character codes,
 *   creator ids, lookalikes of real codes) → 200: the order is real and is recorded, but
 *   unattributed (no influencer, no commission), so nobody is credited.
 * - a real currency written loosely ("usd ") is stored as its ISO code, never as sent.
 */
const RUNS = Number(process.env.FAULT_RUNS ?? 150);
const KEYS_B: Keys = {
  appKey: 'rivalkey42',
  appSecret: 'rival_tts_secret_ffffeeee',
  shopify: 'shpss_rival_0000',
  woo: 'wc_rival_1111',
};

describeBackends('hostile webhooks', (t, backend) => {
  let listener: Awaited<ReturnType<typeof listen>>;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  let rivalId: string;
  let sameAppId: string;

  const route = (platform: Platform, merchantId = world.merchant.id) =>
    `${listener.url}/api/webhook/${platform}/${merchantId}`;
  const send = (platform: Platform, body: Buffer, headers: Record<string, string>, merchantId?: string) =>
    post(route(platform, merchantId), body, { ...topicHeaders(platform), ...headers });
  const signed = (platform: Platform, body: Buffer, extra: Record<string, string> = {}) =>
    send(platform, body, { ...signatureHeaders(platform, body), ...extra });

  /** Sends every input, checks that nothing was written and that the listener logged no 5xx, records the row. */
  async function check<T>(
    check: string,
    inputs: readonly T[],
    seed: number,
    sendOne: (input: T, i: number) => Promise<boolean>,
    noWrites = true,
  ): Promise<Tally> {
    const before = await counts(t().db);
    const logged = listener.logs.length;
    const tally = new Tally();
    const results = await inParallel(inputs, 4, async (input, i) => {
      try {
        return { ok: await sendOne(input, i), error: '' };
      } catch (err) {
        return { ok: false, error: String(err) };
      }
    });
    results.forEach((r, i) => tally.note(r.ok, () => `${r.error} ${JSON.stringify(inputs[i])}`));
    const after = await counts(t().db);
    const fiveHundreds = listener.logs.slice(logged).filter((l) => Number(l.status) >= 500);
    const clean = (!noWrites || JSON.stringify(after) === JSON.stringify(before)) && fiveHundreds.length === 0;
    recordFault({
      section: 'hostile',
      check,
      backend,
      tried: tally.tried,
      held: clean ? tally.held : 0,
      lost: 0,
      note: `seed ${seed}`,
    });
    expect(tally.misses, `${check}: inputs not answered as required (FAULT_SEED=${seed})`).toEqual([]);
    expect(fiveHundreds, `${check}: 5xx in the listener log`).toEqual([]);
    if (noWrites) expect(after, `${check}: rejected inputs wrote`).toEqual(before);
    return tally;
  }

  /** True when the reply has the status; otherwise throws, so the miss names what came back. */
  const expectStatus = (reply: Reply, status: number): boolean => {
    if (reply.status !== status) throw new Error(`expected ${status}, got ${reply.status} ${reply.text.slice(0, 160)}`);
    return true;
  };

  beforeAll(async () => {
    const db = t().db;
    world = await seedWorld(db);
    // Codes and handles with letters that Unicode case mapping folds onto ASCII (ı→I, ſ→S, K→k).
    await addCode(db, { influencerId: world.zed.id, code: 'KISS2024' });
    await linkCreator(db, { influencerId: world.mia.id, creatorId: 'creator_kiki', username: 'kikiglow' });
    const rival = await addMerchant(db, {
      name: 'Rival',
      currency: 'USD',
      tiktokAppKey: KEYS_B.appKey,
      tiktokAppSecret: KEYS_B.appSecret,
      tiktokShopId: '1111111111111111111',
      shopifyDomain: 'rival.myshopify.com',
      shopifySecret: KEYS_B.shopify,
      woocommerceSecret: KEYS_B.woo,
    });
    // A second shop on the same TikTok app: same key and secret, another shop id.
    const sameApp = await addMerchant(db, {
      name: 'Sister shop',
      currency: 'USD',
      tiktokAppKey: TIKTOK.appKey,
      tiktokAppSecret: TIKTOK.appSecret,
      tiktokShopId: '2222222222222222222',
    });
    rivalId = rival.id;
    sameAppId = sameApp.id;
    listener = await listen(t().store);
    // Control: a well-formed order is accepted and attributed on every platform, so the
    // rejections below are not an artefact of broken signing.
    for (const platform of PLATFORMS) {
      const reply = await signed(platform, toBody(orderObject(platform, `control-${platform}`)));
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json().data.commission).toBeDefined();
    }
  });
  afterAll(async () => listener?.close());

  it('garbage bodies: random bytes, truncated and deeply nested JSON, unsigned and signed', async () => {
    const deep = fc
      .record({
        depth: fc.oneof(fc.constant(100_000), fc.integer({ min: 65, max: 20_000 })),
        kind: fc.constantFrom('array', 'object', 'in-order'),
        balanced: fc.boolean(),
      })
      .map(({ depth, kind, balanced }) => {
        const open = kind === 'array' ? '['.repeat(depth) : '{"a":'.repeat(depth);
        const close = (kind === 'array' ? ']' : '}').repeat(balanced ? depth : depth - 1);
        const nested = kind === 'array' ? open + close : `${open}1${close}`;
        if (kind !== 'in-order') return { label: `${kind} depth ${depth}`, body: () => Buffer.from(nested) };
        return { label: `order with data nested ${depth}`, body: (platform: Platform) => orderWith(platform, nested) };
      });
    const orderWith = (platform: Platform, nested: string) => {
      const order = orderObject(platform, 'deep');
      (platform === 'tiktok' ? order.data : order).extra = raw(nested);
      return toBody(order);
    };
    const random = fc
      .uint8Array({ maxLength: 4096 })
      .filter((bytes) => !isJsonObject(Buffer.from(bytes)))
      .map((bytes) => ({ label: `random ${bytes.length} bytes`, body: () => Buffer.from(bytes) }));
    const truncated = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }).map((at) => ({
      label: `truncated at ${at.toFixed(3)}`,
      body: (platform: Platform) => {
        const full = toBody(orderObject(platform, 'truncated'));
        return full.subarray(0, Math.floor(at * full.length));
      },
    }));
    const notObject = fc
      .jsonValue()
      .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
      .map((v) => ({ label: 'JSON that is not an object', body: () => Buffer.from(JSON.stringify(v)) }));
    const arb = fc.record({
      platform: fc.constantFrom(...PLATFORMS),
      sign: fc.boolean(),
      input: fc.oneof(random, truncated, deep, notObject),
    });
    const { inputs, seed } = sampleOf(arb, RUNS * 2);
    await check('garbage bodies', inputs, seed, async ({ platform, sign, input }) => {
      const body = input.body(platform);
      // WooCommerce answers its unsigned `webhook_id=N` ping with 200; random bytes never spell it, but be exact.
      const ping = !sign && platform === 'woocommerce' && /^webhook_id=\d+$/.test(body.toString('utf8').trim());
      const reply = sign ? await signed(platform, body) : await send(platform, body, {});
      return ping ? reply.status === 200 : expectStatus(reply, sign ? 400 : 401);
    });
  });

  it('amounts: huge, negative, fractional cents, NaN and Infinity', async () => {
    const fields: Record<Platform, string[]> = {
      tiktok: ['payment.total_amount', 'payment.sub_total'],
      shopify: ['subtotal_price', 'total_price'],
      woocommerce: ['total', 'shipping_total', 'total_tax'],
    };
    const arb = fc
      .record({ platform: fc.constantFrom(...PLATFORMS), field: fc.nat(2), amount: hostileAmount })
      .filter(({ platform, amount }) => !amount.tiktokOnly || platform === 'tiktok')
      .map(({ platform, field, amount }) => ({
        platform,
        field: fields[platform][field % fields[platform].length]!,
        value: amount.value,
      }));
    const { inputs, seed } = sampleOf(arb, RUNS);
    await check('amounts', inputs, seed, async ({ platform, field, value }, i) => {
      const order = orderObject(platform, `amount-${seed}-${i}`);
      const path = field.split('.');
      const holder =
        path.length === 2
          ? (platform === 'tiktok' ? order.data : order)[path[0]!]
          : platform === 'tiktok'
            ? order.data
            : order;
      holder[path.at(-1)!] = value;
      return expectStatus(await signed(platform, toBody(order)), 400);
    });
  });

  it('currencies: codes that do not exist are refused, loose real codes stored canonically', async () => {
    const arb = fc.record({ platform: fc.constantFrom(...PLATFORMS), currency: unknownCurrency });
    const { inputs, seed } = sampleOf(arb, RUNS);
    const setCurrency = (platform: Platform, order: Record<string, any>, currency: unknown) => {
      if (platform === 'tiktok') order.data.payment.currency = currency;
      else order.currency = currency;
    };
    const tally = await check('currencies (unknown)', inputs, seed, async ({ platform, currency }, i) => {
      const order = orderObject(platform, `currency-${seed}-${i}`);
      setCurrency(platform, order, currency);
      return expectStatus(await signed(platform, toBody(order)), 400);
    });
    expect(tally.tried).toBe(inputs.length);
    // Loose spellings of real codes: accepted, and the sale is in the ISO code.
    const loose = PLATFORMS.flatMap((platform) =>
      LOOSE_CURRENCIES.map(([sent, stored]) => ({ platform, sent, stored })),
    );
    await check(
      'currencies (loose real codes)',
      loose,
      seed,
      async ({ platform, sent, stored }, i) => {
        const orderId = `loose-currency-${i}`;
        const order = orderObject(platform, orderId);
        setCurrency(platform, order, sent);
        const reply = await signed(platform, toBody(order));
        const sale = await t()
          .db.selectFrom('sales')
          .select('currency')
          .where('external_order_id', '=', orderId)
          .executeTakeFirst();
        return reply.status === 200 && sale?.currency === stored;
      },
      false,
    );
  });

  it('long ids and lookalike codes never attribute; over-long order ids are refused', async () => {
    type Hint = 'creator_id' | 'creator_username' | 'promo' | 'utm' | 'track' | 'ref';
    const hintsOf: Record<Platform, Hint[]> = {
      tiktok: ['creator_id', 'creator_username', 'promo', 'utm', 'track'],
      shopify: ['promo', 'ref', 'utm', 'track'],
      woocommerce: ['promo', 'ref', 'track'],
    };
    const realFor = (hint: Hint) =>
      hint === 'creator_id'
        ? ['tiktok_creator_123', 'creator_kiki']
        : hint === 'creator_username'
          ? ['glowwithmia', 'kikiglow']
          : ['ABC12345', 'ZX9Q77', 'ZZZ00000', 'QQQ11111', 'KISS2024'];
    const hinted = fc
      .record({ platform: fc.constantFrom(...PLATFORMS), pick: fc.nat(4), kind: fc.constantFrom('lookalike', 'long') })
      .chain(({ platform, pick, kind }) => {
        const hint = hintsOf[platform][pick % hintsOf[platform].length]!;
        const value = kind === 'long' ? longValue : fc.constantFrom(...realFor(hint)).chain(lookalike);
        return value.map((v) => ({ kind: 'hint' as const, platform, hint, value: v }));
      });
    const longOrderId = fc
      .record({ platform: fc.constantFrom(...PLATFORMS), value: longValue })
      .map((x) => ({ kind: 'order id' as const, ...x }));
    const sampled = sampleOf(fc.oneof({ arbitrary: hinted, weight: 4 }, { arbitrary: longOrderId, weight: 1 }), RUNS);
    const seed = sampled.seed;
    // Always: letters whose full Unicode case mapping lands on ASCII (ı → I, ſ → S, Kelvin K → k).
    const folded = [
      { kind: 'hint' as const, platform: 'tiktok' as const, hint: 'promo' as const, value: 'K\u0131SS2024' },
      { kind: 'hint' as const, platform: 'shopify' as const, hint: 'utm' as const, value: 'KI\u017fS2024' },
      {
        kind: 'hint' as const,
        platform: 'woocommerce' as const,
        hint: 'ref' as const,
        value: 'k\u0131\u017f\u017f2024',
      },
      { kind: 'hint' as const, platform: 'tiktok' as const, hint: 'creator_username' as const, value: '\u212aikiglow' },
    ];
    const inputs = [...folded, ...sampled.inputs];
    const before = await counts(t().db);
    await check(
      'long ids and lookalikes',
      inputs,
      seed,
      async (input, i) => {
        if (input.kind === 'order id') {
          return expectStatus(await signed(input.platform, toBody(orderObject(input.platform, input.value))), 400);
        }
        const orderId = `hint-${seed}-${i}`;
        const reply = await signed(input.platform, toBody(withHint(input.platform, orderId, input.hint, input.value)));
        const sale = await t()
          .db.selectFrom('sales')
          .select(['influencer_id', 'commission_minor'])
          .where('external_order_id', '=', orderId)
          .executeTakeFirst();
        return (
          reply.status === 200 && sale !== undefined && sale.influencer_id === null && sale.commission_minor === null
        );
      },
      false,
    );
    // Nothing was credited, and the refused order ids left no row behind.
    const after = await counts(t().db);
    expect(after.ledger).toBe(before.ledger);
    expect(after.events - before.events).toBe(inputs.filter((x) => x.kind === 'hint').length);
  });

  it('lookalike click links and long idempotency keys', async () => {
    const { inputs, seed } = sampleOf(fc.constantFrom('ABC12345', 'KISS2024', 'ZX9Q77').chain(lookalike), 40);
    await check('lookalike /r/ links', inputs, seed, async (code) => {
      const reply = await get(`${listener.url}/r/${encodeURIComponent(code)}`);
      return reply.status === 404;
    });
    // A 10,000-character notification or delivery id keeps its identity: accepted once, a duplicate after.
    const keys = sampleOf(
      fc.record({
        platform: fc.constantFrom(...PLATFORMS),
        key: fc.string({
          unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
          minLength: 10_000,
          maxLength: 10_000,
        }),
      }),
      12,
    );
    await check(
      'long idempotency keys',
      keys.inputs,
      keys.seed,
      async ({ platform, key }, i) => {
        const order = orderObject(platform, `long-key-${keys.seed}-${i}`);
        if (platform === 'tiktok') Object.assign(order, { tts_notification_id: key, type: 1 });
        const header: Record<string, string> =
          platform === 'shopify'
            ? { 'x-shopify-webhook-id': key }
            : platform === 'woocommerce'
              ? { 'x-wc-webhook-delivery-id': key }
              : {};
        const body = toBody(order);
        const first = await signed(platform, body, header);
        const again = await signed(platform, body, header);
        return (
          first.status === 200 &&
          first.json().data.outcome === 'created' &&
          again.status === 200 &&
          again.json().data.outcome === 'duplicate'
        );
      },
      false,
    );
  });

  it("foreign signatures: another merchant's secret, shop or route → 401", async () => {
    type Variant =
      | 'rival keys'
      | 'our key, rival secret'
      | 'rival key, our secret'
      | 'sister shop id'
      | 'rival shop domain'
      | 'signed for rival, sent to us'
      | 'signature of another body';
    const variants: Record<Platform, Variant[]> = {
      tiktok: [
        'rival keys',
        'our key, rival secret',
        'rival key, our secret',
        'sister shop id',
        'signed for rival, sent to us',
        'signature of another body',
      ],
      shopify: ['rival keys', 'rival shop domain', 'signed for rival, sent to us', 'signature of another body'],
      woocommerce: ['rival keys', 'signed for rival, sent to us', 'signature of another body'],
    };
    const arb = fc
      .record({
        platform: fc.constantFrom(...PLATFORMS),
        pick: fc.nat(5),
        cents: fc.integer({ min: 1, max: 10_000_000 }),
        toRival: fc.boolean(),
      })
      .map(({ platform, pick, cents, toRival }) => ({
        platform,
        variant: variants[platform][pick % variants[platform].length]!,
        cents,
        toRival,
      }));
    const { inputs, seed } = sampleOf(arb, RUNS);
    await check('foreign signatures', inputs, seed, async ({ platform, variant, cents, toRival }, i) => {
      const order = orderObject(platform, `foreign-${seed}-${i}`);
      if (platform === 'tiktok') order.data.payment.total_amount = cents;
      let headers: Record<string, string> = {};
      let target = world.merchant.id;
      if (variant === 'rival keys') headers = signatureHeaders(platform, toBody(order), KEYS_B);
      else if (variant === 'our key, rival secret')
        headers = signatureHeaders(platform, toBody(order), { ...KEYS_A, appSecret: KEYS_B.appSecret });
      else if (variant === 'rival key, our secret')
        headers = signatureHeaders(platform, toBody(order), { ...KEYS_A, appKey: KEYS_B.appKey });
      else if (variant === 'sister shop id') {
        // Same TikTok app, so the HMAC is valid: the shop id inside must decide.
        order.shop_id = '2222222222222222222';
        headers = signatureHeaders(platform, toBody(order));
        if (toRival) target = rivalId;
      } else if (variant === 'rival shop domain')
        headers = { ...signatureHeaders(platform, toBody(order)), 'x-shopify-shop-domain': 'rival.myshopify.com' };
      else if (variant === 'signed for rival, sent to us') headers = signatureHeaders(platform, toBody(order), KEYS_B);
      else {
        headers = signatureHeaders(platform, toBody(order));
        if (platform === 'tiktok') order.data.payment.total_amount = cents + 1;
        else order.id = `${order.id}-tampered`;
      }
      // "Signed for us, sent to the rival's route" is the mirror image of the first variant.
      if (variant === 'signed for rival, sent to us' && toRival) {
        headers = signatureHeaders(platform, toBody(order), KEYS_A);
        target = rivalId;
      }
      return expectStatus(await send(platform, toBody(order), headers, target), 401);
    });
    // The sister shop itself accepts its own notification: the shop id check is what refused it above.
    const own = orderObject('tiktok', `sister-${seed}`);
    own.shop_id = '2222222222222222222';
    expect((await send('tiktok', toBody(own), signatureHeaders('tiktok', toBody(own)), sameAppId)).status).toBe(200);
  });
});

function isJsonObject(body: Buffer): boolean {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** A well-formed paid order whose only attribution hint is `value`, in the named field. */
function withHint(platform: Platform, orderId: string, hint: string, value: string): Record<string, any> {
  const order = orderObject(platform, orderId);
  if (platform === 'tiktok') {
    const data = order.data;
    delete data.creator_info;
    delete data.promotion_info;
    if (hint === 'creator_id') data.creator_info = { creator_id: value };
    else if (hint === 'creator_username') data.creator_info = { creator_username: value };
    else if (hint === 'promo') data.promotion_info = [{ promotion_code: value }];
    else if (hint === 'utm') data.tracking_info = { utm_source: value };
    else data.buyer_message = `please gift wrap TRACK:${value} thanks`;
    return order;
  }
  if (platform === 'shopify') {
    order.discount_codes = hint === 'promo' ? [{ code: value, amount: '20.00', type: 'percentage' }] : [];
    order.note_attributes = hint === 'ref' ? [{ name: 'tracknow_ref', value }] : [];
    order.landing_site = hint === 'utm' ? `/products/x?utm_source=${encodeURIComponent(value)}` : '/products/x';
    order.note = hint === 'track' ? `TRACK:${value}` : null;
    return order;
  }
  order.coupon_lines = hint === 'promo' ? [{ code: value }] : [];
  order.meta_data = hint === 'ref' ? [{ id: 1, key: '_tracking_code', value }] : [];
  order.customer_note = hint === 'track' ? `TRACK:${value}` : '';
  return order;
}
