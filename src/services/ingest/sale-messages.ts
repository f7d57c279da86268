import type { SaleOutcome, SaleState } from '../../domain/sale-lifecycle.js';

/** The one-line answer a platform (or an operator) gets for what an event did to its order. */
export function saleMessage(outcome: SaleOutcome, reason: string, state: SaleState): string {
  if (outcome !== 'created' && outcome !== 'updated') return reason;
  if (state.influencerId === null) return `${reason}; no attribution matched, so no commission`;
  if (state.baseMinor === null)
    return `${reason}; the order has no amount yet, so no commission until an export or order detail supplies one`;
  return reason;
}
