import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TracknowError } from '../../src/errors.js';
import { parseExportDate } from '../../src/platforms/tiktok-shop/export/dates.js';
import { openTikTokExport, readTikTokExport } from '../../src/platforms/tiktok-shop/export/read-export.js';
import type { ExportItem, ReadExportOptions } from '../../src/platforms/tiktok-shop/export/types.js';
import { wallClockZone } from '../../src/platforms/tiktok-shop/export/zone.js';
import { fixtureUrl } from '../helpers/fixtures.js';

const ORDERS_URL = fixtureUrl('tiktok/orders-export-us.csv');
const AFFILIATE_URL = fixtureUrl('tiktok/affiliate-orders-export.csv');
const OPTIONS: ReadExportOptions = { merchantId: 'm-1', currency: 'USD', file: 'export.csv' };

type OrderItem = Extract<ExportItem, { kind: 'order' }>;
type ErrorItem = Extract<ExportItem, { kind: 'error' }>;

async function readAll(input: string | URL | Buffer | Readable, options: Partial<ReadExportOptions> = {}) {
  const source = Buffer.isBuffer(input)
    ? Readable.from([input])
    : typeof input === 'string'
      ? Readable.from([Buffer.from(input)])
      : input;
  const items: ExportItem[] = [];
  for await (const item of readTikTokExport(source, { ...OPTIONS, ...options })) items.push(item);
  const orders = items.filter((i): i is OrderItem => i.kind === 'order');
  const errors = items.filter((i): i is ErrorItem => i.kind === 'error');
  const byId = new Map(orders.map((o) => [o.event.externalOrderId, o]));
  return { items, orders, errors, byId };
}

/** A minimal Seller Center export: the required columns plus the buyer message. */
const HEADER = 'Order ID,Order Status,SKU Subtotal After Discount,Created Time,Buyer Message';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';
const row = (id: string, amount = '10.00', extra = '') => `${id},Shipped,${amount},10/01/2026 9:00:00 AM,${extra}`;

describe('readTikTokExport: Seller Center fixture', () => {
  it('gives the five orders of the fixture', async () => {
    const { orders, errors, byId } = await readAll(ORDERS_URL);
    expect(errors).toEqual([]);
    expect(orders.map((o) => o.event.externalOrderId.slice(-3))).toEqual(['752', '753', '754', '755', '756']);

    const o752 = byId.get('576461413038785752')!;
    expect(o752.event).toMatchObject({
      platform: 'tiktok',
      merchantId: 'm-1',
      status: 'paid',
      platformStatus: 'Delivered',
    });
    expect(o752.event.base).toEqual({ minor: 3990n, currency: 'USD' });
    expect(o752.event.hints).toEqual([{ method: 'track_message', value: 'please gift wrap TRACK:ABC12345 thanks' }]);
    expect(o752.event.orderedAt).toEqual(new Date('2026-10-01T21:07:33Z'));
    expect(o752.event.eventTime).toEqual(new Date('2026-10-04T13:15:00Z'));
    expect(o752.lines).toEqual([3]);

    const o753 = byId.get('576461413038785753')!;
    expect(o753).toMatchObject({ lines: [4, 5, 6], rows: 3 });
    expect(o753.event).toMatchObject({ status: 'paid', hints: [] });
    expect(o753.event.base).toEqual({ minor: 8125n, currency: 'USD' });
    expect(o753.event.total).toEqual({ minor: 8785n, currency: 'USD' });

    const o754 = byId.get('576461413038785754')!;
    expect(o754.event).toMatchObject({ status: 'cancelled', platformStatus: 'Canceled' });
    expect(o754.event.eventTime).toEqual(new Date('2026-10-05T09:02:10Z'));

    const o755 = byId.get('576461413038785755')!;
    expect(o755.event.status).toBe('paid');
    expect(o755.event.base).toEqual({ minor: 119900n, currency: 'USD' });
    expect(o755.event.total).toEqual({ minor: 123456n, currency: 'USD' });
    expect(o755.event.hints).toEqual([
      { method: 'track_message', value: 'Leave at the door,\nbehind the plant. track:zx9q77' },
    ]);
    expect(o755.lines).toEqual([8]);

    const o756 = byId.get('576461413038785756')!;
    expect(o756.event.status).toBe('unpaid');
    expect(o756.lines).toEqual([10]);
  });

  it('reports the layout, date format and zone before any row', async () => {
    const opened = await openTikTokExport(ORDERS_URL, OPTIONS);
    expect(opened.header).toMatchObject({ format: 'orders', dateFormat: 'us', timezone: 'UTC', file: 'export.csv' });
    expect(opened.header.columns[0]).toBe('Order ID');
    opened.close();
  });

  it('gives the same dedupe keys on a re-run, a new one for a changed row', async () => {
    const first = await readAll(ORDERS_URL);
    const again = await readAll(ORDERS_URL);
    const keys = first.orders.map((o) => o.event.dedupeKey);
    expect(keys.every((k) => /^export:[0-9a-f]{64}$/.test(k))).toBe(true);
    expect(new Set(keys).size).toBe(5);
    expect(again.orders.map((o) => o.event.dedupeKey)).toEqual(keys);

    const changed = readFileSync(ORDERS_URL, 'utf8').replace('CREAM-50', 'CREAM-51');
    const after = await readAll(changed);
    expect(
      after.orders.map((o) => o.event.dedupeKey === first.byId.get(o.event.externalOrderId)!.event.dedupeKey),
    ).toEqual([true, false, true, true, true]);
  });

  it('reads a stream cut into tiny chunks like the whole file', async () => {
    const whole = await readAll(ORDERS_URL);
    const bytes = readFileSync(ORDERS_URL);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
    const items: ExportItem[] = [];
    for await (const item of readTikTokExport(Readable.from(chunks), OPTIONS)) items.push(item);
    expect(items).toEqual(whole.items);
  });

  it('hands out batches and progress for bulk writers', async () => {
    const opened = await openTikTokExport(ORDERS_URL, OPTIONS);
    let count = 0;
    for await (const batch of opened.batches) count += batch.length;
    expect(count).toBe(5);
    expect(opened.progress()).toEqual({ records: 9, lines: 10, bytes: 3428 });
  });

  it('reads an LF copy exactly like the CRLF original', async () => {
    const crlf = await readAll(ORDERS_URL);
    const lf = await readAll(readFileSync(ORDERS_URL, 'utf8').replaceAll('\r\n', '\n'));
    expect(lf.items).toEqual(crlf.items);
  });
});

describe('readTikTokExport: Affiliate Center fixture', () => {
  it('credits glowwithmia with the affiliated lines of order 753', async () => {
    const opened = await openTikTokExport(AFFILIATE_URL, OPTIONS);
    expect(opened.header).toMatchObject({ format: 'affiliate', dateFormat: 'day-first' });
    const items: ExportItem[] = [];
    for await (const item of opened.items) items.push(item);
    expect(items).toHaveLength(1);
    const [order] = items as OrderItem[];
    expect(order!.lines).toEqual([2, 3]);
    expect(order!.event).toMatchObject({
      externalOrderId: '576461413038785753',
      status: 'paid',
      platformStatus: 'Pending',
      hints: [{ method: 'creator_username', value: 'glowwithmia' }],
    });
    expect(order!.event.attributedBase).toEqual({ minor: 6250n, currency: 'USD' });
    expect(order!.event.base).toEqual({ minor: 6250n, currency: 'USD' });
    expect(order!.event.orderedAt).toEqual(new Date('2026-10-03T10:00:00Z'));
  });

  it('leaves refunded lines out and credits the first creator of a shared order', async () => {
    const header = 'Order ID,Payment Amount,Order Status,Creator Username,Fully returned or refunded,Time Created';
    const text = [
      header,
      '9,22.00,Pending,@mia,No,03/10/2026 10:00:00',
      '9,40.50,Pending,mia,Yes,03/10/2026 10:00:00',
      '9,5.00,Pending,leo,No,03/10/2026 10:00:00',
    ].join('\n');
    const { orders, errors } = await readAll(text);
    expect(errors).toEqual([]);
    expect(orders[0]!.event.hints).toEqual([
      { method: 'creator_username', value: 'mia' },
      { method: 'creator_username', value: 'leo' },
    ]);
    expect(orders[0]!.event.attributedBase).toEqual({ minor: 2200n, currency: 'USD' });
    expect(orders[0]!.event.base).toEqual({ minor: 2700n, currency: 'USD' });
  });
});

describe('readTikTokExport: bad input', () => {
  it('refuses a file that is not a TikTok export, naming it', async () => {
    const text = 'id,name,price\n1,Mug,9.99\n';
    const err = await openTikTokExport(Readable.from([Buffer.from(text)]), { ...OPTIONS, file: 'shopify.csv' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TracknowError);
    expect((err as TracknowError).code).toBe('invalid');
    expect((err as TracknowError).message).toContain('shopify.csv');
    await expect(readAll(text)).rejects.toMatchObject({ code: 'invalid' });
    await expect(readAll('')).rejects.toMatchObject({ code: 'invalid' });
  });

  it('says which file is missing or unreadable', async () => {
    await expect(openTikTokExport('/nonexistent/orders.csv', { ...OPTIONS, file: 'orders.csv' })).rejects.toMatchObject(
      { code: 'not_found', message: 'orders.csv: no such file' },
    );
    await expect(openTikTokExport(new URL('.', ORDERS_URL), OPTIONS)).rejects.toMatchObject({ code: 'invalid' });
  });

  it('names the required column a TikTok-looking header lacks', async () => {
    await expect(readAll('Order ID,SKU Subtotal After Discount,Order Status\n1,2.00,Shipped\n')).rejects.toThrow(
      /Created Time/,
    );
  });

  it('skips only a prose description row, never a formula in the first row', async () => {
    const { errors } = await readAll(csv("=cmd|' /C calc'!A0,Shipped,1.00,10/01/2026 9:00:00 AM,", row('1')));
    expect(errors.map((e) => e.line)).toEqual([2]);
    const described = await readAll(csv('Unique order number.,Status now.,,,', row('1')));
    expect(described.errors).toEqual([]);
    expect(described.orders[0]!.lines).toEqual([3]);
  });

  it('reports a row without an Order ID and reads on', async () => {
    const { orders, errors } = await readAll(csv(row('1'), row(''), row('2')));
    expect(orders.map((o) => o.event.externalOrderId)).toEqual(['1', '2']);
    expect(errors).toEqual([{ kind: 'error', file: 'export.csv', line: 3, message: '"Order ID" is empty' }]);
  });

  it('reports a row with bytes that are not UTF-8 as a line error, so "\\xff\\xfe" and "\\xfe\\xff" never become one id', async () => {
    const raw = (b: number[]) => Buffer.from(b);
    const file = Buffer.concat([
      Buffer.from(`${HEADER}\n${row('1')}\n9`),
      raw([0xff, 0xfe]),
      Buffer.from(`,Shipped,10.00,10/01/2026 9:00:00 AM,\n9`),
      raw([0xfe, 0xff]),
      Buffer.from(`,Shipped,10.00,10/01/2026 9:00:00 AM,\n${row('2', '10.00', 'hi ')}`),
      raw([0xc3]),
      Buffer.from(`\n${row('2')}\n${row('3', '10.00', 'café')}\n`),
    ]);
    const { orders, errors } = await readAll(file);
    expect(orders.map((o) => o.event.externalOrderId)).toEqual(['1', '3']);
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(errors.slice(0, 3).map((e) => e.message)).toEqual(Array(3).fill(expect.stringMatching(/not UTF-8/)));
  });

  it('rejects an order when a row without an id sits inside it', async () => {
    const { orders, errors } = await readAll(csv(row('1'), row(''), row('1'), row('2')));
    expect(orders.map((o) => o.event.externalOrderId)).toEqual(['2']);
    expect(errors.map((e) => [e.line, e.orderId])).toEqual([
      [2, '1'],
      [3, '1'],
      [4, '1'],
    ]);
    expect(errors[1]!.message).toBe('"Order ID" is empty, between rows of order 1');
  });

  it('turns a bad money cell into errors for every row of its order, not a partial order', async () => {
    const { orders, errors } = await readAll(csv(row('1'), row('2', '12.3.4'), row('2', '5.00'), row('3')));
    expect(orders.map((o) => o.event.externalOrderId)).toEqual(['1', '3']);
    expect(errors.map((e) => [e.line, e.orderId])).toEqual([
      [3, '2'],
      [4, '2'],
    ]);
    expect(errors[0]!.message).toMatch(/SKU Subtotal After Discount.*12\.3\.4/);
    expect(errors[1]!.message).toMatch(/order 2 not imported: line 3/);
  });

  it('reports bad dates and unknown statuses with their line', async () => {
    const text = csv(
      row('1'),
      '2,Shipped,10.00,13/45/2026 9:00:00 AM,',
      '3,Lost in space,10.00,10/01/2026 9:00:00 AM,',
      '4,Shipped,10.00,,',
    );
    const { orders, errors } = await readAll(text);
    expect(orders.map((o) => o.event.externalOrderId)).toEqual(['1']);
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5]);
    expect(errors[0]!.message).toMatch(/Created Time.*13\/45\/2026/);
    expect(errors[1]!.message).toMatch(/Order Status.*Lost in space/);
    expect(errors[2]!.message).toMatch(/Created Time" is empty/);
  });

  it('reports an order id that reappears after other orders', async () => {
    const { orders, errors } = await readAll(csv(row('1'), row('2'), row('1'), row('1'), row('3')));
    expect(orders.map((o) => o.event.externalOrderId)).toEqual(['1', '2', '3']);
    expect(errors.map((e) => e.line)).toEqual([4, 5]);
    expect(errors[0]!.message).toMatch(/already appeared/);
  });

  it('stops at a quote that is never closed, and rejects the order it may cut', async () => {
    const { orders, errors } = await readAll(csv(row('1'), row('2'), row('3', '10.00', '"never closed'), row('4')));
    expect(orders.map((o) => o.event.externalOrderId)).toEqual(['1']);
    expect(errors.map((e) => e.line)).toEqual([3, 4]);
    expect(errors[1]!.message).toMatch(/never closed/);
  });

  it('reports a record an unbalanced quote merged with the next lines', async () => {
    const text = csv(row('1'), row('2', '10.00', '"oops'), row('3'), row('4', '10.00', '"a, b"'), row('5'));
    const { orders, errors } = await readAll(text);
    expect(orders.map((o) => o.event.externalOrderId)).toEqual(['1', '5']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 3, orderId: '2' });
    expect(errors[0]!.message).toMatch(
      /spans lines 3–5 and has a quoted cell whose closing quote is followed by more text/,
    );
  });

  it('stores cells that look like spreadsheet formulas literally', async () => {
    const formula = '=HYPERLINK("http://evil.example","click") TRACK:ABC12345';
    const text = csv(
      row('1', '10.00', `"${formula.replaceAll('"', '""')}"`),
      row('2', '10.00', "+cmd|' /C calc'!A0"),
      row('3', '=1+2'),
    );
    const { orders, errors } = await readAll(text);
    expect(orders[0]!.event.hints).toEqual([{ method: 'track_message', value: formula }]);
    expect(orders[1]!.event.hints).toEqual([{ method: 'track_message', value: "+cmd|' /C calc'!A0" }]);
    expect(errors.map((e) => e.line)).toEqual([4]);
  });

  it('reads CRLF, LF, a mix of both and bare CR line ends alike, with quoted line breaks kept', async () => {
    const rows = [row('1', '10.00', '"a,\r\nb"'), row('2', '"1,234.50"', '"say ""hi"""'), row('3')];
    const lf = await readAll([HEADER, ...rows].join('\n') + '\n');
    expect(lf.errors).toEqual([]);
    expect(lf.orders.map((o) => [o.event.externalOrderId, o.lines, o.event.hints[0]?.value])).toEqual([
      ['1', [2], 'a,\nb'],
      ['2', [4], 'say "hi"'],
      ['3', [5], undefined],
    ]);
    expect(lf.orders[1]!.event.base).toEqual({ minor: 123450n, currency: 'USD' });
    for (const text of [
      [HEADER, ...rows].join('\r\n'),
      `${HEADER}\r\n${rows[0]}\n${rows[1]}\r\n${rows[2]}\n`,
      [HEADER, ...rows].join('\r').replace('a,\r\nb', 'a,\rb'),
    ]) {
      const other = await readAll(text);
      expect(other.items).toEqual(lf.items);
    }
  });

  it('reads a file cut at every byte, through BOMs, CRLFs and multi-byte characters', async () => {
    const text = `\ufeff${csv(row('1', '10.00', '"Grüße 🎁 TRACK:ABC12345"'), row('2', '"€ 3,00"'))}`.replaceAll(
      '\n',
      '\r\n',
    );
    const whole = await readAll(text);
    expect(whole.orders[0]!.event.hints).toEqual([{ method: 'track_message', value: 'Grüße 🎁 TRACK:ABC12345' }]);
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 5]) {
      const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
        bytes.subarray(i * size, i * size + size),
      );
      const items: ExportItem[] = [];
      for await (const item of readTikTokExport(Readable.from(chunks), OPTIONS)) items.push(item);
      expect(items).toEqual(whole.items);
    }
  });

  it('stops at a record over 1 MiB without holding the rest of the file', async () => {
    const filler = Array.from({ length: 30_000 }, (_, i) =>
      row(String(100 + i), '10.00', 'a long enough buyer message to fill the file'),
    );
    const bytes = Buffer.from(csv(row('1'), row('2'), row('3', '10.00', '"never closed'), ...filler));
    const chunks = Array.from({ length: Math.ceil(bytes.length / 65_536) }, (_, i) =>
      bytes.subarray(i * 65_536, (i + 1) * 65_536),
    );
    const { orders, errors } = await readAll(Readable.from(chunks));
    expect(orders.map((o) => o.event.externalOrderId)).toEqual(['1']);
    expect(errors.map((e) => e.line)).toEqual([3, 4]);
    expect(errors[1]!.message).toMatch(/record starting on line 4 is over 1 MiB/);
  });

  it('keeps every data row in exactly one item', async () => {
    const text = csv(row('1'), row(''), row('2', 'x'), row('2'), row('1'), '', row('3'));
    const { items } = await readAll(text);
    const rows = items.reduce((n, i) => n + (i.kind === 'order' ? i.rows : 1), 0);
    expect(rows).toBe(6);
  });
});

describe('readTikTokExport: money, dates and zones', () => {
  it('takes the currency from a code prefix and refuses a second one in an order', async () => {
    const { orders, errors } = await readAll(csv(row('1', '"BRL 35,91"'), row('2', '"BRL 1,00"'), row('2', '2.00')));
    expect(orders[0]!.event.base).toEqual({ minor: 3591n, currency: 'BRL' });
    expect(errors.map((e) => e.line)).toEqual([3, 4]);
    expect(errors.find((e) => e.line === 4)!.message).toMatch(/USD.*BRL/);
  });

  it('reads US dates by default and day-first dates when told', async () => {
    const text = csv('1,Shipped,10.00,03/10/2026 10:00:00,');
    const us = await readAll(text);
    expect(us.orders[0]!.event.orderedAt).toEqual(new Date('2026-03-10T10:00:00Z'));
    const dayFirst = await readAll(text, { dateFormat: 'day-first' });
    expect(dayFirst.orders[0]!.event.orderedAt).toEqual(new Date('2026-10-03T10:00:00Z'));
    const wrong = await readAll(csv('1,Shipped,10.00,25/10/2026 10:00:00,'));
    expect(wrong.errors[0]!.message).toMatch(/not a US/);
  });

  it('reads wall-clock times in the shop time zone', async () => {
    const { byId } = await readAll(ORDERS_URL, { timezone: 'America/Los_Angeles' });
    expect(byId.get('576461413038785752')!.event.orderedAt).toEqual(new Date('2026-10-02T04:07:33Z'));
    const zone = wallClockZone('America/Los_Angeles');
    expect(parseExportDate('01/15/2026 9:00:00 AM', 'us', zone)).toEqual(new Date('2026-01-15T17:00:00Z'));
    expect(parseExportDate('03/08/2026 1:30:00 AM', 'us', zone)).toEqual(new Date('2026-03-08T09:30:00Z'));
    expect(parseExportDate('03/08/2026 3:30:00 AM', 'us', zone)).toEqual(new Date('2026-03-08T10:30:00Z'));
    expect(parseExportDate('11/01/2026 1:30:00 AM', 'us', wallClockZone('Asia/Kolkata'))).toEqual(
      new Date('2026-10-31T20:00:00Z'),
    );
    await expect(readAll(ORDERS_URL, { timezone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'usage' });
  });

  it('parses the 12-hour clock edges and refuses impossible dates', () => {
    const utc = wallClockZone();
    expect(parseExportDate('09/13/2026 12:00:14 AM', 'us', utc)).toEqual(new Date('2026-09-13T00:00:14Z'));
    expect(parseExportDate('09/13/2026 12:00:14 PM', 'us', utc)).toEqual(new Date('2026-09-13T12:00:14Z'));
    expect(parseExportDate('2026-09-13 08:00:00', 'day-first', utc)).toEqual(new Date('2026-09-13T08:00:00Z'));
    expect(() => parseExportDate('02/30/2026 1:00:00 PM', 'us', utc)).toThrow();
    expect(() => parseExportDate('09/13/2026 13:00:00 PM', 'us', utc)).toThrow();
  });
});
