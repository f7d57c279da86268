import type { OrderStatus } from '../../domain/order-event.js';

/**
 * `financial_status` of an order webhook. A partially refunded order stays a live sale: the
 * amount comes off through `refunds/create`. Anything else not yet paid is `unpaid`.
 */
const FINANCIAL: Readonly<Record<string, OrderStatus>> = {
  paid: 'paid',
  partially_paid: 'paid',
  authorized: 'paid',
  partially_refunded: 'paid',
  refunded: 'refunded',
  voided: 'cancelled',
};

export function financialStatus(value: string | undefined, cancelledAt: unknown): OrderStatus {
  // orders/updated after a cancellation still says "paid" or "refunded"; cancelled_at decides.
  if (typeof cancelledAt === 'string' && cancelledAt.trim() !== '') return 'cancelled';
  return (value !== undefined && FINANCIAL[value.toLowerCase()]) || 'unpaid';
}
