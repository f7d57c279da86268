import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeCommission, formatRatePercent, parseRatePercent } from '../../src/domain/commission.js';

describe('computeCommission', () => {
  it.each([
    [12550n, 150000, 1883n],
    [7990n, 150000, 1199n],
    [3990n, 150000, 599n],
    [6250n, 150000, 938n],
    [8000n, 150000, 1200n],
    [4500n, 150000, 675n],
    [119900n, 150000, 17985n],
    [1250n, 125000, 156n],
    [0n, 150000, 0n],
    [999n, 0, 0n],
    [999n, 1_000_000, 999n],
  ])('%s at %s ppm → %s', (base, ppm, expected) => {
    expect(computeCommission(base, ppm)).toBe(expected);
  });

  it('rounds once, half away from zero, so a clawback mirrors its credit', () => {
    expect(computeCommission(10n, 50000)).toBe(1n); // 0.5 → 1
    expect(computeCommission(-10n, 50000)).toBe(-1n);
    expect(computeCommission(9n, 50000)).toBe(0n); // 0.45 → 0
  });

  it('never exceeds the base and never goes below zero for a positive base', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 1_000_000 }), (base, ppm) => {
        const c = computeCommission(base, ppm);
        return c >= 0n && c <= base && (c * 1_000_000n - base * BigInt(ppm)) * 2n <= 1_000_000n;
      }),
    );
  });

  it('refuses rates that are not integer ppm in 0..1e6', () => {
    expect(() => computeCommission(100n, 15.5)).toThrow(RangeError);
    expect(() => computeCommission(100n, -1)).toThrow(RangeError);
    expect(() => computeCommission(100n, 1_000_001)).toThrow(RangeError);
  });
});

describe('parseRatePercent', () => {
  it.each([
    ['15', 150000],
    ['12.5', 125000],
    ['0', 0],
    ['100', 1_000_000],
    ['100.0000', 1_000_000],
    ['0.0001', 1],
    ['7.25%', 72500],
    [' 15 ', 150000],
  ])('%s → %s ppm', (text, ppm) => {
    expect(parseRatePercent(text)).toBe(ppm);
  });

  it.each(['', '-1', '100.0001', '101', '1e1', 'NaN', 'Infinity', '12.34567', '.5', '5.', '+5', '1,5', '0x10', '15 %'])(
    'rejects %j',
    (text) => {
      expect(() => parseRatePercent(text)).toThrow(RangeError);
    },
  );
});

describe('formatRatePercent', () => {
  it.each([
    [150000, 15],
    [125000, 12.5],
    [0, 0],
    [1_000_000, 100],
    [1, 0.0001],
    [72500, 7.25],
  ])('%s ppm → %s', (ppm, percent) => {
    expect(formatRatePercent(ppm)).toBe(percent);
  });

  it('round-trips with parseRatePercent', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        (ppm) => parseRatePercent(String(formatRatePercent(ppm))) === ppm,
      ),
    );
  });
});
