import { beforeEach, expect, it } from 'vitest';
import { formatMajor } from '../../src/domain/money.js';
import { planValidation, type ValidationCandidate } from '../../src/domain/validation-plan.js';
import { validate } from '../../src/services/payouts/validate.js';
import { openPostgres } from '../../src/store/connect.js';
import { describeBackends } from '../helpers/db.js';
import {
  daysAfter,
  insertInfluencer,
  insertMerchant,
  insertSale,
  insertSales,
  type SaleSpec,
} from '../helpers/sales-builder.js';

const T0 = new Date('2024-03-01T10:00:00.000Z');

describeBackends('validate', (t, backend) => {
  // validate is global; each test starts with no pending sale left by another.
  beforeEach(async () => {
    await t().db.updateTable('sales').set({ status: 'cancelled' }).where('status', '=', 'pending').execute();
  });

  it('agrees with the pure rule, batch after batch, ties in ordered_at included', async () => {
    const db = t().db;
    const holds = [0, 14, 30];
    const merchants = await Promise.all(holds.map((holdDays) => insertMerchant(db, { holdDays })));
    const influencers = await Promise.all([1, 2, 3].map(() => insertInfluencer(db)));
    const orderStatuses = ['paid', 'paid', 'paid', 'cancelled', 'refunded', 'unpaid', 'other'] as const;
    const specs: (SaleSpec & { holdDays: number })[] = [];
    for (let i = 0; i < 84; i++) {
      const m = i % 3;
      const unknown = i % 11 === 0;
      const attributed = i % 13 !== 0;
      specs.push({
        merchantId: merchants[m]!,
        holdDays: holds[m]!,
        // Few distinct instants, so many sales share one: the batch cursor must not skip or repeat them.
        orderedAt: daysAfter(T0, [0, 0, 1, 16, 30][i % 5]!, i % 4 === 0 ? -1 : 0),
        influencerId: attributed ? influencers[i % 3]! : null,
        currency: unknown ? null : i % 2 ? 'EUR' : 'JPY',
        baseMinor: unknown ? null : BigInt(1000 + i * 37),
        commissionMinor: unknown ? null : i % 9 === 0 ? 0n : BigInt(150 + i * 7),
        status: i % 17 === 5 && attributed && !unknown ? 'validated' : 'pending',
        orderStatus: orderStatuses[i % orderStatuses.length]!,
      });
    }
    const ids = await insertSales(db, specs);
    const asOf = daysAfter(T0, 14);
    const candidates: ValidationCandidate[] = specs.map((s, i) => ({
      id: ids[i]!,
      status: s.status ?? 'pending',
      orderStatus: s.orderStatus ?? 'paid',
      influencerId: s.influencerId ?? null,
      currency: s.currency ?? null,
      commissionMinor: s.commissionMinor ?? null,
      orderedAt: s.orderedAt,
      holdDays: s.holdDays,
    }));
    const plan = planValidation(candidates, asOf);
    expect(plan.validate.length).toBeGreaterThan(5);
    const expected = {
      validated: plan.validate.length,
      cancelled: plan.cancel.length,
      skipped: plan.skipped.length,
      credited: plan.credited.map((c) => ({ currency: c.currency, amount: formatMajor(c.amountMinor, c.currency) })),
    };

    expect(await validate(db, { asOf, dryRun: true })).toEqual({ ...expected, dry_run: true });
    expect(await validate(db, { asOf, batchSize: 3 })).toEqual({ ...expected, dry_run: false });

    const rows = await db.selectFrom('sales').select(['id', 'status']).where('id', 'in', ids).execute();
    const status = new Map(rows.map((r) => [r.id, r.status]));
    for (const v of plan.validate) expect(status.get(v.saleId)).toBe('validated');
    for (const c of plan.cancel) expect(status.get(c.saleId)).toBe('cancelled');
    for (const s of plan.skipped) expect(status.get(s.saleId)).toBe('pending');
    const credits = await db
      .selectFrom('ledger_entries')
      .select(['sale_id', 'amount_minor', 'currency'])
      .where('sale_id', 'in', ids)
      .execute();
    const due = plan.validate.filter((v) => v.commissionMinor > 0n);
    expect(credits.map((c) => [c.sale_id, c.amount_minor, c.currency]).sort()).toEqual(
      due.map((v) => [v.saleId, v.commissionMinor, v.currency]).sort(),
    );
  });

  it('holds until the exact instant the hold ends, counted in 24-hour days', async () => {
    const db = t().db;
    const merchantId = await insertMerchant(db, { holdDays: 14 });
    const influencerId = await insertInfluencer(db);
    // Europe's clocks moved on 2024-03-31: the hold is still 14 × 24 h.
    const orderedAt = new Date('2024-03-25T12:00:00.000Z');
    await insertSale(db, { merchantId, influencerId, orderedAt, baseMinor: 12550n });
    expect(await validate(db, { asOf: daysAfter(orderedAt, 13) })).toMatchObject({ validated: 0, credited: [] });
    expect(await validate(db, { asOf: daysAfter(orderedAt, 14, -1) })).toMatchObject({ validated: 0, credited: [] });
    expect(await validate(db, { asOf: new Date('2024-04-08T12:00:00.000Z') })).toEqual({
      validated: 1,
      cancelled: 0,
      skipped: 0,
      credited: [{ currency: 'EUR', amount: '18.83' }],
      dry_run: false,
    });
  });

  it('is idempotent, notifies each influencer once per run, and a dry run writes nothing', async () => {
    const db = t().db;
    const merchantId = await insertMerchant(db);
    const [a, b] = [await insertInfluencer(db), await insertInfluencer(db)];
    await insertSales(db, [
      { merchantId, influencerId: a, orderedAt: T0, baseMinor: 10000n },
      { merchantId, influencerId: a, orderedAt: T0, baseMinor: 20000n },
      { merchantId, influencerId: a, orderedAt: T0, currency: 'USD', baseMinor: 5000n },
      { merchantId, influencerId: b, orderedAt: T0, baseMinor: 10000n, commissionMinor: 0n },
    ]);
    const counts = async () => ({
      ledger: Number(
        (
          await db
            .selectFrom('ledger_entries')
            .select((e) => e.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      notes: Number(
        (
          await db
            .selectFrom('notifications')
            .select((e) => e.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      pending: Number(
        (
          await db
            .selectFrom('sales')
            .select((e) => e.fn.countAll().as('n'))
            .where('status', '=', 'pending')
            .executeTakeFirstOrThrow()
        ).n,
      ),
    });
    const before = await counts();
    const asOf = daysAfter(T0, 20);
    const preview = await validate(db, { asOf, dryRun: true });
    expect(await counts()).toEqual(before);

    const first = await validate(db, { asOf });
    expect(first).toEqual({ ...preview, dry_run: false });
    expect(first).toMatchObject({
      validated: 4,
      credited: [
        { currency: 'EUR', amount: '45.00' },
        { currency: 'USD', amount: '7.50' },
      ],
    });
    expect(await counts()).toEqual({ ledger: before.ledger + 3, notes: before.notes + 2, pending: 0 });

    const notes = await db
      .selectFrom('notifications')
      .selectAll()
      .where('event', '=', 'sale.validated')
      .where('influencer_id', 'in', [a, b])
      .execute();
    const forA = notes.find((n) => n.influencer_id === a)?.payload as Record<string, unknown>;
    expect(forA).toMatchObject({
      influencer_id: a,
      sales: 3,
      credited: [
        { currency: 'EUR', amount: '45.00', sales: 2 },
        { currency: 'USD', amount: '7.50', sales: 1 },
      ],
      available: [
        { currency: 'EUR', amount: '45.00' },
        { currency: 'USD', amount: '7.50' },
      ],
    });
    expect(notes.find((n) => n.influencer_id === b)?.payload).toMatchObject({
      sales: 1,
      credited: [{ currency: 'EUR', amount: '0.00', sales: 1 }],
      available: [],
    });

    expect(await validate(db, { asOf })).toEqual({
      validated: 0,
      cancelled: 0,
      skipped: 0,
      credited: [],
      dry_run: false,
    });
    expect(await counts()).toEqual({ ledger: before.ledger + 3, notes: before.notes + 2, pending: 0 });
  });

  it('never credits a sale twice, even one that somehow already has its credit', async () => {
    const db = t().db;
    const merchantId = await insertMerchant(db);
    const influencerId = await insertInfluencer(db);
    const saleId = await insertSale(db, { merchantId, influencerId, orderedAt: T0, baseMinor: 10000n });
    await db
      .insertInto('ledger_entries')
      .values({ influencer_id: influencerId, currency: 'EUR', amount_minor: 1500n, kind: 'credit', sale_id: saleId })
      .execute();
    const asOf = daysAfter(T0, 14);
    expect(await validate(db, { asOf, dryRun: true })).toMatchObject({ validated: 1, credited: [] });
    expect(await validate(db, { asOf })).toMatchObject({ validated: 1, credited: [] });
    expect(await db.selectFrom('ledger_entries').select('id').where('sale_id', '=', saleId).execute()).toHaveLength(1);
  });

  it.runIf(backend === 'postgres')(
    'two concurrent runs on separate connections credit each sale exactly once',
    async () => {
      const db = t().db;
      const merchantId = await insertMerchant(db);
      const influencerId = await insertInfluencer(db);
      const ids = await insertSales(
        db,
        Array.from({ length: 400 }, (_, i) => ({ merchantId, influencerId, orderedAt: daysAfter(T0, 0, i) })),
      );
      const [s1, s2] = [await openPostgres(t().url!, 2), await openPostgres(t().url!, 2)];
      try {
        const asOf = daysAfter(T0, 15);
        const [r1, r2] = await Promise.all([
          validate(s1.db, { asOf, batchSize: 50 }),
          validate(s2.db, { asOf, batchSize: 50 }),
        ]);
        expect(r1.validated + r2.validated).toBe(400);
        expect([r1.validated, r2.validated]).toContain(0);
      } finally {
        await Promise.all([s1.close(), s2.close()]);
      }
      const credits = await db.selectFrom('ledger_entries').select('sale_id').where('sale_id', 'in', ids).execute();
      expect(new Set(credits.map((c) => c.sale_id)).size).toBe(400);
      expect(credits).toHaveLength(400);
    },
  );
});
