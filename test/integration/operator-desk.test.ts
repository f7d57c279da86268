import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/domain/order-event.js';
import { balances } from '../../src/services/payouts/balance.js';
import { addCode, disableCode } from '../../src/services/records/codes.js';
import { linkCreator } from '../../src/services/records/creators.js';
import { addInfluencer, setInfluencer } from '../../src/services/records/influencers.js';
import { ingestBatch, type IngestItem } from '../../src/services/ingest/ingest.js';
import { listMinimums, setMinimum, unsetMinimum } from '../../src/services/payouts/payout-minimums.js';
import { getPayout, listPayouts, payoutView, returnPayout } from '../../src/services/payouts/payout-records.js';
import { payout, payoutJson, type PayoutOptions } from '../../src/services/payouts/payout.js';
import { validate } from '../../src/services/payouts/validate.js';
import { describeBackends } from '../helpers/db.js';
import { daysAfter, insertMerchant, insertSales } from '../helpers/sales-builder.js';

const DEBTOR = { name: 'Tracknow GmbH', iban: 'DE02120300000000202051', bic: 'BYLADEM1001' };
const T0 = new Date('2026-03-02T10:00:00.000Z');
const SEPA_IBAN = 'DE89370400440532013000';

let seq = 0;
/** One paid order event carrying the given hints, as an ingest item. */
function order(merchantId: string, hints: OrderEvent['hints'], cents = 10_000n): IngestItem {
  const orderId = `desk-${++seq}`;
  const event: OrderEvent = {
    platform: 'shopify',
    merchantId,
    externalOrderId: orderId,
    eventTime: T0,
    status: 'paid',
    platformStatus: 'paid',
    base: { minor: cents, currency: 'EUR' },
    hints,
    dedupeKey: `k-${orderId}`,
  };
  return {
    inbox: {
      platform: 'shopify',
      merchantId,
      dedupeKey: event.dedupeKey,
      source: 'test',
      eventType: 'orders/create',
      orderId,
      headers: {},
      body: '{}',
    },
    events: [event],
  };
}

describeBackends("the operator's desk", (t) => {
  let out: string;
  let eur: string;
  const options = (over: Partial<PayoutOptions> = {}): PayoutOptions => ({
    asOf: daysAfter(T0, 15),
    outDir: out,
    sepaDebtor: DEBTOR,
    ...over,
  });
  const available = async (influencerId: string) =>
    (await balances(t().db, { influencerId })).map((b) => [b.currency, b.available, b.paid]);

  beforeAll(async () => {
    out = join(await mkdtemp(join(tmpdir(), 'tracknow-desk-')), 'payouts');
    eur = await insertMerchant(t().db, { currency: 'EUR', holdDays: 14 });
  });
  afterAll(async () => {
    await rm(join(out, '..'), { recursive: true, force: true });
  });

  it('an inactive influencer and a disabled code attribute nothing from then on; earned sales stay', async () => {
    const db = t().db;
    const ana = await addInfluencer(db, { name: 'Ana' });
    const bo = await addInfluencer(db, { name: 'Bo' });
    await addCode(db, { influencerId: ana.id, code: 'ANA10' });
    await addCode(db, { influencerId: bo.id, code: 'BO10' });
    await linkCreator(db, { influencerId: ana.id, creatorId: 'ana-creator', username: 'ana' });
    const before = await ingestBatch(db, [order(eur, [{ method: 'promo_code', value: 'ANA10' }])]);
    expect(before[0]?.sale?.influencerId).toBe(ana.id);

    await setInfluencer(db, ana.id, { active: false });
    await disableCode(db, 'bo10');
    const after = await ingestBatch(db, [
      order(eur, [{ method: 'promo_code', value: 'ANA10' }]),
      order(eur, [{ method: 'creator_id', value: 'ana-creator' }]),
      order(eur, [{ method: 'utm_source', value: 'BO10' }]),
    ]);
    expect(after.map((o) => o.sale?.influencerId ?? null)).toEqual([null, null, null]);
    const kept = await db
      .selectFrom('sales')
      .select('influencer_id')
      .where('external_order_id', '=', `desk-${seq - 3}`)
      .executeTakeFirstOrThrow();
    expect(kept.influencer_id).toBe(ana.id);

    await setInfluencer(db, ana.id, { active: true });
    const again = await ingestBatch(db, [order(eur, [{ method: 'promo_code', value: 'ANA10' }])]);
    expect(again[0]?.sale?.influencerId).toBe(ana.id);
    await expect(disableCode(db, 'NOPE99')).rejects.toMatchObject({ code: 'not_found' });
    await expect(disableCode(db, 'a b')).rejects.toMatchObject({ code: 'usage' });
  });

  it('a corrected IBAN makes the next payout go by SEPA; bad values are usage errors', async () => {
    const db = t().db;
    const cy = await addInfluencer(db, { name: 'Cy', iban: 'SA0380000000608010167519', paypalEmail: 'cy@example.com' });
    await insertSales(db, [{ merchantId: eur, influencerId: cy.id, orderedAt: T0, baseMinor: 40_000n }]);
    await validate(db, { asOf: daysAfter(T0, 14) });
    const dry = payoutJson(await payout(db, options({ dryRun: true })));
    expect(dry.payouts.find((p) => p.influencer_id === cy.id)?.method).toBe('paypal');

    await expect(setInfluencer(db, cy.id, { iban: 'DE00 0000' })).rejects.toMatchObject({ code: 'usage' });
    await expect(setInfluencer(db, cy.id, { iban: SEPA_IBAN, clearIban: true })).rejects.toMatchObject({
      code: 'usage',
    });
    const updated = await setInfluencer(db, cy.id, {
      iban: 'de89 3704 0044 0532 0130 00',
      bic: 'cobadeffxxx',
      clearPaypalEmail: true,
    });
    expect([updated.iban, updated.bic, updated.paypal_email, updated.name]).toEqual([
      SEPA_IBAN,
      'COBADEFFXXX',
      null,
      'Cy',
    ]);
    const run = payoutJson(await payout(db, options()));
    expect(run.payouts.filter((p) => p.influencer_id === cy.id)).toEqual([
      expect.objectContaining({ currency: 'EUR', amount: '60.00', method: 'sepa' }),
    ]);
    const sepa = run.files.find((f) => f.endsWith('.sepa.xml'));
    expect(await readFile(sepa as string, 'utf8')).toContain(`<IBAN>${SEPA_IBAN}</IBAN>`);
  });

  it('a returned payout puts exactly its amount back, once, even when two returns race', async () => {
    const db = t().db;
    const [paid] = await listPayouts(db, { status: 'paid' });
    const p = paid!;
    const influencer = p.influencer_id;
    expect(await available(influencer)).toEqual([['EUR', '0.00', '60.00']]);
    const ledgerBefore = await db
      .selectFrom('ledger_entries')
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();

    const results = await Promise.allSettled([
      returnPayout(db, { id: p.id, reason: 'account closed' }),
      returnPayout(db, { id: p.id, reason: 'account closed' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ code: 'conflict' });
    await expect(returnPayout(db, { id: p.id, reason: 'again' })).rejects.toMatchObject({ code: 'conflict' });

    const entries = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .where('payout_id', '=', p.id)
      .orderBy('id')
      .execute();
    expect(entries.map((e) => [e.kind, e.amount_minor])).toEqual([
      ['payout', -6000n],
      ['return', 6000n],
    ]);
    const ledgerAfter = await db
      .selectFrom('ledger_entries')
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(ledgerAfter.n) - Number(ledgerBefore.n)).toBe(1);
    expect(await available(influencer)).toEqual([['EUR', '60.00', '0.00']]);

    const view = payoutView(await getPayout(db, p.id));
    expect(view).toMatchObject({
      id: p.id,
      status: 'returned',
      reason: 'account closed',
      amount: '60.00',
      currency: 'EUR',
      method: 'sepa',
    });
    expect(view.returned_at).toBeInstanceOf(Date);
    expect((await listPayouts(db, { status: 'returned' })).map((x) => x.id)).toEqual([p.id]);
    expect((await listPayouts(db, { influencerId: influencer })).map((x) => x.status)).toEqual(['returned']);
    const note = await db
      .selectFrom('notifications')
      .selectAll()
      .where('event', '=', 'payout.returned')
      .where('subject_id', '=', p.id)
      .execute();
    expect(note.map((n) => n.payload)).toEqual([
      expect.objectContaining({ amount: '60.00', currency: 'EUR', reason: 'account closed' }),
    ]);

    await expect(returnPayout(db, { id: p.id, reason: ' ' })).rejects.toMatchObject({ code: 'usage' });
    await expect(listPayouts(db, { status: 'lost' })).rejects.toMatchObject({ code: 'usage' });
    await expect(getPayout(db, 'nope')).rejects.toMatchObject({ code: 'not_found' });

    // The returned amount goes out again with the next run.
    const rerun = payoutJson(await payout(db, options()));
    expect(rerun.payouts.filter((x) => x.influencer_id === influencer).map((x) => x.amount)).toEqual(['60.00']);
    expect(await available(influencer)).toEqual([['EUR', '0.00', '60.00']]);
  });

  it('JPY 126 is skipped by default (naming --min-currency) and paid with --min-currency JPY=100, in a PayPal batch file', async () => {
    const db = t().db;
    const jpy = await insertMerchant(db, { currency: 'JPY', holdDays: 14 });
    const yui = await addInfluencer(db, { name: 'Yui, "Tokyo"', paypalEmail: 'yui@example.jp' });
    await insertSales(db, [
      { merchantId: jpy, influencerId: yui.id, orderedAt: T0, currency: 'JPY', baseMinor: 840n, commissionMinor: 126n },
    ]);
    await validate(db, { asOf: daysAfter(T0, 14) });

    const skipped = payoutJson(await payout(db, options()));
    expect(skipped.payouts.filter((p) => p.influencer_id === yui.id)).toEqual([]);
    expect(skipped.skipped).toContainEqual({
      influencer_id: yui.id,
      currency: 'JPY',
      amount: '126',
      reason: expect.stringContaining('--min-currency JPY=AMOUNT'),
    });
    await expect(payout(db, options({ minByCurrency: { JPY: '0.5' } }))).rejects.toMatchObject({ code: 'usage' });
    await expect(payout(db, options({ minByCurrency: { XXQ: '5' } }))).rejects.toMatchObject({ code: 'usage' });

    const run = payoutJson(await payout(db, options({ minByCurrency: { JPY: '100' } })));
    const paid = run.payouts.filter((p) => p.influencer_id === yui.id);
    expect(paid).toEqual([expect.objectContaining({ currency: 'JPY', amount: '126', method: 'paypal' })]);
    const file = run.files.find((f) => f.endsWith('.paypal-JPY.csv'));
    expect(file).toBeDefined();
    const text = await readFile(file as string, 'utf8');
    const rows = parse(text, { relax_column_count: false }) as string[][];
    const reference = `TN${paid[0]!.id!.replace(/-/g, '').toUpperCase()}`;
    expect(rows).toEqual([
      ['yui@example.jp', '126', 'JPY', reference.slice(0, 30), `Commission payout ${reference}`, 'PAYPAL'],
    ]);
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('stored minimums apply without flags, and flags win over them', async () => {
    const db = t().db;
    const kwd = await insertMerchant(db, { currency: 'KWD', holdDays: 14 });
    const kay = await addInfluencer(db, { name: 'Kay', paypalEmail: 'kay@example.com' });
    await insertSales(db, [
      {
        merchantId: kwd,
        influencerId: kay.id,
        orderedAt: T0,
        currency: 'KWD',
        baseMinor: 100_000n,
        commissionMinor: 15_000n,
      },
    ]);
    await validate(db, { asOf: daysAfter(T0, 14) });
    await expect(setMinimum(db, 'KWD', '-1')).rejects.toMatchObject({ code: 'usage' });
    await expect(setMinimum(db, 'KWD', '1.2345')).rejects.toMatchObject({ code: 'usage' });
    expect(await setMinimum(db, 'kwd', '20')).toEqual({ currency: 'KWD', amount: '20.000' });
    expect((await listMinimums(db)).find((m) => m.currency === 'KWD')).toEqual({
      currency: 'KWD',
      amount: '20.000',
      source: 'stored',
    });
    expect(payoutJson(await payout(db, options({ dryRun: true }))).payouts.filter((p) => p.currency === 'KWD')).toEqual(
      [],
    );
    expect(
      payoutJson(await payout(db, options({ dryRun: true, minByCurrency: { KWD: '10' } }))).payouts.filter(
        (p) => p.currency === 'KWD',
      ),
    ).toHaveLength(1);
    await setMinimum(db, 'KWD', '15');
    expect(
      payoutJson(await payout(db, options({ dryRun: true })))
        .payouts.filter((p) => p.currency === 'KWD')
        .map((p) => p.amount),
    ).toEqual(['15.000']);
    await unsetMinimum(db, 'KWD');
    await expect(unsetMinimum(db, 'KWD')).rejects.toMatchObject({ code: 'not_found' });
    expect(payoutJson(await payout(db, options({ dryRun: true }))).skipped.map((s) => s.currency)).toContain('KWD');
    expect((await readdir(out)).some((f) => f.endsWith('.partial'))).toBe(false);
  });
});
