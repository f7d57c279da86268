import { describe, expect, it } from 'vitest';
import { parseMoneyCell } from '../../src/domain/money.js';
import { parseMoney, RowError } from '../../src/platforms/tiktok-shop/export/cells.js';

describe('money cells are exact or refused', () => {
  it.each([
    ['$1,234.56', 'USD', 123456n],
    ['R$ 35,91', 'BRL', 3591n],
    ['1 234,56 zł', 'PLN', 123456n],
    ["1'234.50", 'CHF', 123450n],
    ['US$12.00', 'USD', 1200n],
    ['12.00USD', 'USD', 1200n],
    ['€ 12,50', 'EUR', 1250n],
    ['($39.90)', 'USD', -3990n],
    ['RM 12.50', 'MYR', 1250n],
  ])('%s %s → %s', (cell, currency, minor) => {
    expect(parseMoneyCell(cell, currency)).toBe(minor);
  });

  it.each(['12,5O', '1O.00', 'O12.50', 'l2.50', '12.5 O', '12,50x', '12.5$5', '$', 'USD', '12..50 €x'])(
    'refuses %s',
    (cell) => {
      expect(() => parseMoneyCell(cell, 'USD')).toThrow();
    },
  );

  it('an export cell with a letter for a digit is a row error naming the column', () => {
    expect(() => parseMoney('12,5O', 'USD', 'SKU Subtotal After Discount')).toThrow(RowError);
    expect(() => parseMoney('12,5O', 'USD', 'SKU Subtotal After Discount')).toThrow(
      /SKU Subtotal After Discount.*12,5O/,
    );
  });
});
