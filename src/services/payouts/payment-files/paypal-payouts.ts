import { formatMajor } from '../../../domain/money.js';
import { quoteCell } from './payout-csv.js';

/** One PayPal payout that has been created (it has its bank reference). */
export interface PaypalBatchRow {
  readonly paypalEmail: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  /** The payout's reference ("TN" + 32 hex digits); its first 30 characters are PayPal's Customer ID. */
  readonly reference: string;
}

/** PayPal takes at most 5,000 payments per Payouts Web file. */
export const PAYPAL_BATCH_MAX_ROWS = 5000;
/** PayPal's Customer ID: at most 30 characters, no spaces. */
export const PAYPAL_CUSTOMER_ID_MAX = 30;
const NOTE_MAX = 400;

export interface PaypalBatchFile {
  readonly currency: string;
  /** 1-based part number within the currency (a new part every 5,000 rows). */
  readonly part: number;
  readonly content: string;
}

/**
 * PayPal Payouts Web batch files (the .csv a finance team uploads under Pay & Get Paid → Payouts).
 * PayPal's documented layout: no header row, one payment per line with, in order, the recipient
 * identifier (the PayPal email), the amount, the ISO 4217 currency, a Customer ID (≤ 30 characters,
 * no spaces), a note to the recipient (≤ 400 characters) and the recipient wallet (PAYPAL). Each
 * file holds ONE currency and at most 5,000 rows, so there is one file per currency and part.
 * Amounts use a decimal point with exactly the currency's digits ("18.80", "126" JPY, "1.250"
 * KWD); cells are quoted per RFC 4180 when they hold a comma or quote; lines end in CRLF.
 */
export function buildPaypalBatches(rows: readonly PaypalBatchRow[]): PaypalBatchFile[] {
  const byCurrency = new Map<string, PaypalBatchRow[]>();
  for (const r of rows) byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), r]);
  const files: PaypalBatchFile[] = [];
  for (const currency of [...byCurrency.keys()].sort()) {
    const list = byCurrency.get(currency) ?? [];
    for (let i = 0; i < list.length; i += PAYPAL_BATCH_MAX_ROWS) {
      const lines = list.slice(i, i + PAYPAL_BATCH_MAX_ROWS).map(paypalLine);
      files.push({ currency, part: i / PAYPAL_BATCH_MAX_ROWS + 1, content: lines.map((l) => `${l}\r\n`).join('') });
    }
  }
  return files;
}

function paypalLine(r: PaypalBatchRow): string {
  if (r.amountMinor <= 0n) throw new RangeError(`a PayPal payout must be positive, got ${r.amountMinor} ${r.currency}`);
  if (/\s/.test(r.paypalEmail) || !r.paypalEmail.includes('@'))
    throw new RangeError(`not a PayPal email: ${JSON.stringify(r.paypalEmail)}`);
  const customerId = r.reference.replace(/\s/g, '').slice(0, PAYPAL_CUSTOMER_ID_MAX);
  const note = `Commission payout ${r.reference}`.slice(0, NOTE_MAX);
  return [r.paypalEmail, formatMajor(r.amountMinor, r.currency), r.currency, customerId, note, 'PAYPAL']
    .map(quoteCell)
    .join(',');
}
