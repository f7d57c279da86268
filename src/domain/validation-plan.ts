import { isPastHold } from './hold.js';
import type { OrderStatus } from './order-event.js';

export type SaleStatus = 'pending' | 'validated' | 'cancelled' | 'reversed';

/** What the validation rule needs of a sale (and of its merchant: the hold). */
export interface ValidationCandidate {
  readonly id: string;
  readonly status: SaleStatus;
  readonly orderStatus: OrderStatus;
  readonly influencerId: string | null;
  readonly currency: string | null;
  readonly commissionMinor: bigint | null;
  readonly orderedAt: Date;
  readonly holdDays: number;
}

export interface PlannedValidation {
  readonly saleId: string;
  readonly influencerId: string;
  readonly currency: string;
  /** The ledger credit; 0n (a 0 % rate) validates the sale without a ledger entry. */
  readonly commissionMinor: bigint;
}

export interface SaleSkip {
  readonly saleId: string;
  readonly reason: string;
}

export interface ValidationPlan {
  readonly asOf: Date;
  /** pending → validated, each with exactly one credit of its commission. */
  readonly validate: readonly PlannedValidation[];
  /** pending → cancelled: the order was cancelled or refunded (inside the hold or after it). */
  readonly cancel: readonly SaleSkip[];
  /** Past the hold but left pending, with the reason (never dropped silently). */
  readonly skipped: readonly SaleSkip[];
  /** Sum of the credits per currency, sorted by currency. */
  readonly credited: readonly { readonly currency: string; readonly amountMinor: bigint }[];
}

/** The validation of a sale past its hold, or the reason it must stay pending. */
function toValidation(sale: ValidationCandidate): PlannedValidation | string {
  const { id: saleId, influencerId, currency, commissionMinor } = sale;
  if (sale.orderStatus !== 'paid') return `order is ${sale.orderStatus}, not paid`;
  if (influencerId === null) return 'no influencer attributed';
  if (currency === null || commissionMinor === null) return 'amount unknown';
  return { saleId, influencerId, currency, commissionMinor };
}

/**
 * The validation rule over in-memory rows: a pending sale whose order was cancelled or refunded
 * is cancelled (hold or not); one whose hold is over (see `isPastHold`) is validated when it is
 * paid, attributed and its commission is known, otherwise listed as skipped. Sales that are not
 * pending, or still inside their hold (and not cancelled), are not mentioned.
 */
export function planValidation(sales: readonly ValidationCandidate[], asOf: Date): ValidationPlan {
  const validate: PlannedValidation[] = [];
  const cancel: SaleSkip[] = [];
  const skipped: SaleSkip[] = [];
  const totals = new Map<string, bigint>();
  for (const sale of sales) {
    if (sale.status !== 'pending') continue;
    // A cancelled or refunded order can never be credited, so it is cancelled without waiting for its hold.
    if (sale.orderStatus === 'cancelled' || sale.orderStatus === 'refunded') {
      cancel.push({ saleId: sale.id, reason: `order ${sale.orderStatus}` });
      continue;
    }
    if (!isPastHold(sale.orderedAt, sale.holdDays, asOf)) continue;
    const planned = toValidation(sale);
    if (typeof planned === 'string') {
      skipped.push({ saleId: sale.id, reason: planned });
      continue;
    }
    validate.push(planned);
    totals.set(planned.currency, (totals.get(planned.currency) ?? 0n) + planned.commissionMinor);
  }
  const credited = [...totals]
    .filter(([, amountMinor]) => amountMinor !== 0n)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, amountMinor]) => ({ currency, amountMinor }));
  return { asOf, validate, cancel, skipped, credited };
}
