import { describe, expect, it } from 'vitest';
import { holdEndsAt, isPastHold } from '../../src/domain/hold.js';
import { planValidation, type ValidationCandidate } from '../../src/domain/validation-plan.js';

const ORDERED = new Date('2024-03-01T10:00:00Z');
const day = (n: number) => new Date(ORDERED.getTime() + n * 86_400_000);

let seq = 0;
function sale(over: Partial<ValidationCandidate> = {}): ValidationCandidate {
  seq++;
  return {
    id: `sale-${seq}`,
    status: 'pending',
    orderStatus: 'paid',
    influencerId: 'inf-1',
    currency: 'EUR',
    commissionMinor: 1883n,
    orderedAt: ORDERED,
    holdDays: 14,
    ...over,
  };
}

describe('isPastHold', () => {
  it('is valid once orderedAt + holdDays ≤ asOf, at the exact instant', () => {
    expect(isPastHold(ORDERED, 14, day(13))).toBe(false);
    expect(isPastHold(ORDERED, 14, new Date(day(14).getTime() - 1))).toBe(false);
    expect(isPastHold(ORDERED, 14, day(14))).toBe(true);
    expect(isPastHold(ORDERED, 14, day(30))).toBe(true);
    expect(isPastHold(ORDERED, 0, ORDERED)).toBe(true);
  });

  it('counts days as 24 hours of UTC, across daylight-saving changes', () => {
    // Europe's clocks moved on 2024-03-31; a hold day is still 24 h.
    expect(holdEndsAt(new Date('2024-03-25T12:00:00Z'), 14).toISOString()).toBe('2024-04-08T12:00:00.000Z');
  });

  it('rejects nonsense holds and dates', () => {
    expect(() => isPastHold(ORDERED, -1, day(1))).toThrow(RangeError);
    expect(() => isPastHold(ORDERED, 1.5, day(1))).toThrow(RangeError);
    expect(() => isPastHold(new Date('nope'), 14, day(1))).toThrow(RangeError);
    expect(() => isPastHold(ORDERED, 14, new Date('nope'))).toThrow(RangeError);
  });
});

describe('planValidation', () => {
  it('validates nothing at day 13 and everything due at day 14', () => {
    const sales = [sale(), sale({ commissionMinor: 117n })];
    expect(planValidation(sales, day(13)).validate).toEqual([]);
    const plan = planValidation(sales, day(14));
    expect(plan.validate.map((v) => v.saleId)).toEqual(sales.map((s) => s.id));
    expect(plan.credited).toEqual([{ currency: 'EUR', amountMinor: 2000n }]);
  });

  it("uses each sale's own merchant hold", () => {
    const quick = sale({ holdDays: 3 });
    const slow = sale({ holdDays: 30 });
    expect(planValidation([quick, slow], day(14)).validate.map((v) => v.saleId)).toEqual([quick.id]);
  });

  it('totals credits per currency, exactly, for JPY (0 decimals) and KWD (3 decimals)', () => {
    const plan = planValidation(
      [
        sale({ currency: 'KWD', commissionMinor: 1250n }),
        sale({ currency: 'JPY', commissionMinor: 1875n }),
        sale({ currency: 'KWD', commissionMinor: 1n }),
        sale({ currency: 'JPY', commissionMinor: 1n }),
      ],
      day(14),
    );
    expect(plan.credited).toEqual([
      { currency: 'JPY', amountMinor: 1876n },
      { currency: 'KWD', amountMinor: 1251n },
    ]);
  });

  it('leaves sales that are not pending alone', () => {
    const sales = (['validated', 'cancelled', 'reversed'] as const).map((status) => sale({ status }));
    const plan = planValidation(sales, day(100));
    expect(plan).toMatchObject({ validate: [], cancel: [], skipped: [], credited: [] });
  });

  it('cancels pending sales whose order was cancelled or refunded', () => {
    const a = sale({ orderStatus: 'cancelled' });
    const b = sale({ orderStatus: 'refunded' });
    const plan = planValidation([a, b], day(14));
    expect(plan.cancel).toEqual([
      { saleId: a.id, reason: 'order cancelled' },
      { saleId: b.id, reason: 'order refunded' },
    ]);
    expect(plan.credited).toEqual([]);
  });

  it('cancels a cancelled order inside its hold too (it can never be credited)', () => {
    const a = sale({ orderStatus: 'refunded' });
    expect(planValidation([a], day(1)).cancel).toEqual([{ saleId: a.id, reason: 'order refunded' }]);
  });

  it('lists, with a reason, sales past their hold that cannot be validated', () => {
    const unpaid = sale({ orderStatus: 'unpaid' });
    const orphan = sale({ influencerId: null });
    const unknown = sale({ currency: null, commissionMinor: null });
    const plan = planValidation([unpaid, orphan, unknown], day(14));
    expect(plan.validate).toEqual([]);
    expect(plan.skipped).toEqual([
      { saleId: unpaid.id, reason: 'order is unpaid, not paid' },
      { saleId: orphan.id, reason: 'no influencer attributed' },
      { saleId: unknown.id, reason: 'amount unknown' },
    ]);
  });

  it('validates a zero commission without crediting anything', () => {
    const zero = sale({ commissionMinor: 0n });
    const plan = planValidation([zero], day(14));
    expect(plan.validate).toEqual([{ saleId: zero.id, influencerId: 'inf-1', currency: 'EUR', commissionMinor: 0n }]);
    expect(plan.credited).toEqual([]);
  });

  it('is idempotent once applied: validated sales are not planned again', () => {
    const sales = [sale(), sale()];
    const first = planValidation(sales, day(14));
    const done = new Set(first.validate.map((v) => v.saleId));
    const after = sales.map((s) => (done.has(s.id) ? { ...s, status: 'validated' as const } : s));
    expect(planValidation(after, day(14)).validate).toEqual([]);
  });
});
