import { describe, expect, it } from 'vitest';
import { isUuid } from '../../src/store/pg-errors.js';
import { uuidv7 } from '../../src/store/row-ids.js';

describe('uuidv7', () => {
  it('is a version 7, variant 10 UUID with the time in its first 48 bits', () => {
    const at = Date.UTC(2026, 11, 2, 16, 30, 0, 123);
    const id = uuidv7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(isUuid(id)).toBe(true);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('never repeats, and sorts by millisecond', () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => uuidv7(1_700_000_000_000 + Math.floor(i / 50)));
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes = ids.map((id) => id.slice(0, 13));
    expect([...prefixes].sort()).toEqual(prefixes);
  });
});
