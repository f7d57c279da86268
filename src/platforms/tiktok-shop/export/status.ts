import type { OrderStatus } from '../../../domain/order-event.js';

/** Seller Center order statuses as the export writes them (English), and the API's names. */
const ORDER_STATUSES: ReadonlyMap<string, OrderStatus> = new Map([
  ['unpaid', 'unpaid'],
  ['on hold', 'paid'],
  ['to ship', 'paid'],
  ['awaiting shipment', 'paid'],
  ['awaiting collection', 'paid'],
  ['ready to ship', 'paid'],
  ['partially shipping', 'paid'],
  ['partially shipped', 'paid'],
  ['shipped', 'paid'],
  ['in transit', 'paid'],
  ['delivered', 'paid'],
  ['completed', 'paid'],
  ['canceled', 'cancelled'],
  ['cancelled', 'cancelled'],
  ['cancel', 'cancelled'],
]);

/**
 * Affiliate Center statuses are about the commission, not the shipment: `Pending` and
 * `Completed`/`Settled` mean a paid order; `Ineligible` means TikTok pays no commission for
 * reasons the export does not say, so it is recorded without changing a sale.
 */
const AFFILIATE_STATUSES: ReadonlyMap<string, OrderStatus> = new Map([
  ...ORDER_STATUSES,
  ['pending', 'paid'],
  ['settled', 'paid'],
  ['ineligible', 'other'],
]);

function key(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');
}

/** Maps a Seller Center `Order Status` cell; undefined when the text is not a known status. */
export function exportOrderStatus(text: string): OrderStatus | undefined {
  return ORDER_STATUSES.get(key(text));
}

/** Maps an Affiliate Center `Order Status` cell; undefined when the text is not a known status. */
export function affiliateOrderStatus(text: string): OrderStatus | undefined {
  return AFFILIATE_STATUSES.get(key(text));
}

/** `Fully returned or refunded`: Yes/No (empty means no). Undefined for anything else. */
export function isFullyRefunded(text: string): boolean | undefined {
  const k = key(text);
  if (k === '' || k === 'no' || k === 'n' || k === 'false') return false;
  if (k === 'yes' || k === 'y' || k === 'true') return true;
  return undefined;
}
