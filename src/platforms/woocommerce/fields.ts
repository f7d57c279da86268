import type { Money } from '../../domain/money.js';
import type { AttributionHint, AttributionMethod, OrderLine } from '../../domain/order-event.js';
import { chooseBase, type CommissionBase, type RefundPart } from '../../domain/refunds.js';
import { invalid } from '../../errors.js';
import { asArray, asObject, currencyOf, idText, majorAmount, text } from '../payload.js';
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

/**
 * Base = total − shipping_total − total_tax (merchandise after discounts), or with its tax
 * (less `shipping_tax`), or the total, as the merchant chose; total as paid.
 */
export function amounts(order: Json, fallbackCurrency: string, mode?: CommissionBase): { base?: Money; total?: Money } {
  const currency = currencyOf(order.currency, fallbackCurrency);
  const total = majorAmount(order.total, currency, 'total');
  if (total === undefined) return {};
  const shipping = majorAmount(order.shipping_total, currency, 'shipping_total') ?? 0n;
  const tax = majorAmount(order.total_tax, currency, 'total_tax') ?? 0n;
  const shippingTax = majorAmount(order.shipping_tax, currency, 'shipping_tax') ?? 0n;
  // A fee-heavy or odd order can go below zero; commission is never negative on a sale (chooseBase floors at 0).
  const base = chooseBase(mode, { net: total - shipping - tax, tax: tax - shippingTax, total });
  return { base: { minor: base, currency }, total: { minor: total, currency } };
}

/**
 * `refunds[]`: the order's refunds so far, resent whole on every update, each `{ id, total }`
 * with a negative total and no line detail, so each is taken off pro rata, once, by its id.
 */
export function refunds(order: Json, fallbackCurrency: string): RefundPart[] {
  const currency = currencyOf(order.currency, fallbackCurrency);
  return asArray(order.refunds).flatMap((raw, i) => {
    const refund = asObject(raw);
    const id = refund && idText(refund.id, `refunds[${i}].id`);
    if (!refund || id === undefined) throw invalid(`refunds[${i}] has no id`);
    const total = typeof refund.total === 'string' ? refund.total.trim().replace(/^-/, '') : refund.total;
    const minor = majorAmount(total, currency, `refunds[${i}].total`);
    return minor === undefined || minor === 0n ? [] : [{ id: `woo:${id}`, amount: { minor, currency } }];
  });
}

/** WooCommerce 8.5+ order attribution: the first page of the visit, where `/r/CODE` sent the buyer. */
const SESSION_ENTRY = '_wc_order_attribution_session_entry';

/** `tracknow_click` in a landing URL (full or a path); undefined when absent or not a URL. */
export function clickFromLandingUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  try {
    return new URL(value.trim(), 'https://shop.invalid/').searchParams.get('tracknow_click') ?? undefined;
  } catch {
    return undefined;
  }
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

/** Hints in this order: coupons, meta_data (click, ref, utm, the landing page's click), the customer's note. */
export function hints(order: Json): AttributionHint[] {
  const found: [AttributionMethod, unknown][] = [];
  for (const line of asArray(order.coupon_lines)) found.push(['promo_code', asObject(line)?.code]);
  const meta = asArray(order.meta_data).map((m) => asObject(m) ?? {});
  for (const [key, method] of Object.entries(META_KEYS)) {
    for (const m of meta) if (m.key === key) found.push([method, m.value]);
  }
  for (const m of meta) if (m.key === SESSION_ENTRY) found.push(['click', clickFromLandingUrl(m.value)]);
  found.push(['track_message', order.customer_note]);
  return found.flatMap(([method, raw]) => {
    const value = text(raw);
    return value === undefined ? [] : [{ method, value }];
  });
}
