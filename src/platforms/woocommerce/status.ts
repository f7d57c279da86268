import type { OrderStatus } from '../../domain/order-event.js';

/** WooCommerce order `status`; `trash` is an order moved to the bin (order.deleted). */
const STATUSES: Readonly<Record<string, OrderStatus>> = {
  processing: 'paid',
  completed: 'paid',
  'on-hold': 'paid',
  cancelled: 'cancelled',
  // Unpaid, not the end: a retried payment moves the order on (the newest delivery names the status).
  failed: 'unpaid',
  trash: 'cancelled',
  refunded: 'refunded',
  pending: 'unpaid',
  'checkout-draft': 'unpaid',
};

export function orderStatus(status: string): OrderStatus {
  return STATUSES[status.toLowerCase().replace(/^wc-/, '')] ?? 'other';
}
