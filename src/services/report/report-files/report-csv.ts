import { csvLine } from '../../payouts/payment-files/payout-csv.js';
import type { Report } from '../report.js';

export const REPORT_CSV_HEADER = [
  'key',
  'label',
  'currency',
  'clicks',
  'orders',
  'conversion',
  'sales',
  'commission',
  'refunded',
] as const;

/**
 * The report as CSV: a header, then one line per row, CRLF-terminated (RFC 4180), UTF-8 without
 * BOM, formula-neutralised like the payout CSV. Empty cells for a null key, currency or conversion.
 */
export function buildReportCsv(report: Report): string {
  const lines = [csvLine(REPORT_CSV_HEADER)];
  for (const r of report.rows) {
    lines.push(
      csvLine([
        r.key ?? '',
        r.label ?? '',
        r.currency ?? '',
        String(r.clicks),
        String(r.orders),
        r.conversion === null ? '' : String(r.conversion),
        r.sales,
        r.commission,
        r.refunded,
      ]),
    );
  }
  return lines.map((line) => `${line}\r\n`).join('');
}
