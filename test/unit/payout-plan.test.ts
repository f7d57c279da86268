import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceJson, computeBalances, type LedgerSum } from '../../src/domain/balances.js';
import { parseMajor } from '../../src/domain/money.js';
import {
  DEFAULT_MINIMUM_CURRENCIES,
  minimumFor,
  payoutReference,
  planPayouts,
  type Payee,
  type PayoutCandidate,
  type PayoutPolicy,
} from '../../src/domain/payout-plan.js';

const AS_OF = new Date('2024-03-15T09:00:00Z');
const policy: PayoutPolicy = { defaultMinMajor: '50', minByCurrency: {}, asOf: AS_OF };
const SEPA_IBAN = 'DE89370400440532013000';
const NON_SEPA_IBAN = 'SA0380000000608010167519';

const payee = (over: Partial<Payee> = {}): Payee => ({
  name: 'Mia',
  email: 'mia@example.com',
  iban: null,
  bic: null,
  paypalEmail: null,
  ...over,
});
const candidate = (
  influencerId: string,
  currency: string,
  availableMinor: bigint,
  p: Partial<Payee> = { iban: SEPA_IBAN },
): PayoutCandidate => ({
  influencerId,
  currency,
  availableMinor,
  payee: payee(p),
});
const sum = (influencerId: string, currency: string, kind: LedgerSum['kind'], amountMinor: bigint): LedgerSum => ({
  influencerId,
  currency,
  kind,
  amountMinor,
});

describe('computeBalances', () => {
  it('computes pending, available and paid per influencer and currency', () => {
    const balances = computeBalances(
      [
        sum('a', 'EUR', 'credit', 10000n),
        sum('a', 'EUR', 'reversal', -1500n),
        sum('a', 'EUR', 'payout', -6000n),
        sum('a', 'JPY', 'credit', 1250n),
      ],
      [
        { influencerId: 'a', currency: 'EUR', amountMinor: 1883n },
        { influencerId: 'b', currency: 'KWD', amountMinor: 1250n },
      ],
    );
    expect(balances.map(balanceJson)).toEqual([
      { influencer_id: 'a', currency: 'EUR', pending: '18.83', available: '25.00', paid: '60.00' },
      { influencer_id: 'a', currency: 'JPY', pending: '0', available: '1250', paid: '0' },
      { influencer_id: 'b', currency: 'KWD', pending: '1.250', available: '0.000', paid: '0.000' },
    ]);
  });

  it('carries a negative balance after a clawback, and later credits repay it first', () => {
    const ledger = [
      sum('a', 'EUR', 'credit', 6000n),
      sum('a', 'EUR', 'payout', -6000n),
      sum('a', 'EUR', 'reversal', -2000n),
    ];
    const [afterClawback] = computeBalances(ledger);
    expect(afterClawback).toMatchObject({ availableMinor: -2000n, paidMinor: 6000n });
    expect(planPayouts([candidate('a', 'EUR', afterClawback!.availableMinor)], policy).payouts).toEqual([]);

    const [netted] = computeBalances([...ledger, sum('a', 'EUR', 'credit', 6000n)]);
    expect(netted!.availableMinor).toBe(4000n); // 60 credited − 20 owed: below the 50 minimum
    expect(planPayouts([candidate('a', 'EUR', netted!.availableMinor)], policy).payouts).toEqual([]);

    const [paid] = computeBalances([...ledger, sum('a', 'EUR', 'credit', 6000n), sum('a', 'EUR', 'credit', 1000n)]);
    expect(
      planPayouts([candidate('a', 'EUR', paid!.availableMinor)], policy).payouts.map((p) => p.amountMinor),
    ).toEqual([5000n]);
  });

  it('refuses sums with the wrong sign', () => {
    expect(() => computeBalances([sum('a', 'EUR', 'payout', 6000n)])).toThrow(RangeError);
    expect(() => computeBalances([sum('a', 'EUR', 'credit', -1n)])).toThrow(RangeError);
  });
});

describe('planPayouts: who is paid', () => {
  it('pays exactly at the threshold and not one minor unit below', () => {
    const plan = planPayouts([candidate('at', 'EUR', 5000n), candidate('below', 'EUR', 4999n)], policy);
    expect(plan.payouts.map((p) => [p.influencerId, p.amountMinor])).toEqual([['at', 5000n]]);
  });

  it('has a default minimum only for EUR, USD, GBP, CHF, CAD, AUD, NZD and SGD; skips others naming --min-currency', () => {
    for (const c of ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'NZD', 'SGD']) expect(minimumFor(policy, c)).toBe(5000n);
    expect(minimumFor(policy, 'JPY')).toBeNull();
    expect(minimumFor(policy, 'KWD')).toBeNull();
    const plan = planPayouts(
      [candidate('j', 'JPY', 126n, { paypalEmail: 'j@x.jp' }), candidate('k', 'KWD', 1n, { paypalEmail: 'k@x.kw' })],
      policy,
    );
    expect(plan.payouts).toEqual([]);
    expect(plan.skipped.map((s) => [s.influencerId, s.amountMinor])).toEqual([
      ['j', 126n],
      ['k', 1n],
    ]);
    expect(plan.skipped[0]?.reason).toMatch(/--min-currency JPY=AMOUNT/);
    const paid = planPayouts([candidate('j', 'JPY', 126n, { paypalEmail: 'j@x.jp' })], {
      ...policy,
      minByCurrency: { JPY: '100' },
    });
    expect(paid.payouts.map((p) => [p.influencerId, p.amountMinor])).toEqual([['j', 126n]]);
  });

  it('reads the minimum in major units of each currency: JPY has 0 decimals, KWD 3', () => {
    const withMins = { ...policy, minByCurrency: { JPY: '50', KWD: '50' } };
    expect(minimumFor(withMins, 'JPY')).toBe(50n);
    expect(minimumFor(withMins, 'KWD')).toBe(50000n);
    const plan = planPayouts(
      [
        candidate('j1', 'JPY', 50n, { paypalEmail: 'j@x.jp' }),
        candidate('j2', 'JPY', 49n, { paypalEmail: 'j@x.jp' }),
        candidate('k1', 'KWD', 50000n, { paypalEmail: 'k@x.kw' }),
        candidate('k2', 'KWD', 49999n, { paypalEmail: 'k@x.kw' }),
      ],
      withMins,
    );
    expect(plan.payouts.map((p) => p.influencerId)).toEqual(['j1', 'k1']);
    expect(plan.totals).toEqual([
      { currency: 'JPY', count: 1, amountMinor: 50n },
      { currency: 'KWD', count: 1, amountMinor: 50000n },
    ]);
  });

  it('applies per-currency overrides and rejects impossible minimums', () => {
    const custom = { ...policy, minByCurrency: { JPY: '5000', EUR: '10.50' } };
    expect(minimumFor(custom, 'JPY')).toBe(5000n);
    expect(minimumFor(custom, 'EUR')).toBe(1050n);
    expect(minimumFor(custom, 'USD')).toBe(5000n);
    expect(minimumFor({ ...policy, minByCurrency: { constructor: '1' } }, 'EUR')).toBe(5000n);
    expect(() => minimumFor({ ...policy, minByCurrency: { JPY: '0.5' } }, 'JPY')).toThrow();
    expect(() => minimumFor({ ...policy, defaultMinMajor: '-1' }, 'EUR')).toThrow(RangeError);
  });

  it('never pays a zero or negative balance, even with a zero minimum', () => {
    const plan = planPayouts([candidate('z', 'EUR', 0n), candidate('n', 'EUR', -1n), candidate('p', 'EUR', 1n)], {
      ...policy,
      defaultMinMajor: '0',
    });
    expect(plan.payouts.map((p) => p.influencerId)).toEqual(['p']);
  });
});

describe('planPayouts: how they are paid', () => {
  it('chooses sepa, paypal or bank and lists those without details', () => {
    const plan = planPayouts(
      [
        candidate('sepa', 'EUR', 6000n, { iban: 'de89 3704 0044 0532 0130 00', paypalEmail: 'p@x.de' }),
        candidate('paypal-usd', 'USD', 6000n, { iban: SEPA_IBAN, paypalEmail: 'p@x.com' }),
        candidate('bank-usd', 'USD', 6000n, { iban: SEPA_IBAN }),
        candidate('bank-eur', 'EUR', 6000n, { iban: NON_SEPA_IBAN }),
        candidate('nothing', 'EUR', 7000n, {}),
        candidate('bad-iban', 'EUR', 8000n, { iban: 'DE89370400440532013001' }),
        candidate('poor', 'EUR', 100n, {}),
      ],
      policy,
    );
    expect(plan.payouts.map((p) => [p.influencerId, p.method])).toEqual([
      ['bank-eur', 'bank'],
      ['bank-usd', 'bank'],
      ['paypal-usd', 'paypal'],
      ['sepa', 'sepa'],
    ]);
    expect(plan.payouts.find((p) => p.method === 'sepa')!.payee.iban).toBe(SEPA_IBAN);
    expect(plan.skipped).toEqual([
      {
        influencerId: 'bad-iban',
        currency: 'EUR',
        amountMinor: 8000n,
        reason: 'the IBAN on file fails the IBAN check and there is no PayPal email',
      },
      { influencerId: 'nothing', currency: 'EUR', amountMinor: 7000n, reason: 'no IBAN or PayPal email on file' },
    ]);
    expect(plan.totals).toEqual([
      { currency: 'EUR', count: 2, amountMinor: 12000n },
      { currency: 'USD', count: 2, amountMinor: 12000n },
    ]);
    expect(plan.asOf).toBe(AS_OF);
  });
});

describe('payoutReference', () => {
  it('fits a UUID into a 35-character SEPA EndToEndId', () => {
    const ref = payoutReference('0b3c5d2e-8f1a-4c6b-9d7e-1a2b3c4d5e6f');
    expect(ref).toBe('TN0B3C5D2E8F1A4C6B9D7E1A2B3C4D5E6F');
    expect(ref.length).toBeLessThanOrEqual(35);
    expect(() => payoutReference('not-a-uuid')).toThrow(RangeError);
  });
});

describe('planPayouts: properties', () => {
  const currencies = fc.constantFrom('EUR', 'USD', 'JPY', 'KWD');
  const row = fc.record({
    influencerId: fc.uuid(),
    currency: currencies,
    availableMinor: fc.bigInt({ min: -100_000n, max: 10_000_000n }),
    payee: fc.record({
      name: fc.string(),
      email: fc.constant(null),
      iban: fc.constantFrom(null, SEPA_IBAN, NON_SEPA_IBAN, 'DE00000000000000000000'),
      bic: fc.constant(null),
      paypalEmail: fc.constantFrom(null, 'p@example.com'),
    }),
  });

  it('totals equal the sum of the payouts, and every balance due is paid or listed exactly once', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(row, { selector: (r) => `${r.influencerId}/${r.currency}`, maxLength: 40 }),
        (rows) => {
          const plan = planPayouts(rows, policy);
          for (const t of plan.totals) {
            const mine = plan.payouts.filter((p) => p.currency === t.currency);
            expect(t.count).toBe(mine.length);
            expect(t.amountMinor).toBe(mine.reduce((a, p) => a + p.amountMinor, 0n));
          }
          expect(plan.totals.reduce((a, t) => a + t.count, 0)).toBe(plan.payouts.length);
          // Balances in a currency without a minimum are all listed as skipped (naming --min-currency).
          const hasDefault = (c: string) => DEFAULT_MINIMUM_CURRENCIES.includes(c);
          const due = rows.filter(
            (r) =>
              r.availableMinor > 0n && (!hasDefault(r.currency) || r.availableMinor >= parseMajor('50', r.currency)),
          );
          expect(plan.payouts.length + plan.skipped.length).toBe(due.length);
          for (const p of plan.payouts)
            expect(p.method === 'sepa').toBe(p.currency === 'EUR' && p.payee.iban === SEPA_IBAN);
        },
      ),
    );
  });
});
