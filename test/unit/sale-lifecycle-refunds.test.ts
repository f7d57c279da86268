import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Attribution } from '../../src/domain/attribution.js';
import type { OrderEvent, OrderStatus } from '../../src/domain/order-event.js';
import { applyOrderEvent, type SaleState } from '../../src/domain/sale-lifecycle.js';

const RATE = 150_000;
const mia: Attribution = { influencerId: 'mia', method: 'promo_code', value: 'ABC12345' };

function ev(t: number, status: OrderStatus, extra: Partial<OrderEvent> = {}): OrderEvent {
  return {
    platform: 'shopify',
    merchantId: 'm',
    externalOrderId: 'o1',
    eventTime: new Date(1_760_000_000_000 + t * 1000),
    status,
    platformStatus: status,
    hints: [],
    dedupeKey: `k${t}`,
    ...extra,
  };
}
const eur = (minor: bigint) => ({ minor, currency: 'EUR' });
const refund = (t: number, minor: bigint, currency = 'EUR') =>
  ev(t, 'refunded', { platformStatus: 'refund', refundedBase: { minor, currency }, dedupeKey: `r${t}` });

/** A sale created from an 80.00 EUR order and validated (what `validate` does to it). */
function validatedSale(baseMinor = 8000n): SaleState {
  const created = applyOrderEvent(undefined, ev(1, 'paid', { base: eur(baseMinor) }), mia, RATE).next!;
  return { ...created, status: 'validated' };
}

describe('sale lifecycle: refunds after validation', () => {
  it('a partial refund claws back the refunded share of the commission and stays validated', () => {
    const t = applyOrderEvent(validatedSale(), refund(5, 2000n), undefined, RATE);
    expect(t).toMatchObject({
      outcome: 'updated',
      reversalMinor: 300n,
      notify: ['sale.reversed'],
      next: { status: 'validated', refundedMinor: 2000n, commissionMinor: 900n, baseMinor: 8000n },
    });
    expect(t.reason).toContain('3.00 EUR');
  });

  it('partial refunds then the rest: the reversals add up to the credit exactly', () => {
    let state = validatedSale(9999n); // 15% of 99.99 = 15.00 (14.9985, rounded once, half-up)
    expect(state.commissionMinor).toBe(1500n);
    const steps = [3333n, 3333n, 3333n].map((minor, n) => {
      const t = applyOrderEvent(state, refund(10 + n, minor), undefined, RATE);
      state = t.next!;
      return [t.outcome, t.reversalMinor, state.commissionMinor];
    });
    // 66.66 → 10.00 (9.999), 33.33 → 5.00 (4.9995), then nothing left: the rest is reversed.
    expect(steps).toEqual([
      ['updated', 500n, 1000n],
      ['updated', 500n, 500n],
      ['reversed', 500n, 500n],
    ]);
    expect(state).toMatchObject({ status: 'reversed', refundedMinor: 9999n });
  });

  it('a refund reaching the base reverses what is left of the commission', () => {
    const partial = applyOrderEvent(validatedSale(), refund(5, 2000n), undefined, RATE);
    const full = applyOrderEvent(partial.next, refund(6, 6000n), undefined, RATE);
    expect(full).toMatchObject({
      outcome: 'reversed',
      reversalMinor: 900n,
      notify: ['sale.reversed'],
      next: { status: 'reversed', refundedMinor: 8000n },
    });
    expect((partial.reversalMinor ?? 0n) + (full.reversalMinor ?? 0n)).toBe(1200n);
    expect(applyOrderEvent(full.next, refund(7, 100n), undefined, RATE)).toMatchObject({ outcome: 'unchanged' });
  });

  it('a refund too small to move the rounded commission claws back nothing', () => {
    const t = applyOrderEvent(validatedSale(10001n), refund(5, 1n), undefined, RATE); // 1500.15 → 1500.00
    expect(t.next).toMatchObject({ refundedMinor: 1n, commissionMinor: 1500n });
    expect(t.reversalMinor).toBeUndefined();
  });

  it('ignores a refund in another currency and events that are not refunds', () => {
    const sale = validatedSale();
    const foreign = applyOrderEvent(sale, refund(5, 2000n, 'USD'), undefined, RATE);
    expect(foreign).toMatchObject({ outcome: 'unchanged', next: { refundedMinor: 0n, commissionMinor: 1200n } });
    expect(foreign.reversalMinor).toBeUndefined();
    expect(applyOrderEvent(sale, ev(6, 'paid', { base: eur(9000n) }), mia, RATE)).toMatchObject({
      outcome: 'unchanged',
      next: { commissionMinor: 1200n, baseMinor: 8000n },
    });
  });

  it('partial refunds cost the influencer the same before or after validation (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10_000_000n }),
        fc.array(fc.bigInt({ min: 1n, max: 1_000_000n }), { maxLength: 5 }),
        fc.nat(5),
        (baseMinor, refunds, validateAfter) => {
          let state = applyOrderEvent(undefined, ev(1, 'paid', { base: eur(baseMinor) }), mia, RATE).next!;
          let credited = 0n;
          let reversed = 0n;
          refunds.forEach((minor, n) => {
            if (n === validateAfter && state.status === 'pending') {
              credited = state.commissionMinor ?? 0n;
              state = { ...state, status: 'validated' };
            }
            const t = applyOrderEvent(state, refund(10 + n, minor), undefined, RATE);
            reversed += t.reversalMinor ?? 0n;
            state = t.next ?? state;
          });
          const refunded = refunds.reduce((a, b) => a + b, 0n);
          const kept = refunded >= baseMinor ? 0n : (state.commissionMinor ?? 0n);
          // Whatever was credited, minus what was clawed back, is the commission on what is left.
          if (credited > 0n) expect(credited - reversed).toBe(kept);
          else expect(reversed).toBe(0n);
        },
      ),
      { numRuns: 300 },
    );
  });
});
