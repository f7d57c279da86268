import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { TracknowError } from '../../src/errors.js';
import {
  buildPayoutCsv,
  csvLine,
  neutralizeCell,
  type PayoutCsvRow,
} from '../../src/services/payouts/payment-files/payout-csv.js';
import {
  buildPain001,
  sepaId,
  sepaText,
  type Pain001Input,
  type SepaTransfer,
} from '../../src/services/payouts/payment-files/sepa-pain001.js';
import { fixtureUrl } from '../helpers/fixtures.js';

const XSD_URL = fixtureUrl('schemas/pain.001.001.03.xsd');
let xsd: string | undefined;

async function validatePain(xml: string) {
  xsd ??= await readFile(XSD_URL, 'utf8');
  return validateXML({
    xml: { fileName: 'pain.xml', contents: xml },
    schema: { fileName: 'pain.001.001.03.xsd', contents: xsd },
  });
}

const parseCsv = (text: string): string[][] => parse(text, { relaxQuotes: false, record_delimiter: '\r\n' });

const csvRow = (over: Partial<PayoutCsvRow> = {}): PayoutCsvRow => ({
  payoutId: '0b3c5d2e-8f1a-4c6b-9d7e-1a2b3c4d5e6f',
  influencerId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  name: 'Mia Glow',
  email: 'mia@example.com',
  paypalEmail: null,
  iban: 'DE89370400440532013000',
  bic: 'COBADEFFXXX',
  currency: 'EUR',
  amountMinor: 1883n,
  method: 'sepa',
  ...over,
});

describe('payout CSV', () => {
  it('writes a header and exact major-unit amounts for EUR, JPY and KWD', () => {
    const csv = buildPayoutCsv([
      csvRow(),
      csvRow({ currency: 'JPY', amountMinor: 1250n, method: 'paypal' }),
      csvRow({ currency: 'KWD', amountMinor: 1250n, method: 'bank' }),
    ]);
    expect(csv.endsWith('\r\n')).toBe(true);
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual([
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
    expect(rows.map((r) => [r[6], r[7]])).toEqual([
      ['EUR', '18.83'],
      ['JPY', '1250'],
      ['KWD', '1.250'],
    ]);
    expect(rows[0]![9]).toBe('0b3c5d2e-8f1a-4c6b-9d7e-1a2b3c4d5e6f');
    expect(rows[1]![3]).toBe('');
  });

  it('neutralises formula cells (CSV injection)', () => {
    for (const evil of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      expect(neutralizeCell(evil)).toBe(`'${evil}`);
    }
    expect(neutralizeCell('Mia = great')).toBe('Mia = great');
    const [, row] = parseCsv(buildPayoutCsv([csvRow({ name: '=cmd|" /C calc"!A0', email: '@evil' })]));
    expect(row![1]).toBe(`'=cmd|" /C calc"!A0`);
    expect(row![2]).toBe("'@evil");
  });

  it('quotes accents, emoji, quotes, commas and newlines per RFC 4180', () => {
    const name = 'Zoë "Z" Ørsted, 🎉\r\nline two';
    expect(csvLine([name])).toBe('"Zoë ""Z"" Ørsted, 🎉\r\nline two"');
    const [, row] = parseCsv(buildPayoutCsv([csvRow({ name })]));
    expect(row![1]).toBe(name);
  });

  it('round-trips any cell text through a standard parser (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (table) => {
          const width = table[0]!.length;
          const rows = table.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ''));
          const text = rows.map((r) => `${csvLine(r)}\r\n`).join('');
          expect(parseCsv(text)).toEqual(rows.map((r) => r.map(neutralizeCell)));
        },
      ),
    );
  });
});

describe('sepaText', () => {
  it('keeps the SEPA Latin set and transliterates or replaces the rest', () => {
    expect(sepaText('Zoë Ørsted-Müller & Søn', 70)).toBe('Zoe Orsted-Muller + Son');
    expect(sepaText('Straße "Łódź" 🎉\nfin', 70)).toBe("Strasse 'Lodz' fin");
    expect(sepaText('王小明', 70)).toBe('NOTPROVIDED');
    expect(sepaText('a'.repeat(80), 70)).toHaveLength(70);
    expect(sepaText(`${'a'.repeat(69)} b`, 70)).toBe('a'.repeat(69));
  });

  it('makes identifiers of at most 35 characters', () => {
    expect(sepaId('0b3c5d2e-8f1a-4c6b-9d7e-1a2b3c4d5e6f')).toBe('0b3c5d2e8f1a4c6b9d7e1a2b3c4d5e6f');
    expect(sepaId('/batch//7 ok/')).toBe('batch/7-ok');
    expect(() => sepaId('🎉')).toThrow(TracknowError);
  });
});

const transfer = (over: Partial<SepaTransfer> = {}): SepaTransfer => ({
  endToEndId: 'TN0B3C5D2E8F1A4C6B9D7E1A2B3C4D5E6F',
  amountMinor: 5000n,
  creditorName: 'Mia Glow',
  creditorIban: 'DE89370400440532013000',
  creditorBic: 'COBADEFFXXX',
  remittance: 'tracknow commission 2024-03-15',
  ...over,
});

const input = (over: Partial<Pain001Input> = {}): Pain001Input => ({
  messageId: '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
  createdAt: new Date('2024-03-15T09:00:00.123Z'),
  debtor: { name: 'Tracknow GmbH', iban: 'DE02120300000000202051', bic: 'BYLADEM1001' },
  transfers: [transfer()],
  ...over,
});

describe('pain.001.001.03', () => {
  it('validates against the official XSD and carries the totals', async () => {
    const xml = buildPain001(
      input({ transfers: [transfer(), transfer({ endToEndId: 'TN2', amountMinor: 1n, creditorBic: null })] }),
    );
    const result = await validatePain(xml);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(xml).toContain('<NbOfTxs>2</NbOfTxs>');
    expect(xml).toContain('<CtrlSum>50.01</CtrlSum>');
    expect(xml).toContain('<InstdAmt Ccy="EUR">0.01</InstdAmt>');
    expect(xml).toContain('<CreDtTm>2024-03-15T09:00:00Z</CreDtTm>');
    expect(xml).toContain('<ReqdExctnDt>2024-03-15</ReqdExctnDt>');
    expect(xml).toContain('<EndToEndId>TN0B3C5D2E8F1A4C6B9D7E1A2B3C4D5E6F</EndToEndId>');
    expect(xml.match(/<CdtrAgt>/g)).toHaveLength(1);
  });

  it('stays valid with hostile names, long text and no debtor BIC', async () => {
    const xml = buildPain001(
      input({
        debtor: { name: 'Tracknow — Ünïcödé & Co. 🎉', iban: 'DE02 1203 0000 0000 2020 51' },
        transfers: [
          transfer({ creditorName: `Zoë "<Z>" O'Brien\n${'x'.repeat(100)}`, remittance: `${'é'.repeat(200)}` }),
          transfer({ endToEndId: 'TN3', creditorName: '🎉🎉', creditorBic: 'not a bic', remittance: '王' }),
        ],
      }),
    );
    const result = await validatePain(xml);
    expect(result.errors).toEqual([]);
    expect(xml).toContain('<Id>NOTPROVIDED</Id>');
    expect(xml).toContain("<Nm>Zoe ' Z ' O'Brien xxx");
    expect(xml).not.toMatch(/[^\x09\x0a\x0d\x20-\x7e]/);
  });

  it('is checked by a validator that does reject a broken document', async () => {
    const xml = buildPain001(input()).replace(/<Cdtr>\s*<Nm>[^<]*<\/Nm>/, `<Cdtr><Nm>${'x'.repeat(141)}</Nm>`);
    expect((await validatePain(xml)).valid).toBe(false);
  });

  it('fails clearly without a debtor, naming the environment variables', () => {
    const err = (() => {
      try {
        buildPain001(input({ debtor: { bic: 'BYLADEM1001' } }));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TracknowError);
    expect((err as TracknowError).code).toBe('invalid');
    expect((err as TracknowError).message).toMatch(/TRACKNOW_SEPA_DEBTOR_NAME and TRACKNOW_SEPA_DEBTOR_IBAN/);
    expect(() => buildPain001(input({ debtor: { name: 'X', iban: 'DE00123' } }))).toThrow(/TRACKNOW_SEPA_DEBTOR_IBAN/);
    expect(() => buildPain001(input({ debtor: { name: 'X', iban: 'DE02120300000000202051', bic: 'BAD' } }))).toThrow(
      /TRACKNOW_SEPA_DEBTOR_BIC/,
    );
  });

  it('refuses what a SEPA file cannot carry', () => {
    expect(() => buildPain001(input({ transfers: [] }))).toThrow(TracknowError);
    expect(() => buildPain001(input({ transfers: [transfer({ amountMinor: 0n })] }))).toThrow(/positive/);
    expect(() => buildPain001(input({ transfers: [transfer({ creditorIban: 'SA0380000000608010167519' })] }))).toThrow(
      /SEPA IBAN/,
    );
  });
});
