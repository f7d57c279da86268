import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chooseTerms,
  commissionOnTerms,
  parseTiers,
  specificity,
  type Deal,
  type DealContext,
} from '../../src/domain/deals.js';
import type { OrderLine } from '../../src/domain/order-event.js';

const usd = (minor: bigint) => ({ minor, currency: 'USD' });
let seq = 0;
function deal(fields: Partial<Deal> & { id: string }): Deal {
  return {
    seq: ++seq,
    merchantId: 'm',
    influencerId: null,
    code: null,
    product: null,
    ratePpm: null,
    fixed: null,
    from: null,
    until: null,
    endedAt: null,
    tiers: [],
    ...fields,
  };
}
const NOV = new Date('2026-11-15T12:00:00Z');
function ctx(over: Partial<DealContext> = {}): DealContext {
  return {
    merchantId: 'm',
    influencerId: 'mia',
    code: null,
    orderedAt: NOV,
    currency: 'USD',
    baseMinor: 10_000n,
    lines: [],
    merchantRatePpm: 150_000,
    salesThisMonth: 0,
    ...over,
  };
}
const two: OrderLine[] = [
  { productId: 'P1', skuId: 'S1', base: usd(5_000n) },
  { productId: 'P2', skuId: 'S2', base: usd(5_000n) },
];
/** The commission of an order under the chosen terms, on its whole base. */
const pay = (deals: Deal[], c: DealContext) => {
  const t = chooseTerms(deals, c);
  return { deal: t.dealId, commission: commissionOnTerms(t, c.baseMinor), rate: t.ratePpm };
};

const infl20 = deal({ id: 'infl20', influencerId: 'mia', ratePpm: 200_000 });
const prod30 = deal({ id: 'prod30', product: 'P1', ratePpm: 300_000 });
const both40 = deal({ id: 'both40', influencerId: 'mia', product: 'P1', ratePpm: 400_000 });
const code25 = deal({
  id: 'code25',
  code: 'NOV',
  ratePpm: 250_000,
  from: new Date('2026-11-01T00:00:00Z'),
  until: new Date('2026-12-01T00:00:00Z'),
});
const fixed5 = deal({ id: 'fixed5', influencerId: 'mia', fixed: usd(500n) });
const tiered = deal({ id: 'tiered', influencerId: 'mia', ratePpm: 100_000, tiers: [{ after: 3, ratePpm: 200_000 }] });

describe('chooseTerms (table)', () => {
  const rows: [string, Deal[], Partial<DealContext>, string | null, bigint][] = [
    ['no deal: the merchant rate', [], {}, null, 1_500n],
    ['influencer deal 20% on 100.00', [infl20], {}, 'infl20', 2_000n],
    ['influencer deal for someone else', [infl20], { influencerId: 'zed' }, null, 1_500n],
    ['product 30% on one of two 50.00 lines', [prod30], { lines: two }, 'prod30', 2_250n],
    [
      'product deal matches the SKU id too',
      [deal({ id: 'sku', product: 'S2', ratePpm: 300_000 })],
      { lines: two },
      'sku',
      2_250n,
    ],
    ['product deal on an order without lines: no effect', [prod30], {}, null, 1_500n],
    ['influencer+product 40% beats product and influencer', [infl20, prod30, both40], { lines: two }, 'both40', 3_000n],
    ['code deal inside its window', [code25], { code: 'nov' }, 'code25', 2_500n],
    [
      'code deal outside its window',
      [code25],
      { code: 'NOV', orderedAt: new Date('2026-12-01T00:00:00Z') },
      null,
      1_500n,
    ],
    ['code deal, another code', [code25], { code: 'OTHER' }, null, 1_500n],
    ['fixed 5.00 whatever the amount', [fixed5], { baseMinor: 987_654n }, 'fixed5', 500n],
    ['fixed in another currency falls to the next rule', [infl20, fixed5], { currency: 'EUR' }, 'infl20', 2_000n],
    ['fixed gives way to a product deal on a line', [fixed5, prod30], { lines: two }, 'prod30', 2_250n],
    ['tiers: third sale at the base rate', [tiered], { salesThisMonth: 2 }, 'tiered', 1_000n],
    ['tiers: fourth sale at 20%', [tiered], { salesThisMonth: 3 }, 'tiered', 2_000n],
    [
      'ended deal: an order after the end falls back',
      [{ ...infl20, endedAt: new Date('2026-11-10T00:00:00Z') }],
      {},
      null,
      1_500n,
    ],
    [
      'ended deal: an order before the end keeps it',
      [{ ...infl20, endedAt: new Date('2026-11-20T00:00:00Z') }],
      {},
      'infl20',
      2_000n,
    ],
    ["another merchant's deal", [{ ...infl20, merchantId: 'other' }], {}, null, 1_500n],
  ];
  it.each(rows)('%s', (_name, deals, over, dealId, commission) => {
    const got = pay(deals, ctx(over));
    expect(got.deal).toBe(dealId);
    expect(got.commission).toBe(commission);
  });

  it('among equals the newest wins', () => {
    const older = deal({ id: 'older', influencerId: 'mia', ratePpm: 120_000 });
    const newer = deal({ id: 'newer', influencerId: 'mia', ratePpm: 180_000 });
    expect(pay([newer, older], ctx()).deal).toBe('newer');
  });

  it('rounds once over the lines, half-up, not per line', () => {
    const lines: OrderLine[] = [
      { productId: 'A', base: usd(3n) },
      { productId: 'B', base: usd(3n) },
    ];
    const d = deal({ id: 'a16', product: 'A', ratePpm: 160_000 });
    const t = chooseTerms([d], ctx({ lines, baseMinor: 6n }));
    // 3 × 16% + 3 × 15% = 0.48 + 0.45 = 0.93 → 1 (per line: 0 + 0 = 0)
    expect(commissionOnTerms(t, 6n)).toBe(1n);
    expect(t.ratePpm).toBe(155_000);
  });

  it('a refund recomputes on the same mixed terms, pro rata', () => {
    const t = chooseTerms([prod30], ctx({ lines: two }));
    expect(commissionOnTerms(t, 10_000n)).toBe(2_250n);
    expect(commissionOnTerms(t, 5_000n)).toBe(1_125n);
    expect(commissionOnTerms(t, 0n)).toBe(0n);
    expect(commissionOnTerms(chooseTerms([fixed5], ctx()), 1n)).toBe(500n);
    expect(commissionOnTerms(chooseTerms([fixed5], ctx()), 0n)).toBe(0n);
  });

  it('parses tiers and refuses bad ones', () => {
    expect(parseTiers('3:20, 10:25.5')).toEqual([
      { after: 3, ratePpm: 200_000 },
      { after: 10, ratePpm: 255_000 },
    ]);
    for (const bad of ['', '3', '3:', '0:20', '3:101', '5:20,3:25', '3:20,3:25', 'a:20', '3:-1'])
      expect(() => parseTiers(bad)).toThrow(RangeError);
  });
});

describe('chooseTerms (property)', () => {
  const dealArb = fc.record({
    influencer: fc.constantFrom(null, 'mia', 'zed'),
    code: fc.constantFrom(null, 'NOV', 'X'),
    product: fc.constantFrom(null, 'P1', 'S2', 'P9'),
    rate: fc.integer({ min: 0, max: 1_000_000 }),
    fixed: fc.option(fc.constantFrom('USD', 'EUR'), { nil: undefined }),
    from: fc.option(fc.integer({ min: -30, max: 30 }), { nil: undefined }),
    days: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    tier: fc.option(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1_000_000 })), {
      nil: undefined,
    }),
  });
  const build = (specs: (typeof dealArb extends fc.Arbitrary<infer T> ? T : never)[]): Deal[] =>
    specs.map((s, n) => {
      const fixed = s.fixed !== undefined && s.product === null ? usd(BigInt(s.rate % 10_000)) : null;
      const from = s.from === undefined ? null : new Date(NOV.getTime() + s.from * 86_400_000);
      const until = s.days === undefined ? null : new Date((from ?? NOV).getTime() + s.days * 86_400_000);
      return {
        id: `d${n}`,
        seq: n + 1,
        merchantId: 'm',
        influencerId: s.influencer,
        code: s.code,
        product: s.product,
        ratePpm: fixed ? null : s.rate,
        fixed: fixed && { minor: fixed.minor, currency: s.fixed! },
        from,
        until,
        endedAt: null,
        tiers: s.tier && !fixed ? [{ after: s.tier[0], ratePpm: s.tier[1] }] : [],
      };
    });
  const ctxArb = fc.record({
    influencer: fc.constantFrom('mia', 'zed'),
    code: fc.constantFrom(null, 'NOV', 'X'),
    currency: fc.constantFrom('USD', 'EUR'),
    withLines: fc.boolean(),
    sales: fc.integer({ min: 0, max: 6 }),
  });

  it('the choice does not depend on the order the deals are listed in', () => {
    fc.assert(
      fc.property(fc.array(dealArb, { maxLength: 8 }), ctxArb, fc.infiniteStream(fc.nat()), (specs, c, rnd) => {
        const deals = build(specs);
        const shuffled = [...deals].sort(() => (rnd.next().value % 3) - 1);
        const context = ctx({
          influencerId: c.influencer,
          code: c.code,
          currency: c.currency,
          salesThisMonth: c.sales,
          lines: c.withLines ? two.map((l) => ({ ...l, base: { ...l.base, currency: c.currency } })) : [],
        });
        expect(chooseTerms(shuffled, context)).toEqual(chooseTerms(deals, context));
      }),
    );
  });

  it('creation order matters only among equally specific deals: the newest of them wins', () => {
    fc.assert(
      fc.property(fc.array(dealArb, { minLength: 1, maxLength: 8 }), ctxArb, (specs, c) => {
        const deals = build(specs);
        const context = ctx({
          influencerId: c.influencer,
          code: c.code,
          currency: c.currency,
          salesThisMonth: c.sales,
        });
        const chosen = chooseTerms(deals, context).dealId;
        // Re-creating the deals in reverse order flips "newest" but nothing else.
        const reversed = deals.map((d) => ({ ...d, seq: deals.length + 1 - d.seq }));
        const again = chooseTerms(reversed, context).dealId;
        if (chosen === again) return;
        const a = deals.find((d) => d.id === chosen);
        const b = deals.find((d) => d.id === again);
        // Both picks exist and tie on specificity (and on kind, fixed vs rate): only the tie-break moved.
        expect(a && b && specificity(a) === specificity(b)).toBe(true);
      }),
    );
  });
});
