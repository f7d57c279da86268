import type { OrderLine } from '../../domain/order-event.js';
import { orderLines } from '../lines.js';
import { asArray, asObject, majorAmount, type Json } from '../payload.js';

/**
 * `line_items[]`: base = price × quantity − its discount allocations (or `total_discount`), less its tax lines when the
 * shop's prices include tax (`taxes_included`). Ids: `product_id`, `variant_id` (the SKU id), `sku`.
 */
export function shopifyLines(order: Json, currency: string): OrderLine[] | undefined {
  const sum = (items: unknown, field: string, at: string) =>
    asArray(items).reduce<bigint>(
      (acc, x, j) => acc + (majorAmount(asObject(x)?.[field], currency, `${at}[${j}].${field}`) ?? 0n),
      0n,
    );
  return orderLines(order.line_items, currency, (l, i) => {
    const at = `line_items[${i}]`;
    const price = majorAmount(l.price, currency, `${at}.price`);
    const quantity = typeof l.quantity === 'number' && Number.isSafeInteger(l.quantity) ? l.quantity : 1;
    // discount_allocations (current API), else the deprecated total_discount.
    const discounts = Array.isArray(l.discount_allocations)
      ? sum(l.discount_allocations, 'amount', `${at}.discount_allocations`)
      : (majorAmount(l.total_discount, currency, `${at}.total_discount`) ?? 0n);
    const tax = order.taxes_included === true ? sum(l.tax_lines, 'price', `${at}.tax_lines`) : 0n;
    const baseMinor = price === undefined ? undefined : price * BigInt(quantity) - discounts - tax;
    return { lineId: l.id, productId: l.product_id, skuId: l.variant_id, sku: l.sku, quantity: l.quantity, baseMinor };
  });
}
