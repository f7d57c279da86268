import { isPositiveKind, type LedgerKind } from './balances.js';

/** A calendar month in UTC, `[start, end)`. */
export interface Month {
  readonly label: string;
  readonly start: Date;
  readonly end: Date;
}

/** `YYYY-MM` → the month's UTC bounds; throws RangeError on anything else. */
export function parseMonth(text: string): Month {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text.trim());
  if (!m) throw new RangeError(`--month takes YYYY-MM, like 2026-11; got ${JSON.stringify(text)}`);
  const year = Number(m[1]);
  const month = Number(m[2]) - 1;
  return {
    label: `${m[1]}-${m[2]}`,
    start: new Date(Date.UTC(year, month, 1)),
    end: new Date(Date.UTC(year, month + 1, 1)),
  };
}

/** The month (UTC) that holds an instant, as `YYYY-MM`. */
export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

/** One ledger entry inside the month, signed as stored (credits and returns +, reversals and payouts −). */
export interface StatementLine {
  readonly at: Date;
  readonly kind: LedgerKind;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly orderId: string | null;
  readonly payoutId: string | null;
}

/**
 * One currency of a statement. `credited` and `returned` add to the balance; `reversed` and `paid`
 * are shown as positive amounts and take from it: closing = opening + credited − reversed − paid + returned.
 */
export interface StatementCurrency {
  readonly currency: string;
  readonly openingMinor: bigint;
  readonly creditedMinor: bigint;
  readonly reversedMinor: bigint;
  readonly paidMinor: bigint;
  readonly returnedMinor: bigint;
  readonly closingMinor: bigint;
}

export interface Statement {
  readonly month: string;
  readonly currencies: readonly StatementCurrency[];
  readonly lines: readonly StatementLine[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * An influencer's statement for a month: the opening balance per currency (the ledger's sum
 * before the month), the month's lines and what they add up to. A currency appears when it has
 * an opening balance or a line. Every amount is a sum of ledger entries, so the closing balance
 * is the `balance` command's available balance at the month's end, to the cent.
 */
export function buildStatement(
  month: string,
  opening: readonly { currency: string; amountMinor: bigint }[],
  lines: readonly StatementLine[],
): Statement {
  const acc = new Map<string, { opening: bigint; credit: bigint; reversal: bigint; payout: bigint; return: bigint }>();
  const row = (currency: string) => {
    let r = acc.get(currency);
    if (!r) acc.set(currency, (r = { opening: 0n, credit: 0n, reversal: 0n, payout: 0n, return: 0n }));
    return r;
  };
  for (const o of opening) row(o.currency).opening += o.amountMinor;
  for (const line of lines) {
    const ok = isPositiveKind(line.kind) ? line.amountMinor > 0n : line.amountMinor < 0n;
    if (!ok)
      throw new RangeError(
        `a ${line.kind} line has the wrong sign (${line.amountMinor}): pass ledger amounts signed as stored`,
      );
    row(line.currency)[line.kind] += line.amountMinor;
  }
  const currencies = [...acc]
    .filter(([, r]) => r.opening !== 0n || r.credit !== 0n || r.reversal !== 0n || r.payout !== 0n || r.return !== 0n)
    .sort(([a], [b]) => compare(a, b))
    .map(([currency, r]) => ({
      currency,
      openingMinor: r.opening,
      creditedMinor: r.credit,
      reversedMinor: -r.reversal,
      paidMinor: -r.payout,
      returnedMinor: r.return,
      closingMinor: r.opening + r.credit + r.reversal + r.payout + r.return,
    }));
  const sorted = [...lines].sort((a, b) => a.at.getTime() - b.at.getTime());
  return { month, currencies, lines: sorted };
}
