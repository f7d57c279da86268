import { divRoundHalfUp, type Money } from './money.js';

/**
 * One refund or return as its source names it, counted once by `id` (Shopify refund id,
 * WooCommerce `refunds[].id`, TikTok `return_id`, an export order's refund). `base` is a
 * refund with line detail: the refunded lines' after-discount, pre-tax subtotals, taken off as
 * is. `amount` is a refund without: taken off pro rata, amount × base ÷ order total, half-up.
 */
export interface RefundPart {
  readonly id: string;
  readonly base?: Money;
  readonly amount?: Money;
}

/** A refund applied to a sale: its id and what it took off the base, in minor units. */
export interface AppliedRefund {
  readonly id: string;
  readonly minor: bigint;
}

/** What a refund takes off the base; undefined when it cannot be known yet (another currency, no base). */
export function refundReduction(
  part: RefundPart,
  baseMinor: bigint | null,
  totalMinor: bigint | null,
  currency: string | null,
): bigint | undefined {
  if (part.base) return currency === null || part.base.currency === currency ? part.base.minor : undefined;
  const amount = part.amount;
  if (!amount || (currency !== null && amount.currency !== currency)) return undefined;
  if (baseMinor === null) return undefined;
  // No total to scale by: the refund itself, never more than the base.
  if (totalMinor === null || totalMinor <= 0n) return amount.minor < baseMinor ? amount.minor : baseMinor;
  return divRoundHalfUp(amount.minor * baseMinor, totalMinor);
}

/**
 * Merges new refunds into those already applied, by id. A repeated id keeps the larger
 * reduction (a cumulative export amount that grew), so any order of arrival gives the same set.
 * Sorted by id: the stored list compares equal whatever the order.
 */
export function mergeRefunds(
  applied: readonly AppliedRefund[],
  incoming: readonly AppliedRefund[],
): readonly AppliedRefund[] {
  if (incoming.length === 0) return applied;
  const byId = new Map(applied.map((r) => [r.id, r.minor]));
  let changed = false;
  for (const r of incoming) {
    const prev = byId.get(r.id);
    if (prev === undefined || r.minor > prev) {
      byId.set(r.id, r.minor);
      changed = true;
    }
  }
  if (!changed) return applied;
  return [...byId].map(([id, minor]) => ({ id, minor })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export const refundSum = (refunds: readonly AppliedRefund[]): bigint => refunds.reduce((s, r) => s + r.minor, 0n);

/** Whether two applied lists are the same (ids and amounts). */
export function sameRefunds(a: readonly AppliedRefund[], b: readonly AppliedRefund[]): boolean {
  return a === b || (a.length === b.length && a.every((r, i) => r.id === b[i]!.id && r.minor === b[i]!.minor));
}

/** Which figure a merchant's commission is computed on (`merchant add|set --commission-base`). */
export type CommissionBase = 'net' | 'with-tax' | 'total';
export const COMMISSION_BASES: readonly CommissionBase[] = ['net', 'with-tax', 'total'];

export function parseCommissionBase(text: string): CommissionBase {
  const v = text.trim().toLowerCase();
  if (!(COMMISSION_BASES as readonly string[]).includes(v)) {
    throw new RangeError(`commission base must be one of ${COMMISSION_BASES.join(', ')}, got ${JSON.stringify(text)}`);
  }
  return v as CommissionBase;
}

/**
 * The base for a merchant's choice, from the parts an adapter read (minor units, one currency):
 * `net` merchandise after discounts without shipping and tax; `with-tax` the same with its tax;
 * `total` what the buyer paid.
 */
export function chooseBase(
  mode: CommissionBase | undefined,
  parts: { net: bigint; tax: bigint; total: bigint | undefined },
): bigint {
  const value =
    mode === 'total' && parts.total !== undefined
      ? parts.total
      : mode === 'with-tax'
        ? parts.net + parts.tax
        : parts.net;
  return value < 0n ? 0n : value;
}
