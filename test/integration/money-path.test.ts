import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { balances } from '../../src/services/payouts/balance.js';
import { payout, payoutJson, type PayoutOptions } from '../../src/services/payouts/payout.js';
import { validate } from '../../src/services/payouts/validate.js';
import { openPostgres } from '../../src/store/connect.js';
import { describeBackends } from '../helpers/db.js';
import {
  daysAfter,
  insertInfluencer,
  insertMerchant,
  insertSale,
  insertSales,
  reverseSaleDirectly,
} from '../helpers/sales-builder.js';
import { fixtureUrl } from '../helpers/fixtures.js';

const XSD_URL = fixtureUrl('schemas/pain.001.001.03.xsd');
const DEBTOR = { name: 'Tracknow GmbH', iban: 'DE02120300000000202051', bic: 'BYLADEM1001' };
const T0 = new Date('2024-03-01T10:00:00.000Z');

/** The "done when" sequence, in order: each step builds on the one before. */
describeBackends('money path: validate, pay, claw back', (t, backend) => {
  let out: string;
  let mia: string;
  let paul: string;
  let nobody: string;
  let eur: string;
  let miaSales: string[];
  const options = (over: Partial<PayoutOptions> = {}): PayoutOptions => ({
    asOf: daysAfter(T0, 15),
    outDir: out,
    sepaDebtor: DEBTOR,
    ...over,
  });
  const balanceOf = async (influencerId: string) =>
    (await balances(t().db, { influencerId })).map(({ currency, pending, available, paid }) => ({
      currency,
      pending,
      available,
      paid,
    }));
  const count = async (table: 'payouts' | 'payout_batches' | 'ledger_entries' | 'notifications') =>
    Number(
      (
        await t()
          .db.selectFrom(table)
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const files = async () => (await readdir(out).catch(() => [])).sort();

  beforeAll(async () => {
    out = join(await mkdtemp(join(tmpdir(), 'tracknow-payouts-')), 'payouts');
    const db = t().db;
    eur = await insertMerchant(db, { currency: 'EUR', holdDays: 14 });
    const usd = await insertMerchant(db, { currency: 'USD', holdDays: 14 });
    mia = await insertInfluencer(db, {
      name: 'Mia Glow',
      email: 'mia@example.com',
      iban: 'DE89370400440532013000',
      bic: 'COBADEFFXXX',
    });
    paul = await insertInfluencer(db, { name: 'Paul', paypalEmail: 'paul@example.com' });
    nobody = await insertInfluencer(db, { name: 'No Details' });
    // Mia: 4 × 15.00 EUR; Paul: 2 × 30.00 USD; No Details: 60.00 EUR; one later sale still in its hold.
    miaSales = await insertSales(
      db,
      [1, 2, 3, 4].map(() => ({ merchantId: eur, influencerId: mia, orderedAt: T0, baseMinor: 10000n })),
    );
    await insertSales(db, [
      { merchantId: usd, influencerId: paul, orderedAt: T0, currency: 'USD', baseMinor: 20000n },
      { merchantId: usd, influencerId: paul, orderedAt: T0, currency: 'USD', baseMinor: 20000n },
      { merchantId: eur, influencerId: nobody, orderedAt: T0, baseMinor: 40000n },
      { merchantId: eur, influencerId: mia, orderedAt: daysAfter(T0, 5), baseMinor: 10000n },
      { merchantId: eur, influencerId: mia, orderedAt: T0, baseMinor: 10000n, orderStatus: 'refunded' },
    ]);
  });
  afterAll(async () => {
    await rm(join(out, '..'), { recursive: true, force: true });
  });

  it('1. validates nothing at day 13, and credits at day 14', async () => {
    expect(await validate(t().db, { asOf: daysAfter(T0, 13) })).toMatchObject({ validated: 0, credited: [] });
    expect(await balanceOf(mia)).toEqual([{ currency: 'EUR', pending: '75.00', available: '0.00', paid: '0.00' }]);
    expect(await validate(t().db, { asOf: daysAfter(T0, 14) })).toEqual({
      validated: 7,
      cancelled: 0,
      skipped: 0,
      credited: [
        { currency: 'EUR', amount: '120.00' },
        { currency: 'USD', amount: '60.00' },
      ],
      dry_run: false,
    });
    expect(await balanceOf(mia)).toEqual([{ currency: 'EUR', pending: '15.00', available: '60.00', paid: '0.00' }]);
  });

  it('2. a dry run prints the plan and writes nothing', async () => {
    const before = { payouts: await count('payouts'), ledger: await count('ledger_entries') };
    const run = await payout(t().db, options({ dryRun: true, sepaDebtor: {} }));
    expect(payoutJson(run)).toEqual({
      payouts: [
        { id: null, influencer_id: mia, currency: 'EUR', amount: '60.00', method: 'sepa' },
        { id: null, influencer_id: paul, currency: 'USD', amount: '60.00', method: 'paypal' },
      ].sort((a, b) => a.influencer_id.localeCompare(b.influencer_id)),
      dry_run: true,
      totals: [
        { currency: 'EUR', count: 1, amount: '60.00' },
        { currency: 'USD', count: 1, amount: '60.00' },
      ],
      skipped: [{ influencer_id: nobody, currency: 'EUR', amount: '60.00', reason: 'no IBAN or PayPal email on file' }],
      files: [],
    });
    expect(run.warnings.join()).toMatch(/TRACKNOW_SEPA_DEBTOR_NAME/);
    expect({ payouts: await count('payouts'), ledger: await count('ledger_entries') }).toEqual(before);
    expect(await files()).toEqual([]);
  });

  it('3. without the SEPA debtor configured, fails before writing anything', async () => {
    await expect(payout(t().db, options({ sepaDebtor: { bic: 'BYLADEM1001' } }))).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/TRACKNOW_SEPA_DEBTOR_NAME and TRACKNOW_SEPA_DEBTOR_IBAN/),
    });
    expect(await count('payouts')).toBe(0);
    expect(await count('payout_batches')).toBe(0);
    expect(await files()).toEqual([]);
  });

  it('4. pays, debits the ledger, notifies and writes the CSV and a valid pain.001', async () => {
    const run = await payout(t().db, options({ now: new Date('2024-03-16T09:00:00Z') }));
    const json = payoutJson(run);
    expect(json.payouts.map((p) => [p.influencer_id, p.currency, p.amount, p.method]).sort()).toEqual(
      [
        [mia, 'EUR', '60.00', 'sepa'],
        [paul, 'USD', '60.00', 'paypal'],
      ].sort(),
    );
    expect(json.skipped).toHaveLength(1);
    expect(await balanceOf(mia)).toEqual([{ currency: 'EUR', pending: '15.00', available: '0.00', paid: '60.00' }]);
    expect(await balanceOf(paul)).toEqual([{ currency: 'USD', pending: '0.00', available: '0.00', paid: '60.00' }]);
    const notes = await t().db.selectFrom('notifications').selectAll().where('event', '=', 'payout.created').execute();
    expect(notes.map((n) => n.subject_id).sort()).toEqual(json.payouts.map((p) => p.id).sort());

    const names = await files();
    expect(names).toHaveLength(3);
    const paypal = names.find((n) => n.endsWith('.paypal-USD.csv'));
    expect(await readFile(join(out, paypal!), 'utf8')).toMatch(
      /^paul@example\.com,60\.00,USD,TN[0-9A-F]{28},Commission payout TN[0-9A-F]{32},PAYPAL\r\n$/,
    );
    expect(names.some((n) => n.endsWith('.partial'))).toBe(false);
    expect(json.files.map((f) => f.slice(out.length + 1)).sort()).toEqual(names);
    const csv: string[][] = parse(
      await readFile(
        join(
          out,
          names.find((n) => n.endsWith('.csv') && !n.includes('.paypal-'))!,
        ),
        'utf8',
      ),
      { record_delimiter: '\r\n' },
    );
    expect(csv[0]).toEqual([
      'influencer_id',
      'name',
      'email',
      'paypal_email',
      'iban',
      'bic',
      'currency',
      'amount',
      'method',
      'payout_id',
    ]);
    expect(
      csv
        .slice(1)
        .map((r) => [r[1], r[6], r[7], r[8]])
        .sort(),
    ).toEqual([
      ['Mia Glow', 'EUR', '60.00', 'sepa'],
      ['Paul', 'USD', '60.00', 'paypal'],
    ]);
    const xml = await readFile(
      join(
        out,
        names.find((n) => n.endsWith('.xml'))!,
      ),
      'utf8',
    );
    const result = await validateXML({
      xml: { fileName: 'pain.xml', contents: xml },
      schema: { fileName: 'pain.001.001.03.xsd', contents: await readFile(XSD_URL, 'utf8') },
    });
    expect(result.errors).toEqual([]);
    expect(xml).toContain('<IBAN>DE89370400440532013000</IBAN>');
    expect(xml).toContain('<InstdAmt Ccy="EUR">60.00</InstdAmt>');
    expect(xml).toContain('<NbOfTxs>1</NbOfTxs>');
  });

  it('5. paying again pays nothing and writes no file', async () => {
    const before = await files();
    const run = await payout(t().db, options());
    expect(payoutJson(run).payouts).toEqual([]);
    expect(await files()).toEqual(before);
  });

  it('6. two concurrent payouts pay exactly once', async () => {
    await insertSale(t().db, { merchantId: eur, influencerId: mia, orderedAt: daysAfter(T0, 1), baseMinor: 40000n });
    await validate(t().db, { asOf: daysAfter(T0, 15) });
    const before = await count('payouts');
    // PostgreSQL: two pools, as two cron hosts would; PGlite has one connection, so the runs interleave on it.
    const stores = backend === 'postgres' ? [await openPostgres(t().url!, 2), await openPostgres(t().url!, 2)] : [];
    try {
      const dbs = backend === 'postgres' ? stores.map((s) => s.db) : [t().db, t().db];
      const runs = await Promise.all(dbs.map((db) => payout(db, options())));
      expect(runs.map((r) => r.plan.payouts.length).sort()).toEqual([0, 1]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    expect((await count('payouts')) - before).toBe(1);
    expect(await balanceOf(mia)).toEqual([{ currency: 'EUR', pending: '15.00', available: '0.00', paid: '120.00' }]);
  });

  it('7. a refund after payout leaves a negative balance, netted against the next credits', async () => {
    await reverseSaleDirectly(t().db, miaSales[0]!);
    expect(await balanceOf(mia)).toEqual([{ currency: 'EUR', pending: '15.00', available: '-15.00', paid: '120.00' }]);
    expect(payoutJson(await payout(t().db, options())).payouts).toEqual([]);
    await insertSale(t().db, { merchantId: eur, influencerId: mia, orderedAt: daysAfter(T0, 2), baseMinor: 50000n });
    await validate(t().db, { asOf: daysAfter(T0, 16) });
    expect(await balanceOf(mia)).toEqual([{ currency: 'EUR', pending: '15.00', available: '60.00', paid: '120.00' }]);
    const run = payoutJson(await payout(t().db, options()));
    expect(run.payouts).toEqual([expect.objectContaining({ influencer_id: mia, currency: 'EUR', amount: '60.00' })]);
    expect(await balanceOf(mia)).toEqual([{ currency: 'EUR', pending: '15.00', available: '0.00', paid: '180.00' }]);
  });

  it('8. honours --min and --min-currency, and rejects bad minimums as usage errors', async () => {
    await insertSale(t().db, { merchantId: eur, influencerId: mia, orderedAt: daysAfter(T0, 3), baseMinor: 10000n });
    await validate(t().db, { asOf: daysAfter(T0, 19) });
    expect(await balanceOf(mia)).toEqual([{ currency: 'EUR', pending: '0.00', available: '30.00', paid: '180.00' }]);
    expect(payoutJson(await payout(t().db, options({ dryRun: true }))).payouts).toEqual([]);
    expect(payoutJson(await payout(t().db, options({ dryRun: true, minMajor: '10' }))).payouts).toHaveLength(1);
    expect(
      payoutJson(await payout(t().db, options({ dryRun: true, minByCurrency: { eur: '30' } }))).payouts,
    ).toHaveLength(1);
    expect(
      payoutJson(await payout(t().db, options({ dryRun: true, minByCurrency: { EUR: '30.01' } }))).payouts,
    ).toEqual([]);
    await expect(payout(t().db, options({ dryRun: true, minMajor: 'lots' }))).rejects.toMatchObject({ code: 'usage' });
    await expect(payout(t().db, options({ dryRun: true, minByCurrency: { EUR: '1.234' } }))).rejects.toMatchObject({
      code: 'usage',
    });
    await expect(payout(t().db, options({ dryRun: true, minByCurrency: { ZZZ: '1' } }))).rejects.toMatchObject({
      code: 'usage',
    });
  });
});
