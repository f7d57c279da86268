import type { Money } from '../../domain/money.js';
import type { AttributionHint, AttributionMethod, OrderLine } from '../../domain/order-event.js';
import { asArray, asObject, currencyOf, majorAmount, text } from '../payload.js';
import type { Json } from '../payload.js';
import { orderLines } from '../lines.js';

/** Order meta keys that carry attribution, by meaning (plugins write them with or without `_`). */
const META_KEYS: Readonly<Record<string, AttributionMethod>> = {
  tracknow_click: 'click',
  _tracknow_click: 'click',
  _tracking_code: 'ref',
  tracking_code: 'ref',
  tracknow_ref: 'ref',
  _tracknow_ref: 'ref',
  // WooCommerce's own order attribution (8.5+) records the visit's UTM parameters.
  _wc_order_attribution_utm_source: 'utm_source',
  _wc_order_attribution_utm_campaign: 'utm_campaign',
};

/** Base = total − shipping_total − total_tax (merchandise after discounts); total as paid. */
export function amounts(order: Json, fallbackCurrency: string): { base?: Money; total?: Money } {
  const currency = currencyOf(order.currency, fallbackCurrency);
  const total = majorAmount(order.total, currency, 'total');
  if (total === undefined) return {};
  const shipping = majorAmount(order.shipping_total, currency, 'shipping_total') ?? 0n;
  const tax = majorAmount(order.total_tax, currency, 'total_tax') ?? 0n;
  const base = total - shipping - tax;
  // A fee-heavy or odd order can go below zero; commission is never negative on a sale.
  return { base: { minor: base < 0n ? 0n : base, currency }, total: { minor: total, currency } };
}

/**
 * `line_items[]`: base = the line's `total` (after discounts, without tax: WooCommerce keeps line
 * totals ex-tax). Ids: `product_id`, `variation_id` (the SKU id), `sku`.
 */
export function wooLines(order: Json, fallbackCurrency: string): { lines?: OrderLine[] } {
  const currency = currencyOf(order.currency, fallbackCurrency);
  const lines = orderLines(order.line_items, currency, (l, i) => ({
    lineId: l.id,
    productId: l.product_id,
    skuId: l.variation_id === 0 ? undefined : l.variation_id,
    sku: l.sku,
    quantity: l.quantity,
    baseMinor: majorAmount(l.total, currency, `line_items[${i}].total`),
  }));
  return lines ? { lines } : {};
}

/** Hints in this order: coupons, meta_data (click, ref, utm), the customer's note. */
export function hints(order: Json): AttributionHint[] {
  const found: [AttributionMethod, unknown][] = [];
  for (const line of asArray(order.coupon_lines)) found.push(['promo_code', asObject(line)?.code]);
  const meta = asArray(order.meta_data).map((m) => asObject(m) ?? {});
  for (const [key, method] of Object.entries(META_KEYS)) {
    for (const m of meta) if (m.key === key) found.push([method, m.value]);
  }
  found.push(['track_message', order.customer_note]);
  return found.flatMap(([method, raw]) => {
    const value = text(raw);
    return value === undefined ? [] : [{ method, value }];
  });
}
