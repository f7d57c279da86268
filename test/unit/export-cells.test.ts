import { describe, expect, it } from 'vitest';
import { csvLine, needsQuotes } from '../../src/platforms/tiktok-shop/export/cells.js';

/** The dedupe hash of an export order is over its rows as `csvLine` writes them: quoting must never change. */
describe('export csvLine quoting', () => {
  const DEFINITION = /[",\r\n]|^\s|\s$/;
  const expected = (cell: string) => cell !== '' && DEFINITION.test(cell);

  it('quotes exactly the cells the regular expression names, for every UTF-16 code unit at each end and inside', () => {
    const differ: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      for (const cell of [c, `${c}a`, `a${c}`, `a${c}b`])
        if (needsQuotes(cell) !== expected(cell)) differ.push(JSON.stringify(cell));
    }
    expect(differ).toEqual([]);
  });

  it('writes a row as before', () => {
    expect(csvLine(['576461413000000001', '', 'Mask, pack of 5', ' lead', 'say "hi"', 'a\nb'])).toBe(
      '576461413000000001,,"Mask, pack of 5"," lead","say ""hi""","a\nb"',
    );
    expect(needsQuotes('')).toBe(false);
  });
});
