import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/platforms/tiktok-shop/export/id-set.js';

describe('IdSet', () => {
  it('behaves as a Set of strings under any mix of add, delete and has', () => {
    const op = fc.tuple(fc.constantFrom('add', 'delete', 'has'), fc.stringMatching(/^[0-9a-f]{1,6}$/));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const ids = new IdSet();
        const model = new Set<string>();
        for (const [kind, id] of ops) {
          if (kind === 'add') {
            ids.add(id);
            model.add(id);
          } else if (kind === 'delete') {
            ids.delete(id);
            model.delete(id);
          } else expect(ids.has(id)).toBe(model.has(id));
        }
        expect(ids.size).toBe(model.size);
        for (const id of model) expect(ids.has(id)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('holds a million order ids without a false hit', () => {
    const ids = new IdSet();
    for (let n = 0; n < 1_000_000; n++) ids.add(`5764614130${String(n).padStart(8, '0')}`);
    expect(ids.size).toBe(1_000_000);
    let hits = 0;
    for (let n = 1_000_000; n < 1_200_000; n++) if (ids.has(`5764614130${String(n).padStart(8, '0')}`)) hits++;
    expect(hits).toBe(0);
  });
});
