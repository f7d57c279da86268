import { describe, expect, it } from 'vitest';
import { isoInstant } from '../../src/domain/iso-instant.js';

describe('isoInstant: toISOString text, faster', () => {
  it('matches the builtin on edges: epoch, leap days, centuries, the last four-digit year, outside it', () => {
    const edges = [
      0,
      1,
      999,
      86399999,
      86400000,
      951782400000,
      951868800000,
      4107542400000,
      253402300799999,
      253402300800000,
      -1,
      -62167219200000,
      Date.UTC(2024, 1, 29, 23, 59, 59, 9),
      Date.UTC(2100, 1, 28, 12),
      Date.UTC(2000, 11, 31, 23, 59, 59, 999),
    ];
    for (const ms of edges) expect(isoInstant(new Date(ms))).toBe(new Date(ms).toISOString());
  });

  it('matches the builtin on 50,000 random instants of years 0000-9999, repeated ones included', () => {
    let state = 0x2545f491;
    const random = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    for (let i = 0; i < 50_000; i++) {
      const ms = Math.floor(random() * 253402300800000);
      const date = new Date(ms);
      expect(isoInstant(date)).toBe(date.toISOString());
      if (i % 7 === 0) expect(isoInstant(date)).toBe(date.toISOString());
    }
  });

  it('throws as the builtin does on an invalid date', () => {
    expect(() => isoInstant(new Date(NaN))).toThrow(RangeError);
  });
});
