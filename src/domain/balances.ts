import { formatMajor } from './money.js';

export type LedgerKind = 'credit' | 'reversal' | 'payout' | 'return';

/** Kinds stored positive: a credit, and a returned payout put back on the balance. */
export const isPositiveKind = (kind: LedgerKind): boolean => kind === 'credit' || kind === 'return';

/** `sum(amount_minor)` of the ledger grouped by influencer, currency and kind, signed as stored. */
export interface LedgerSum {
  readonly influencerId: string;
  readonly currency: string;
  readonly kind: LedgerKind;
  readonly amountMinor: bigint;
}

/** The commission of pending sales (not yet in the ledger) per influencer and currency. */
export interface PendingSum {
  readonly influencerId: string;
  readonly currency: string;
  readonly amountMinor: bigint;
}

export interface Balance {
  readonly influencerId: string;
  readonly currency: string;
  readonly pendingMinor: bigint;
  /** credits − reversals − payouts; negative after a clawback, and later credits repay it first. */
  readonly availableMinor: bigint;
  /** Everything paid out so far and not returned by the bank, as a positive amount. */
  readonly paidMinor: bigint;
}

interface Acc {
  pendingMinor: bigint;
  availableMinor: bigint;
  paidMinor: bigint;
}

function checkSign(sum: LedgerSum): void {
  const ok = isPositiveKind(sum.kind) ? sum.amountMinor >= 0n : sum.amountMinor <= 0n;
  if (!ok)
    throw new RangeError(
      `a ${sum.kind} sum has the wrong sign (${sum.amountMinor}): pass ledger sums signed as stored`,
    );
}

/**
 * Balances per influencer and currency, sorted by influencer then currency. Balances are sums,
 * never counters: since reversals and payouts are stored negative, available is the signed total,
 * so a negative balance is simply netted by the next credits.
 */
export function computeBalances(ledger: readonly LedgerSum[], pending: readonly PendingSum[] = []): Balance[] {
  const byKey = new Map<string, Acc & { influencerId: string; currency: string }>();
  const acc = (influencerId: string, currency: string) => {
    const key = `${influencerId}\u0000${currency}`;
    let row = byKey.get(key);
    if (!row) byKey.set(key, (row = { influencerId, currency, pendingMinor: 0n, availableMinor: 0n, paidMinor: 0n }));
    return row;
  };
  for (const sum of ledger) {
    checkSign(sum);
    const row = acc(sum.influencerId, sum.currency);
    row.availableMinor += sum.amountMinor;
    if (sum.kind === 'payout' || sum.kind === 'return') row.paidMinor -= sum.amountMinor;
  }
  for (const sum of pending) acc(sum.influencerId, sum.currency).pendingMinor += sum.amountMinor;
  return [...byKey.values()]
    .map(({ influencerId, currency, pendingMinor, availableMinor, paidMinor }) => ({
      influencerId,
      currency,
      pendingMinor,
      availableMinor,
      paidMinor,
    }))
    .sort((a, b) => compare(a.influencerId, b.influencerId) || compare(a.currency, b.currency));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `balance --json` row: exact major-unit strings beside the currency. */
export function balanceJson(b: Balance): {
  influencer_id: string;
  currency: string;
  pending: string;
  available: string;
  paid: string;
} {
  return {
    influencer_id: b.influencerId,
    currency: b.currency,
    pending: formatMajor(b.pendingMinor, b.currency),
    available: formatMajor(b.availableMinor, b.currency),
    paid: formatMajor(b.paidMinor, b.currency),
  };
}
