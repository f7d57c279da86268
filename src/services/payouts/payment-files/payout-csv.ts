import { formatMajor } from '../../../domain/money.js';

/** One line of the payout CSV: a payout that has been created (it has its id). */
export interface PayoutCsvRow {
  readonly payoutId: string;
  readonly influencerId: string;
  readonly name: string;
  readonly email: string | null;
  readonly paypalEmail: string | null;
  readonly iban: string | null;
  readonly bic: string | null;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly method: string;
}

export const PAYOUT_CSV_HEADER = [
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
] as const;

/**
 * Neutralises spreadsheet formulas (OWASP "CSV injection"): a cell starting with `=`, `+`, `-`,
 * `@`, tab or CR gets a leading `'`, so Excel and LibreOffice show it as text.
 */
export function neutralizeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180 quoting: a cell with a quote, comma, CR or LF is quoted and its quotes doubled. */
export function quoteCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A whole CSV line (without its CRLF) from raw cell values. */
export function csvLine(cells: readonly string[]): string {
  return cells.map((cell) => quoteCell(neutralizeCell(cell))).join(',');
}

/**
 * The payout CSV: a header, then one line per payout, CRLF-terminated (RFC 4180), UTF-8
 * without BOM. Amounts are exact major-unit strings ("18.83", "1250" JPY, "1.250" KWD).
 */
export function buildPayoutCsv(rows: readonly PayoutCsvRow[]): string {
  const lines = [csvLine(PAYOUT_CSV_HEADER)];
  for (const r of rows) {
    lines.push(
      csvLine([
        r.influencerId,
        r.name,
        r.email ?? '',
        r.paypalEmail ?? '',
        r.iban ?? '',
        r.bic ?? '',
        r.currency,
        formatMajor(r.amountMinor, r.currency),
        r.method,
        r.payoutId,
      ]),
    );
  }
  return lines.map((line) => `${line}\r\n`).join('');
}
