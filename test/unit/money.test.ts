import { describe, expect, it } from 'vitest';
import { divRoundHalfUp, formatMajor, parseMajor, parseMoneyCell } from '../../src/domain/money.js';
import { currencyExponent, isCurrency } from '../../src/domain/currency.js';

describe('currency', () => {
  it('uses ISO 4217 exponents', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(isCurrency('XXX')).toBe(false);
    expect(isCurrency('ZZZ')).toBe(false);
    expect(isCurrency('usd')).toBe(false);
  });
});

describe('parseMajor', () => {
  it('converts decimal strings by the currency exponent', () => {
    expect(parseMajor('125.50', 'USD')).toBe(12550n);
    expect(parseMajor('125.5', 'USD')).toBe(12550n);
    expect(parseMajor('1250', 'JPY')).toBe(1250n);
    expect(parseMajor('1.250', 'KWD')).toBe(1250n);
    expect(parseMajor('10.00', 'JPY')).toBe(10n);
  });
  it('rejects what is not an exact amount', () => {
    expect(() => parseMajor('1.005', 'USD')).toThrow();
    expect(() => parseMajor('1e3', 'USD')).toThrow();
    expect(() => parseMajor('NaN', 'USD')).toThrow();
    expect(() => parseMajor('12.5', 'JPY')).toThrow();
    expect(() => parseMajor('99999999999999999999', 'USD')).toThrow();
  });
});

describe('parseMoneyCell', () => {
  it.each([
    ['$1,234.56', 'USD', 123456n],
    ['BRL 35,91', 'BRL', 3591n],
    ['1.234,56 €', 'EUR', 123456n],
    ['39.90', 'USD', 3990n],
    ['$0.00', 'USD', 0n],
    ['1,234', 'USD', 123400n],
    ['¥1,883', 'JPY', 1883n],
    ['-5.00', 'USD', -500n],
  ])('%s %s → %s', (cell, currency, minor) => {
    expect(parseMoneyCell(cell, currency)).toBe(minor);
  });
  it('treats an empty cell as missing and garbage as an error', () => {
    expect(parseMoneyCell('  ', 'USD')).toBeUndefined();
    expect(() => parseMoneyCell('abc', 'USD')).toThrow();
    expect(() => parseMoneyCell('1.2.3', 'USD')).toThrow();
  });
});

describe('formatMajor', () => {
  it('prints exact major units', () => {
    expect(formatMajor(1883n, 'USD')).toBe('18.83');
    expect(formatMajor(5n, 'USD')).toBe('0.05');
    expect(formatMajor(1250n, 'JPY')).toBe('1250');
    expect(formatMajor(-1250n, 'KWD')).toBe('-1.250');
  });
});

describe('divRoundHalfUp', () => {
  it('rounds half away from zero', () => {
    expect(divRoundHalfUp(1882500000n, 1000000n)).toBe(1883n);
    expect(divRoundHalfUp(15n, 10n)).toBe(2n);
    expect(divRoundHalfUp(14n, 10n)).toBe(1n);
    expect(divRoundHalfUp(-15n, 10n)).toBe(-2n);
  });
});
