import { expect, it } from 'vitest';
import { balances } from '../../src/services/payouts/balance.js';
import { listSales } from '../../src/services/records/sales.js';
import { describeBackends } from '../helpers/db.js';
import { daysAfter, insertInfluencer, insertMerchant, insertSales } from '../helpers/sales-builder.js';

const T0 = new Date('2024-05-01T08:00:00.000Z');

describeBackends('balance and sales list', (t) => {
  it('lists sales with exact amounts, null when unknown, filtered by merchant, influencer and status', async () => {
    const db = t().db;
    const [m1, m2] = [await insertMerchant(db, { currency: 'JPY' }), await insertMerchant(db, { currency: 'KWD' })];
    const inf = await insertInfluencer(db);
    const [jpy, kwd, unknown, orphan] = await insertSales(db, [
      {
        merchantId: m1,
        influencerId: inf,
        orderedAt: T0,
        currency: 'JPY',
        baseMinor: 12550n,
        commissionMinor: 1883n,
        orderId: 'JP-1',
        platform: 'tiktok',
      },
      {
        merchantId: m2,
        influencerId: inf,
        orderedAt: daysAfter(T0, 1),
        currency: 'KWD',
        baseMinor: 12550n,
        commissionMinor: 1883n,
        status: 'validated',
      },
      { merchantId: m1, influencerId: inf, orderedAt: daysAfter(T0, 2), baseMinor: null },
      {
        merchantId: m1,
        influencerId: null,
        orderedAt: daysAfter(T0, 3),
        currency: 'JPY',
        baseMinor: 500n,
        commissionMinor: 75n,
      },
    ]);
    const mine = await listSales(db, { influencerId: inf });
    expect(mine.map((s) => s.id)).toEqual([unknown, kwd, jpy]);
    expect(mine.find((s) => s.id === jpy)).toMatchObject({
      merchant_id: m1,
      platform: 'tiktok',
      order_id: 'JP-1',
      influencer_id: inf,
      attribution: 'promo_code',
      amount: '12550',
      commission: '1883',
      currency: 'JPY',
      status: 'pending',
    });
    expect(mine.find((s) => s.id === kwd)).toMatchObject({
      amount: '12.550',
      commission: '1.883',
      currency: 'KWD',
      status: 'validated',
    });
    expect(mine.find((s) => s.id === unknown)).toMatchObject({ amount: null, commission: null, currency: null });
    expect((await listSales(db, { merchantId: m1 })).map((s) => s.id)).toEqual([orphan, unknown, jpy]);
    expect((await listSales(db, { merchantId: m1, status: 'PENDING', limit: 1 })).map((s) => s.id)).toEqual([orphan]);
    expect((await listSales(db, { influencerId: inf, status: 'validated' })).map((s) => s.id)).toEqual([kwd]);
    await expect(listSales(db, { status: 'paid' })).rejects.toMatchObject({
      code: 'usage',
      message: expect.stringMatching(/pending, validated, cancelled, reversed/),
    });
    await expect(listSales(db, { merchantId: "1' or '1'='1" })).rejects.toMatchObject({ code: 'usage' });
  });

  it('sums balances from the ledger, pending from pending sales, and rejects unknown influencers', async () => {
    const db = t().db;
    const merchantId = await insertMerchant(db);
    const inf = await insertInfluencer(db);
    const [credited, , , reversed] = await insertSales(db, [
      { merchantId, influencerId: inf, orderedAt: T0, baseMinor: 10000n, status: 'validated' },
      { merchantId, influencerId: inf, orderedAt: T0, baseMinor: 10000n },
      { merchantId, influencerId: inf, orderedAt: T0, baseMinor: 10000n, orderStatus: 'cancelled' },
      { merchantId, influencerId: inf, orderedAt: T0, baseMinor: 20000n, status: 'validated' },
    ]);
    await db
      .insertInto('ledger_entries')
      .values([
        { influencer_id: inf, currency: 'EUR', amount_minor: 1500n, kind: 'credit', sale_id: credited! },
        { influencer_id: inf, currency: 'EUR', amount_minor: 3000n, kind: 'credit', sale_id: reversed! },
        { influencer_id: inf, currency: 'EUR', amount_minor: -3000n, kind: 'reversal', sale_id: reversed! },
      ])
      .execute();
    expect(await balances(db, { influencerId: inf })).toEqual([
      { influencer_id: inf, currency: 'EUR', pending: '15.00', available: '15.00', paid: '0.00' },
    ]);
    expect((await balances(db)).filter((b) => b.influencer_id === inf)).toHaveLength(1);
    await expect(balances(db, { influencerId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(balances(db, { influencerId: 'nope' })).rejects.toMatchObject({ code: 'usage' });
  });
});
