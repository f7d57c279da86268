import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { formatMajor, parseMajor } from '../../src/domain/money.js';
import { isoWeekKey } from '../../src/domain/report.js';
import { buildReport } from '../../src/services/report/report.js';
import { listSales } from '../../src/services/records/sales.js';
import { describeBackends } from '../helpers/db.js';
import { insertReportSales, NOVEMBER, seedReportWorld } from '../helpers/report-world.js';
import { insertInfluencer, insertMerchant } from '../helpers/sales-builder.js';

const row = (
  key: string | null,
  currency: string | null,
  clicks: number,
  orders: number,
  conversion: number | null,
  sales: string,
  commission: string,
  refunded: string,
  label: string | null = null,
) => ({
  key,
  currency,
  clicks,
  orders,
  conversion,
  sales,
  commission,
  refunded,
  label,
});

describeBackends('report', (t) => {
  let world: Awaited<ReturnType<typeof seedReportWorld>>;
  const report = async (by: string, extra: { merchantId?: string; from?: Date; to?: Date } = NOVEMBER) =>
    buildReport(t().db, { by, ...extra });

  it('reports November by influencer: clicks per key on each currency row, refunds and cancellations, an unknown amount in the merchant currency', async () => {
    world = await seedReportWorld(t().db);
    const r = await report('influencer');
    expect({ ...r, rows: undefined }).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      by: 'influencer',
      merchant_id: null,
      rows: undefined,
    });
    expect(r.rows).toEqual([
      row(world.ann, 'EUR', 6, 3, 0.5, '230.00', '21.00', '90.00', 'Ann Lee'),
      row(world.bob, 'EUR', 5, 1, 0.6, '40.00', '0.00', '40.00', 'Bob <b>Ray</b>'),
      row(world.bob, 'USD', 5, 2, 0.6, '200.00', '30.00', '0.00', 'Bob <b>Ray</b>'),
    ]);
  });

  it('groups by code, merchant and platform, with clicks that have no such key under a null key', async () => {
    expect((await report('code')).rows).toEqual([
      row('ANN10', 'EUR', 6, 3, 0.5, '230.00', '21.00', '90.00'),
      row(null, 'EUR', 0, 1, null, '40.00', '0.00', '40.00'),
      row('BOB', 'USD', 5, 2, 0.4, '200.00', '30.00', '0.00'),
    ]);
    expect((await report('merchant')).rows).toEqual([
      row(world.eur, 'EUR', 6, 4, 0.6667, '270.00', '21.00', '130.00', 'Glow EU'),
      row(world.usd, 'USD', 0, 2, null, '200.00', '30.00', '0.00', 'Glow US'),
      row(null, null, 5, 0, null, '0', '0', '0'),
    ]);
    expect((await report('platform')).rows).toEqual([
      row('shopify', 'EUR', 0, 2, null, '180.00', '15.00', '80.00'),
      row('tiktok', 'EUR', 0, 2, null, '90.00', '6.00', '50.00'),
      row('woocommerce', 'USD', 0, 1, null, '200.00', '30.00', '0.00'),
      row('shopify', 'USD', 0, 1, null, '0.00', '0.00', '0.00'),
      row(null, null, 11, 0, null, '0', '0', '0'),
    ]);
  });

  it('groups by UTC day, ISO week and month, in time order', async () => {
    expect((await report('day')).rows).toEqual([
      row('2026-11-02', 'EUR', 4, 2, 0.5, '150.00', '21.00', '10.00'),
      row('2026-11-03', 'EUR', 5, 1, 0.4, '40.00', '0.00', '40.00'),
      row('2026-11-03', 'USD', 5, 1, 0.4, '200.00', '30.00', '0.00'),
      row('2026-11-04', 'USD', 0, 1, null, '0.00', '0.00', '0.00'),
      row('2026-11-10', 'EUR', 2, 1, 0.5, '80.00', '0.00', '80.00'),
    ]);
    expect((await report('week')).rows.map((x) => [x.key, x.currency, x.orders, x.clicks])).toEqual([
      ['2026-W45', 'EUR', 3, 9],
      ['2026-W45', 'USD', 2, 9],
      ['2026-W46', 'EUR', 1, 2],
    ]);
    const all = await buildReport(t().db, { by: 'month' });
    expect(all.rows.map((x) => [x.key, x.currency, x.orders, x.clicks, x.sales])).toEqual([
      ['2026-10', 'EUR', 1, 7, '70.00'],
      ['2026-11', 'EUR', 4, 11, '270.00'],
      ['2026-11', 'USD', 2, 11, '200.00'],
    ]);
    expect({ from: all.from, to: all.to }).toEqual({ from: null, to: null });
  });

  it('limits to one merchant: its sales, and clicks on codes bound to it', async () => {
    const r = await report('influencer', { ...NOVEMBER, merchantId: world.usd });
    expect(r.merchant_id).toBe(world.usd);
    expect(r.rows).toEqual([row(world.bob, 'USD', 0, 2, null, '200.00', '30.00', '0.00', 'Bob <b>Ray</b>')]);
    expect(
      (await report('code', { ...NOVEMBER, merchantId: world.eur })).rows.map((x) => [x.key, x.clicks, x.orders]),
    ).toEqual([
      ['ANN10', 6, 3],
      [null, 0, 1],
    ]);
    // A period with nothing in it, and from = to.
    expect((await report('day', { from: new Date('2027-01-01'), to: new Date('2027-01-01') })).rows).toEqual([]);
  });

  it('rejects bad options as usage errors and an unknown merchant as not found', async () => {
    await expect(report('year')).rejects.toMatchObject({
      code: 'usage',
      message: expect.stringMatching(/day, week, month, influencer, merchant, code, platform/),
    });
    await expect(report('day', { from: NOVEMBER.to, to: NOVEMBER.from })).rejects.toMatchObject({
      code: 'usage',
      field: 'from',
      template: expect.stringMatching(/after \{@to\}/),
    });
    await expect(report('day', { merchantId: "x' or 1=1 --" })).rejects.toMatchObject({ code: 'usage' });
    await expect(report('day', { merchantId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('by influencer matches the sales, whatever their statuses, currencies and days', async () => {
    const db = t().db;
    const merchants = [
      await insertMerchant(db, { currency: 'EUR' }),
      await insertMerchant(db, { currency: 'JPY' }),
      await insertMerchant(db, { currency: 'KWD' }),
    ];
    const currencies = ['EUR', 'JPY', 'KWD'];
    const influencers = [
      await insertInfluencer(db),
      await insertInfluencer(db),
      await insertInfluencer(db),
      await insertInfluencer(db),
    ];
    const statuses = ['pending', 'validated', 'cancelled', 'reversed'] as const;
    let seed = 7;
    // The high bits of the LCG: its low bits cycle too soon to mix statuses with currencies.
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), Math.floor(seed / 65536) % n);
    await insertReportSales(
      db,
      Array.from({ length: 300 }, () => {
        const m = rand(3);
        const base = BigInt(rand(500_000));
        return {
          merchantId: merchants[m]!,
          influencerId: influencers[rand(4)]!,
          orderedAt: new Date(Date.UTC(2025, 0, 1) + rand(365) * 86_400_000 + rand(86_400_000)).toISOString(),
          currency: currencies[m]!,
          base,
          commission: (base * 15n) / 100n,
          status: statuses[rand(4)]!,
          platform: ['shopify', 'tiktok', 'woocommerce'][rand(3)]!,
        };
      }),
    );
    const from = new Date('2025-03-01T00:00:00Z');
    const to = new Date('2025-09-01T00:00:00Z');
    const got = await buildReport(db, { by: 'influencer', from, to });
    const expected = new Map<string, { orders: number; sales: bigint; commission: bigint; refunded: bigint }>();
    for (const inf of influencers) {
      for (const s of await listSales(db, { influencerId: inf })) {
        if (s.ordered_at < from || s.ordered_at >= to) continue;
        const k = `${inf}|${s.currency}`;
        const e = expected.get(k) ?? { orders: 0, sales: 0n, commission: 0n, refunded: 0n };
        const amount = parseMajor(s.amount!, s.currency!);
        e.orders += 1;
        e.sales += amount;
        if (s.status === 'pending' || s.status === 'validated') e.commission += parseMajor(s.commission!, s.currency!);
        else e.refunded += amount;
        expected.set(k, e);
      }
    }
    const mine = got.rows.filter((r) => influencers.includes(r.key!));
    expect(mine).toHaveLength(expected.size);
    for (const r of mine) {
      const e = expected.get(`${r.key}|${r.currency}`)!;
      const c = r.currency!;
      expect(r).toMatchObject({
        orders: e.orders,
        sales: formatMajor(e.sales, c),
        commission: formatMajor(e.commission, c),
        refunded: formatMajor(e.refunded, c),
        clicks: 0,
        conversion: null,
      });
    }
    expect(mine.reduce((n, r) => n + r.orders, 0)).toBeGreaterThan(100);
  });

  it('labels ISO weeks in the database exactly as the charts do', async () => {
    const { rows } = await sql<{ d: string; w: string }>`
      select to_char(d, 'YYYY-MM-DD') as d, to_char(date_trunc('week', d), 'IYYY-"W"IW') as w
      from generate_series('2019-12-20'::timestamp, '2032-01-10'::timestamp, interval '3 days') d`.execute(t().db);
    expect(rows.length).toBeGreaterThan(1400);
    for (const r of rows) expect([r.d, isoWeekKey(new Date(`${r.d}T00:00:00Z`))]).toEqual([r.d, r.w]);
  });
});
