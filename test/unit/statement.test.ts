import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerKind } from '../../src/domain/balances.js';
import { computeBalances } from '../../src/domain/balances.js';
import { buildStatement, monthOf, parseMonth, type StatementLine } from '../../src/domain/statement.js';
import { statementHtml, statementText } from '../../src/domain/statement-render.js';

describe('parseMonth', () => {
  it('reads YYYY-MM as UTC bounds and refuses anything else', () => {
    expect(parseMonth('2026-11')).toEqual({
      label: '2026-11',
      start: new Date('2026-11-01T00:00:00Z'),
      end: new Date('2026-12-01T00:00:00Z'),
    });
    expect(parseMonth('2026-12').end).toEqual(new Date('2027-01-01T00:00:00Z'));
    for (const bad of ['2026-13', '2026-1', '26-11', '2026-11-01', ''])
      expect(() => parseMonth(bad)).toThrow(RangeError);
  });
});

const line = fc.record({
  kind: fc.constantFrom<LedgerKind>('credit', 'reversal', 'payout', 'return'),
  currency: fc.constantFrom('EUR', 'JPY', 'KWD'),
  abs: fc.bigInt({ min: 1n, max: 10n ** 12n }),
  at: fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2025-12-31T23:59:59Z'), noInvalidDate: true }),
});

describe('buildStatement', () => {
  it('statements over every month chain and sum to the ledger balance (property)', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), (raw) => {
        const entries: StatementLine[] = raw.map((r) => ({
          at: r.at,
          kind: r.kind,
          currency: r.currency,
          amountMinor: r.kind === 'credit' || r.kind === 'return' ? r.abs : -r.abs,
          orderId: null,
          payoutId: null,
        }));
        const months = Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`);
        const closing = new Map<string, bigint>();
        for (const month of months) {
          const opening = [...closing].map(([currency, amountMinor]) => ({ currency, amountMinor }));
          const s = buildStatement(
            month,
            opening,
            entries.filter((e) => monthOf(e.at) === month),
          );
          for (const c of s.currencies) {
            expect(c.closingMinor).toBe(
              c.openingMinor + c.creditedMinor - c.reversedMinor - c.paidMinor + c.returnedMinor,
            );
            closing.set(c.currency, c.closingMinor);
          }
        }
        const balances = computeBalances(
          entries.map((e) => ({ influencerId: 'i', currency: e.currency, kind: e.kind, amountMinor: e.amountMinor })),
        );
        for (const b of balances) expect(closing.get(b.currency) ?? 0n).toBe(b.availableMinor);
      }),
    );
  });

  it('refuses a line signed against its kind', () => {
    expect(() =>
      buildStatement(
        '2025-01',
        [],
        [{ at: new Date(), kind: 'payout', currency: 'EUR', amountMinor: 5n, orderId: null, payoutId: null }],
      ),
    ).toThrow(RangeError);
  });

  it('renders text and a self-contained HTML page with escaped names', () => {
    const doc = {
      influencer_id: 'i-1',
      month: '2025-02',
      currencies: [
        {
          currency: 'EUR',
          opening: '1.00',
          credited: '18.83',
          reversed: '0.00',
          paid: '0.00',
          returned: '0.00',
          closing: '19.83',
        },
      ],
      lines: [
        {
          at: '2025-02-03T12:00:00.000Z',
          kind: 'credit',
          order_id: '#1001',
          payout_id: null,
          amount: '18.83',
          currency: 'EUR',
        },
      ],
    };
    expect(statementText(doc, 'Mia')).toContain('18.83');
    expect(statementText(doc, 'Mia')).toContain('order #1001');
    const html = statementHtml(doc, '<Mia & Co>');
    expect(html).toContain('&#60;Mia &#38; Co&#62;');
    expect(html).not.toMatch(/<script|<link|https?:\/\//);
    expect(html).toContain('19.83');
  });
});
