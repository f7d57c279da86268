import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Attribution } from '../../src/domain/attribution.js';
import type { OrderEvent, OrderStatus } from '../../src/domain/order-event.js';
import { applyOrderEvent, type SaleState } from '../../src/domain/sale-lifecycle.js';

const RATE = 150_000;
const mia: Attribution = { influencerId: 'mia', method: 'creator_id', value: 'c1' };
const zed: Attribution = { influencerId: 'zed', method: 'track_message', value: 'ZX' };

function ev(t: number, status: OrderStatus, extra: Partial<OrderEvent> = {}): OrderEvent {
  return {
    platform: 'tiktok',
    merchantId: 'm',
    externalOrderId: 'o1',
    eventTime: new Date(1_760_000_000_000 + t * 1000),
    status,
    platformStatus: status.toUpperCase(),
    hints: [],
    dedupeKey: `k${t}`,
    ...extra,
  };
}

const usd = (minor: bigint) => ({ minor, currency: 'USD' });

/** Applies events in order; `attr` gives each event's attribution (the service computes it from hints). */
function run(events: readonly { e: OrderEvent; a?: Attribution }[], start?: SaleState): SaleState | undefined {
  let state = start;
  for (const { e, a } of events) state = applyOrderEvent(state, e, a, RATE).next ?? state;
  return state;
}

describe('sale lifecycle', () => {
  it('creates a pending sale with the commission rounded once, half-up', () => {
    const t = applyOrderEvent(undefined, ev(1, 'paid', { base: usd(12550n) }), mia, RATE);
    expect(t).toMatchObject({
      outcome: 'created',
      notify: ['sale.created'],
      next: { status: 'pending', commissionMinor: 1883n, influencerId: 'mia' },
    });
  });

  it('records an unpaid order as nothing and an unattributed order without commission', () => {
    expect(applyOrderEvent(undefined, ev(1, 'unpaid'), mia, RATE)).toMatchObject({
      outcome: 'unpaid',
      next: undefined,
    });
    expect(applyOrderEvent(undefined, ev(1, 'paid', { base: usd(100n) }), undefined, RATE).next).toMatchObject({
      influencerId: null,
      commissionMinor: null,
    });
  });

  it('never revives a cancellation that arrived first', () => {
    const s = run([
      { e: ev(5, 'cancelled') },
      { e: ev(1, 'paid', { base: usd(1000n) }), a: mia },
      { e: ev(9, 'paid') },
    ]);
    expect(s).toMatchObject({ status: 'cancelled', baseMinor: 1000n, influencerId: 'mia' });
  });

  it('keeps the better-ranked attribution whatever the order', () => {
    const a = run([
      { e: ev(1, 'paid', { base: usd(1000n) }), a: zed },
      { e: ev(2, 'paid'), a: mia },
    ]);
    const b = run([
      { e: ev(2, 'paid'), a: mia },
      { e: ev(1, 'paid', { base: usd(1000n) }), a: zed },
    ]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ influencerId: 'mia', commissionMinor: 150n });
  });

  it('reverses a validated sale on refund and leaves it reversed', () => {
    const pending = run([{ e: ev(1, 'paid', { base: usd(1000n) }), a: mia }])!;
    const validated: SaleState = { ...pending, status: 'validated' };
    const t = applyOrderEvent(validated, ev(3, 'refunded'), mia, RATE);
    expect(t).toMatchObject({
      outcome: 'reversed',
      reversalMinor: 150n,
      notify: ['sale.reversed'],
      next: { status: 'reversed' },
    });
    expect(applyOrderEvent(t.next, ev(4, 'paid'), mia, RATE)).toMatchObject({ outcome: 'unchanged' });
  });

  it('reduces the commission by partial refunds and cancels at a full refund', () => {
    const refund = (t: number, minor: bigint) => ev(t, 'refunded', { refundedBase: usd(minor), dedupeKey: `r${t}` });
    const partial = run([{ e: ev(1, 'paid', { base: usd(10000n) }), a: mia }, { e: refund(2, 2500n) }]);
    expect(partial).toMatchObject({ status: 'pending', refundedMinor: 2500n, commissionMinor: 1125n });
    const full = run([
      { e: refund(2, 2500n) },
      { e: refund(3, 7500n) },
      { e: ev(1, 'paid', { base: usd(10000n) }), a: mia },
    ]);
    expect(full).toMatchObject({ status: 'cancelled', refundedMinor: 10000n });
  });

  it('ends in the same state for any order and any number of redeliveries (property)', () => {
    const eventArb = fc.record({
      t: fc.integer({ min: 0, max: 1000 }),
      status: fc.constantFrom<OrderStatus>('paid', 'paid', 'paid', 'cancelled', 'refunded', 'unpaid', 'other'),
      hasAmount: fc.boolean(),
      refund: fc.option(fc.bigInt({ min: 1n, max: 5_000n }), { nil: undefined }),
      attributed: fc.constantFrom<Attribution | undefined>(undefined, mia, zed),
    });
    fc.assert(
      // One order has one amount; events either carry it or not (amounts that change after a
      // full refund are not modelled: the full-refund cancellation is absorbing).
      fc.property(
        fc.uniqueArray(eventArb, { minLength: 1, maxLength: 8, selector: (e) => e.t }),
        fc.bigInt({ min: 1n, max: 10_000_000n }),
        fc.array(fc.nat()),
        (specs, amount, picks) => {
          const events = specs.map((s, n) => ({
            e: ev(s.t, s.refund !== undefined ? 'refunded' : s.status, {
              ...(s.hasAmount && s.refund === undefined ? { base: usd(amount) } : {}),
              ...(s.refund !== undefined ? { refundedBase: usd(s.refund) } : {}),
              dedupeKey: `k${n}`,
            }),
            ...(s.attributed ? { a: s.attributed } : {}),
          }));
          // The same deliveries, shuffled and with some repeated (the inbox drops exact repeats).
          const shuffled = [...events].sort(
            (x, y) => ((picks[events.indexOf(x)] ?? 0) % 7) - ((picks[events.indexOf(y)] ?? 0) % 7) || 0,
          );
          const sorted = [...events].sort((x, y) => x.e.eventTime.getTime() - y.e.eventTime.getTime());
          expect(run(shuffled)).toEqual(run(sorted));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
