import type { OrderStatus } from '../../domain/order-event.js';

/** The seed's legacy numeric order statuses, by name. */
const LEGACY_CODES: Readonly<Record<number, string>> = {
  100: 'UNPAID',
  105: 'ON_HOLD',
  111: 'AWAITING_SHIPMENT',
  112: 'AWAITING_COLLECTION',
  114: 'PARTIALLY_SHIPPING',
  121: 'IN_TRANSIT',
  122: 'DELIVERED',
  130: 'COMPLETED',
  140: 'CANCELLED',
};

const ORDER_STATUSES: Readonly<Record<string, OrderStatus>> = {
  UNPAID: 'unpaid',
  ON_HOLD: 'paid',
  AWAITING_SHIPMENT: 'paid',
  AWAITING_COLLECTION: 'paid',
  PARTIALLY_SHIPPING: 'paid',
  IN_TRANSIT: 'paid',
  DELIVERED: 'paid',
  COMPLETED: 'paid',
  CANCELLED: 'cancelled',
  CANCEL: 'cancelled',
};

/** Maps a TikTok order status, a string name or a legacy code (111 or "111"); unknown → other. */
export function orderStatus(value: string | number): OrderStatus {
  const text = String(value).trim().toUpperCase();
  const name = /^\d+$/.test(text) ? LEGACY_CODES[Number(text)] : text;
  return (name !== undefined && ORDER_STATUSES[name]) || 'other';
}

/** Type 11: only a completed cancellation cancels the order; requests in flight change nothing. */
export function cancellationStatus(cancelStatus: string): OrderStatus {
  return cancelStatus.toUpperCase() === 'CANCELLATION_REQUEST_COMPLETE' ? 'cancelled' : 'other';
}

/** Type 12: a completed return or refund refunds the order (the notification has no amounts). */
export function returnStatus(status: string): OrderStatus {
  return status.toUpperCase() === 'RETURN_OR_REFUND_REQUEST_COMPLETE' ? 'refunded' : 'other';
}
