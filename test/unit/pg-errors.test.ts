import { describe, expect, it } from 'vitest';
import { retryOnConflict } from '../../src/store/pg-errors.js';

const failure = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

describe('retryOnConflict', () => {
  it('runs a transaction PostgreSQL undid for a deadlock or a serialization failure again', async () => {
    const codes = ['40P01', '40001'];
    let calls = 0;
    const result = await retryOnConflict(async () => {
      calls++;
      const code = codes.shift();
      if (code) throw failure(code);
      return 'done';
    });
    expect([result, calls]).toEqual(['done', 3]);
  });

  it('gives up after the last attempt, and never retries any other error', async () => {
    let calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw failure('40P01');
      }),
    ).rejects.toMatchObject({ code: '40P01' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retryOnConflict(async () => {
        calls++;
        throw failure('23505');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(calls).toBe(1);
  });
});
