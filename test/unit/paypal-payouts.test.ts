import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildPaypalBatches, PAYPAL_BATCH_MAX_ROWS } from '../../src/services/payouts/payment-files/paypal-payouts.js';

const REF = 'TN0B3C5D2E8F1A4C6B9D7E1A2B3C4D5E6F';
const row = (over: Partial<Parameters<typeof buildPaypalBatches>[0][number]> = {}) => ({
  paypalEmail: 'mia@example.com',
  currency: 'EUR',
  amountMinor: 1883n,
  reference: REF,
  ...over,
});

describe('PayPal Payouts batch CSV', () => {
  it("writes PayPal's columns in order, no header: email, amount, currency, Customer ID (≤ 30), note, wallet", () => {
    const [file] = buildPaypalBatches([row()]);
    expect(file).toEqual({
      currency: 'EUR',
      part: 1,
      content: `mia@example.com,18.83,EUR,${REF.slice(0, 30)},Commission payout ${REF},PAYPAL\r\n`,
    });
    const cells = (parse(file!.content) as string[][])[0]!;
    expect(cells).toHaveLength(6);
    expect(cells[3]).toHaveLength(30);
    expect(cells[3]).not.toMatch(/\s/);
  });

  it('formats amounts with exactly the currency exponent: JPY without decimals, KWD with three', () => {
    const files = buildPaypalBatches([
      row({ currency: 'JPY', amountMinor: 126n }),
      row({ currency: 'KWD', amountMinor: 1250n }),
      row({ currency: 'USD', amountMinor: 5000n }),
      row({ currency: 'EUR', amountMinor: 5n }),
    ]);
    const amounts = Object.fromEntries(files.map((f) => [f.currency, (parse(f.content) as string[][])[0]![1]]));
    expect(amounts).toEqual({ EUR: '0.05', JPY: '126', KWD: '1.250', USD: '50.00' });
  });

  it('puts one currency in a file, sorted, and starts a new part every 5,000 rows', () => {
    const many = Array.from({ length: PAYPAL_BATCH_MAX_ROWS + 1 }, (_, i) => row({ paypalEmail: `p${i}@example.com` }));
    const files = buildPaypalBatches([...many, row({ currency: 'CAD' })]);
    expect(files.map((f) => [f.currency, f.part, f.content.split('\r\n').length - 1])).toEqual([
      ['CAD', 1, 1],
      ['EUR', 1, PAYPAL_BATCH_MAX_ROWS],
      ['EUR', 2, 1],
    ]);
    expect(buildPaypalBatches([])).toEqual([]);
  });

  it('quotes a cell holding a comma or a quote (RFC 4180), and refuses impossible rows', () => {
    const [file] = buildPaypalBatches([row({ paypalEmail: '"odd,name"@example.com' })]);
    expect(file!.content.startsWith('"""odd,name""@example.com",18.83,')).toBe(true);
    expect((parse(file!.content) as string[][])[0]![0]).toBe('"odd,name"@example.com');
    expect(() => buildPaypalBatches([row({ amountMinor: 0n })])).toThrow(RangeError);
    expect(() => buildPaypalBatches([row({ paypalEmail: 'not an email' })])).toThrow(RangeError);
  });
});
