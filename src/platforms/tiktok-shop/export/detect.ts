import { invalid } from '../../../errors.js';
import { AFFILIATE_COLUMNS, ORDERS_COLUMNS, indexHeader, resolveColumns } from './columns.js';
import type { AffiliateColumn, ColumnIndex, OrdersColumn } from './columns.js';

/** A recognised header: the layout, the positions of the columns tracknow reads, and all names. */
export type DetectedHeader =
  | { readonly format: 'orders'; readonly index: ColumnIndex<OrdersColumn>; readonly columns: readonly string[] }
  | { readonly format: 'affiliate'; readonly index: ColumnIndex<AffiliateColumn>; readonly columns: readonly string[] };

/**
 * Tells the two exports apart by header names, never by position: `Creator Username` marks the
 * Affiliate Center export, `SKU Subtotal After Discount` the Seller Center one.
 * Throws TracknowError('invalid') naming the file when the header is neither.
 */
export function detectExportFormat(header: readonly string[], file: string): DetectedHeader {
  const columns = header.map((name) => name.trim());
  const positions = indexHeader(columns);
  const has = (name: string) => positions.has(name.toLowerCase());
  if (has('creator username') && has('payment amount')) {
    const { index, missing } = resolveColumns(AFFILIATE_COLUMNS, positions);
    if (missing.length > 0) throw missingColumns(file, 'Affiliate Center orders export', missing);
    return { format: 'affiliate', index, columns };
  }
  if (has('order id') && has('sku subtotal after discount')) {
    const { index, missing } = resolveColumns(ORDERS_COLUMNS, positions);
    if (missing.length > 0) throw missingColumns(file, 'Seller Center orders export', missing);
    return { format: 'orders', index, columns };
  }
  const shown = columns
    .slice(0, 4)
    .map((c) => JSON.stringify(c))
    .join(', ');
  return unknownHeader(file, shown);
}

function missingColumns(file: string, what: string, missing: string[]) {
  return invalid(
    `${file}: looks like a TikTok ${what} but lacks ${missing.map((m) => `"${m}"`).join(', ')}; export it again with all columns`,
  );
}

function unknownHeader(file: string, shown: string): never {
  throw invalid(
    `${file}: not a TikTok export (header starts ${shown || 'empty'}); expected a Seller Center "All orders" export (with "Order ID" and "SKU Subtotal After Discount") or an Affiliate Center orders export (with "Creator Username" and "Payment Amount")`,
  );
}
