import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { parseMajor } from '../../src/domain/money.js';
import { balances } from '../../src/services/payouts/balance.js';
import { statement, statementJson } from '../../src/services/payouts/statement.js';
import type { Database } from '../../src/store/schema.js';
import type { Kysely } from 'kysely';
import { describeBackends } from '../helpers/db.js';
import { insertInfluencer, insertMerchant, insertSale } from '../helpers/sales-builder.js';

type Op = {
  kind: 'credit' | 'reversal' | 'payout' | 'return';
  currency: 'EUR' | 'JPY';
  minor: bigint;
  month: number;
  day: number;
};

const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04'];
const at = (op: Op) => new Date(Date.UTC(2026, op.month, op.day, 12));

/**
 * Writes a random ledger for a new influencer, as the services would: a credit per sale, reversals
 * of credited sales, payouts, and returns of payouts (each payout returned at most once).
 */
async function writeLedger(db: Kysely<Database>, merchantId: string, ops: readonly Op[]): Promise<string> {
  const influencerId = await insertInfluencer(db);
  const credits: { saleId: string; currency: string }[] = [];
  const payouts: { id: string; currency: string; minor: bigint; returned: boolean }[] = [];
  const batch = randomUUID();
  await db.insertInto('payout_batches').values({ id: batch, as_of: new Date() }).execute();
  for (const op of [...ops].sort((a, b) => at(a).getTime() - at(b).getTime())) {
    const created_at = at(op);
    const base = { influencer_id: influencerId, currency: op.currency, created_at };
    if (op.kind === 'credit' || (op.kind === 'reversal' && !credits.some((c) => c.currency === op.currency))) {
      const saleId = await insertSale(db, {
        merchantId,
        influencerId,
        orderedAt: created_at,
        currency: op.currency,
        baseMinor: op.minor * 10n,
        commissionMinor: op.minor,
        status: 'validated',
      });
      await db
        .insertInto('ledger_entries')
        .values({ ...base, amount_minor: op.minor, kind: 'credit', sale_id: saleId })
        .execute();
      credits.push({ saleId, currency: op.currency });
    } else if (op.kind === 'reversal') {
      const sale = credits.find((c) => c.currency === op.currency) as { saleId: string };
      await db
        .insertInto('ledger_entries')
        .values({ ...base, amount_minor: -op.minor, kind: 'reversal', sale_id: sale.saleId, event_key: randomUUID() })
        .execute();
    } else if (op.kind === 'return' && payouts.some((p) => p.currency === op.currency && !p.returned)) {
      const p = payouts.find((x) => x.currency === op.currency && !x.returned) as (typeof payouts)[number];
      p.returned = true;
      await db
        .insertInto('ledger_entries')
        .values({ ...base, amount_minor: p.minor, kind: 'return', payout_id: p.id })
        .execute();
    } else {
      const id = randomUUID();
      await db
        .insertInto('payouts')
        .values({
          id,
          batch_id: batch,
          influencer_id: influencerId,
          currency: op.currency,
          amount_minor: op.minor,
          method: 'paypal',
          reference: id,
        })
        .execute();
      await db
        .insertInto('ledger_entries')
        .values({ ...base, amount_minor: -op.minor, kind: 'payout', payout_id: id })
        .execute();
      payouts.push({ id, currency: op.currency, minor: op.minor, returned: false });
    }
  }
  return influencerId;
}

const op = fc.record({
  kind: fc.constantFrom('credit', 'credit', 'reversal', 'payout', 'return'),
  currency: fc.constantFrom('EUR', 'JPY'),
  minor: fc.bigInt({ min: 1n, max: 99_999n }),
  month: fc.integer({ min: 0, max: MONTHS.length - 1 }),
  day: fc.integer({ min: 1, max: 28 }),
}) as fc.Arbitrary<Op>;

describeBackends('statement', (t) => {
  let merchantId: string;
  beforeAll(async () => {
    merchantId = await insertMerchant(t().db);
  });

  it('statements over all months chain and sum to the balance, to the cent (random ledgers)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const db = t().db;
        const influencerId = await writeLedger(db, merchantId, ops);
        const docs = [];
        for (const month of MONTHS) docs.push(statementJson(await statement(db, { influencerId, month })));
        const balance = await balances(db, { influencerId });
        for (const { currency, available, paid } of balance) {
          const rows = docs.map((d) => d.currencies.find((c) => c.currency === currency));
          const minor = (v: string | undefined) => parseMajor(v ?? '0', currency);
          // Each month opens where the one before closed; the last closes at the available balance.
          for (let i = 1; i < rows.length; i++) expect(minor(rows[i]?.opening)).toBe(minor(rows[i - 1]?.closing));
          expect(minor(rows.at(-1)?.closing)).toBe(parseMajor(available, currency));
          const sum = (k: 'credited' | 'reversed' | 'paid' | 'returned') =>
            rows.reduce((a, r) => a + minor(r?.[k]), 0n);
          expect(sum('credited') - sum('reversed') - sum('paid') + sum('returned')).toBe(
            parseMajor(available, currency),
          );
          expect(sum('paid') - sum('returned')).toBe(parseMajor(paid, currency));
          for (const r of rows)
            if (r)
              expect(minor(r.closing)).toBe(
                minor(r.opening) + minor(r.credited) - minor(r.reversed) - minor(r.paid) + minor(r.returned),
              );
        }
        const lines = docs.flatMap((d) => d.lines);
        expect(lines).toHaveLength(ops.length);
      }),
      { numRuns: 12 },
    );
  });

  it('shows the lines with their order and payout ids; bad input is a usage error', async () => {
    const db = t().db;
    const influencerId = await writeLedger(db, merchantId, [
      { kind: 'credit', currency: 'EUR', minor: 1883n, month: 1, day: 3 },
      { kind: 'payout', currency: 'EUR', minor: 1883n, month: 1, day: 20 },
      { kind: 'return', currency: 'EUR', minor: 1883n, month: 2, day: 2 },
    ]);
    const feb = statementJson(await statement(db, { influencerId, month: '2026-02' }));
    expect(feb.currencies).toEqual([
      {
        currency: 'EUR',
        opening: '0.00',
        credited: '18.83',
        reversed: '0.00',
        paid: '18.83',
        returned: '0.00',
        closing: '0.00',
      },
    ]);
    expect(feb.lines.map((l) => [l.kind, l.amount, l.order_id !== null, l.payout_id !== null])).toEqual([
      ['credit', '18.83', true, false],
      ['payout', '-18.83', false, true],
    ]);
    const mar = statementJson(await statement(db, { influencerId, month: '2026-03' }));
    expect(mar.currencies).toEqual([
      {
        currency: 'EUR',
        opening: '0.00',
        credited: '0.00',
        reversed: '0.00',
        paid: '0.00',
        returned: '18.83',
        closing: '18.83',
      },
    ]);
    expect(statementJson(await statement(db, { influencerId, month: '2025-12' })).currencies).toEqual([]);
    await expect(statement(db, { influencerId, month: '2026-13' })).rejects.toMatchObject({ code: 'usage' });
    await expect(statement(db, { influencerId: 'x', month: '2026-01' })).rejects.toMatchObject({ code: 'usage' });
    await expect(statement(db, { influencerId: randomUUID(), month: '2026-01' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
