import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Attribution } from '../../src/domain/attribution.js';
import type { OrderEvent, OrderStatus } from '../../src/domain/order-event.js';
import { chooseBase, mergeRefunds, parseCommissionBase, refundReduction } from '../../src/domain/refunds.js';
import { applyOrderEvent, type SaleState } from '../../src/domain/sale-lifecycle.js';

const RATE = 150_000;
const zed: Attribution = { influencerId: 'zed', method: 'ref', value: 'ZX9Q77' };
const eur = (minor: bigint) => ({ minor, currency: 'EUR' });

/** A WooCommerce delivery of the fixture's order (base 45.00 of 59.88) at minute `t`. */
function woo(
  t: number,
  status: OrderStatus,
  refunds: [id: string, minor: bigint][] = [],
  key = `d${t}${status}`,
): OrderEvent {
  return {
    platform: 'woocommerce',
    merchantId: 'm',
    externalOrderId: '4821',
    eventTime: new Date(Date.UTC(2026, 9, 2, 8, 15 + t)),
    orderedAt: new Date(Date.UTC(2026, 9, 2, 8, 15)),
    status,
    platformStatus: status,
    base: eur(4500n),
    total: eur(5988n),
    ...(refunds.length ? { refunds: refunds.map(([id, minor]) => ({ id, amount: eur(minor) })) } : {}),
    hints: [],
    dedupeKey: key,
  };
}

function run(events: readonly OrderEvent[], start?: SaleState): SaleState | undefined {
  let state = start;
  for (const e of events) state = applyOrderEvent(state, e, zed, RATE).next ?? state;
  return state;
}

describe('refund arithmetic', () => {
  it('without line detail: refund × base ÷ total, half-up; with line detail: the lines as they are', () => {
    expect(refundReduction({ id: 'a', amount: eur(2000n) }, 4500n, 5988n, 'EUR')).toBe(1503n); // 15.0300…
    expect(refundReduction({ id: 'b', amount: eur(1000n) }, 4500n, 5988n, 'EUR')).toBe(752n); // 7.5150… → 7.52
    expect(refundReduction({ id: 'c', base: eur(3000n) }, 9000n, 9500n, 'EUR')).toBe(3000n);
    expect(refundReduction({ id: 'd', amount: eur(1000n) }, 4500n, 5988n, 'USD')).toBeUndefined();
    expect(refundReduction({ id: 'e', amount: eur(9999n) }, 4500n, null, 'EUR')).toBe(4500n);
  });

  it('merges by id: a repeat counts once, a larger cumulative amount replaces, any order gives one list', () => {
    const a = mergeRefunds(
      [],
      [
        { id: 'x', minor: 5n },
        { id: 'y', minor: 7n },
      ],
    );
    expect(mergeRefunds(a, [{ id: 'x', minor: 5n }])).toBe(a);
    expect(mergeRefunds(a, [{ id: 'x', minor: 9n }])).toEqual([
      { id: 'x', minor: 9n },
      { id: 'y', minor: 7n },
    ]);
    expect(mergeRefunds(mergeRefunds([], [{ id: 'y', minor: 7n }]), [{ id: 'x', minor: 5n }])).toEqual(a);
  });

  it('commission base: net, with tax, total', () => {
    const parts = { net: 4500n, tax: 900n, total: 5988n };
    expect([
      chooseBase('net', parts),
      chooseBase('with-tax', parts),
      chooseBase('total', parts),
      chooseBase(undefined, parts),
    ]).toEqual([4500n, 5400n, 5988n, 4500n]);
    expect(parseCommissionBase(' With-Tax ')).toBe('with-tax');
    expect(() => parseCommissionBase('gross')).toThrow(/net, with-tax, total/);
  });
});

describe('WooCommerce refunds[] and states', () => {
  it('20.00 refunded of 59.88 → 4.50; the list resent on every update counts each refund once', () => {
    const created = run([woo(0, 'paid')])!;
    expect(created.commissionMinor).toBe(675n);
    const refunded = run(
      [woo(5, 'paid', [['woo:501', 2000n]]), woo(6, 'paid', [['woo:501', 2000n]], 'resent')],
      created,
    )!;
    expect(refunded).toMatchObject({
      status: 'pending',
      refundedMinor: 1503n,
      commissionMinor: 450n,
      refunds: [{ id: 'woo:501', minor: 1503n }],
    });
  });

  it('a second refund of 10.00 after validation claws back 1.13 and tells the influencer', () => {
    const pending = run([woo(0, 'paid'), woo(5, 'paid', [['woo:501', 2000n]])])!;
    const validated: SaleState = { ...pending, status: 'validated' };
    const t = applyOrderEvent(
      validated,
      woo(30, 'paid', [
        ['woo:501', 2000n],
        ['woo:502', 1000n],
      ]),
      zed,
      RATE,
    );
    expect(t).toMatchObject({
      outcome: 'updated',
      reversalMinor: 113n,
      notify: ['sale.reversed'],
      next: { status: 'validated', commissionMinor: 337n, refundedMinor: 2255n },
    });
    // Resent again: nothing more.
    expect(
      applyOrderEvent(
        t.next,
        woo(31, 'paid', [
          ['woo:501', 2000n],
          ['woo:502', 1000n],
        ]),
        zed,
        RATE,
      ),
    ).toMatchObject({ outcome: 'unchanged' });
    expect(
      applyOrderEvent(
        t.next,
        woo(31, 'paid', [
          ['woo:501', 2000n],
          ['woo:502', 1000n],
        ]),
        zed,
        RATE,
      ).reversalMinor,
    ).toBeUndefined();
  });

  it('failed then paid → 6.75 pending, in either order of arrival', () => {
    const failed = woo(0, 'unpaid');
    const paid = woo(3, 'paid');
    for (const order of [
      [failed, paid],
      [paid, failed],
    ]) {
      expect(run(order)).toMatchObject({ status: 'pending', commissionMinor: 675n, orderStatus: 'paid' });
    }
    // A failed delivery alone is recorded, never earning.
    expect(applyOrderEvent(undefined, failed, zed, RATE)).toMatchObject({
      outcome: 'unpaid',
      next: { status: 'cancelled' },
    });
  });

  it('a cancelled order restored (newer processing) comes back; an older one does not', () => {
    const cancelled = run([woo(0, 'paid'), woo(5, 'cancelled')])!;
    expect(cancelled.status).toBe('cancelled');
    expect(run([woo(2, 'paid')], cancelled)!.status).toBe('cancelled');
    const restored = applyOrderEvent(cancelled, woo(9, 'paid'), zed, RATE);
    expect(restored).toMatchObject({ outcome: 'updated', next: { status: 'pending', commissionMinor: 675n } });
  });

  it('any order of arrival gives the same state (property: statuses, times, cumulative refunds)', () => {
    const spec = fc.record({
      t: fc.integer({ min: 0, max: 200 }),
      status: fc.constantFrom<OrderStatus>('paid', 'paid', 'unpaid', 'cancelled', 'refunded', 'other'),
      refunds: fc.integer({ min: 0, max: 3 }),
    });
    const amounts = [0n, 1200n, 800n, 500n];
    fc.assert(
      fc.property(
        fc.uniqueArray(spec, { minLength: 1, maxLength: 7, selector: (s) => s.t }),
        fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
        (specs, picks) => {
          const events = specs.map((s, n) =>
            woo(
              s.t,
              s.status,
              Array.from({ length: s.refunds }, (_, i) => [`woo:${i + 1}`, amounts[i + 1]!] as [string, bigint]),
              `k${n}`,
            ),
          );
          const shuffled = events
            .map((e, i) => [picks[i]!, e] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, e]) => e);
          const sorted = [...events].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());
          expect(run(shuffled)).toEqual(run(sorted));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('TikTok returns', () => {
  const tt = (t: number, extra: Partial<OrderEvent>): OrderEvent => ({
    platform: 'tiktok',
    merchantId: 'm',
    externalOrderId: 'o',
    eventTime: new Date(1_760_000_000_000 + t * 1000),
    status: 'paid',
    platformStatus: 'COMPLETED',
    hints: [],
    dedupeKey: `t${t}`,
    ...extra,
  });
  it('3 × 30.00 with one unit returned (refund_subtotal 30.00) → 9.00', () => {
    const paid = tt(1, { base: { minor: 9000n, currency: 'USD' } });
    const ret = tt(2, {
      status: 'refunded',
      platformStatus: 'RETURN_OR_REFUND_REQUEST_COMPLETE',
      refunds: [{ id: 'return:1', base: { minor: 3000n, currency: 'USD' } }],
    });
    for (const order of [
      [paid, ret],
      [ret, paid],
    ])
      expect(run(order)).toMatchObject({ status: 'pending', commissionMinor: 900n, refundedMinor: 3000n });
  });

  it('a return reversed whole without API access marks the sale as estimated', () => {
    const paid = tt(1, { base: { minor: 9000n, currency: 'USD' } });
    expect(
      run([paid, tt(2, { status: 'refunded', platformStatus: 'RETURN_OR_REFUND_REQUEST_COMPLETE', estimated: true })]),
    ).toMatchObject({ status: 'cancelled', estimated: true });
  });
});
