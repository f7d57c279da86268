import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from './fixtures.js';

/** The TikTok export fixtures, as paths (the backfill reads files). */
export const ORDERS_CSV = fixturePath('tiktok/orders-export-us.csv');
export const AFFILIATE_CSV = fixturePath('tiktok/affiliate-orders-export.csv');

/** The fixture's order ids end in 752…756. */
export const orderId = (tail: number) => `576461413038785${tail}`;

let dir: string | undefined;

/** Writes a variant of a fixture (or any text) to a temporary file; returns its path. */
export function writeExport(name: string, text: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'tracknow-exports-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/**
 * The orders fixture with three bad rows (lines numbered as in the file): an order whose
 * money cell is unreadable, one whose date is not a date, and a row without an Order ID.
 */
export function ordersWithBadRows(): { path: string; bad: { line: number; message: RegExp }[] } {
  const text = readFileSync(ORDERS_CSV, 'utf8');
  const lines = text.split('\r\n');
  const row = lines.find((l) => l.startsWith('576461413038785752'))!;
  const extra = [
    row.replaceAll('576461413038785752', '576461413038785801').replace(',39.90,0,0,39.90,', ',39.90,0,0,12abc,'),
    row
      .replaceAll('576461413038785752', '576461413038785802')
      .replace('10/01/2026 9:07:33 PM', '31/31/2026 9:07:33 PM'),
    row.replace('576461413038785752\t', ''),
    row.replaceAll('576461413038785752', '576461413038785803'),
  ];
  const end = lines.at(-1) === '' ? lines.length - 1 : lines.length;
  const all = [...lines.slice(0, end), ...extra, ...lines.slice(end)];
  // Physical lines: the fixture has a buyer message that spans two.
  const first = lines.slice(0, end).join('\r\n').split('\n').length + 1;
  return {
    path: writeExport('orders-with-bad-rows.csv', all.join('\r\n')),
    bad: [
      { line: first, message: /SKU Subtotal After Discount/ },
      { line: first + 1, message: /Created Time/ },
      { line: first + 2, message: /Order ID/ },
    ],
  };
}
