import type { Money } from '../../domain/money.js';
import type { AttributionHint, AttributionMethod, OrderLine } from '../../domain/order-event.js';
import { chooseBase, type CommissionBase } from '../../domain/refunds.js';
import { orderLines } from '../lines.js';
import { invalid } from '../../errors.js';
import { asArray, asObject, currencyOf, majorAmount, text, unixSeconds } from '../payload.js';
import type { Json } from '../payload.js';

/**
 * A TikTok amount: a JSON integer is minor units (the seed's `"total_amount": 12550`), a
 * decimal string is major units (the Open API's `"79.90"`). A JSON fraction is refused.
 */
export function tiktokAmount(value: unknown, currency: string, field: string): bigint | undefined {
  if (typeof value !== 'number') return majorAmount(value, currency, field);
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalid(`${field} must be an integer in minor units or a decimal string, got ${value}`);
  return BigInt(value);
}

/**
 * Base and total from `payment` (or `data` itself): base is `sub_total`, else `total_amount`;
 * with `product_tax` (else `tax`) for `--commission-base with-tax`, or `total_amount` for `total`.
 */
export function amounts(data: Json, fallbackCurrency: string, mode?: CommissionBase): { base?: Money; total?: Money } {
  const payment = asObject(data.payment) ?? data;
  const currency = currencyOf(payment.currency ?? data.currency, fallbackCurrency);
  const total = tiktokAmount(payment.total_amount, currency, 'payment.total_amount');
  const subtotal = tiktokAmount(payment.sub_total, currency, 'payment.sub_total');
  const tax =
    tiktokAmount(payment.product_tax, currency, 'payment.product_tax') ??
    tiktokAmount(payment.tax, currency, 'payment.tax') ??
    0n;
  const net = subtotal ?? total;
  const base = net === undefined ? undefined : subtotal === undefined ? net : chooseBase(mode, { net, tax, total });
  return {
    ...(base !== undefined && { base: { minor: base, currency } }),
    ...(total !== undefined && { total: { minor: total, currency } }),
  };
}

/**
 * `line_items[]` of an Open API order (one item per unit): base = `sale_price` (after seller and
 * platform discounts, without tax), else `original_price` − `seller_discount`. Ids: `product_id`,
 * `sku_id`, `seller_sku`.
 */
export function tiktokLines(data: Json, fallbackCurrency: string): { lines?: OrderLine[] } {
  const payment = asObject(data.payment) ?? data;
  const currency = currencyOf(payment.currency ?? data.currency, fallbackCurrency);
  const lines = orderLines(data.line_items, currency, (l, i) => {
    const at = `line_items[${i}]`;
    const sale = tiktokAmount(l.sale_price, currency, `${at}.sale_price`);
    const original = tiktokAmount(l.original_price, currency, `${at}.original_price`);
    const discount = tiktokAmount(l.seller_discount, currency, `${at}.seller_discount`) ?? 0n;
    return {
      lineId: l.id,
      productId: l.product_id,
      skuId: l.sku_id,
      sku: l.seller_sku,
      quantity: l.quantity ?? 1,
      baseMinor: sale ?? (original === undefined ? undefined : original - discount),
    };
  });
  return lines ? { lines } : {};
}

/** `data.update_time`, else the envelope's `timestamp`, else when the listener received it. */
export function eventTime(body: Json, data: Json, receivedAt: Date | undefined): Date {
  const time =
    unixSeconds(data.update_time, 'data.update_time') ?? unixSeconds(body.timestamp, 'timestamp') ?? receivedAt;
  if (!time) throw invalid('the TikTok notification has neither data.update_time nor timestamp');
  return time;
}

/** Attribution hints in the payload's order: creator, promo codes, UTM, buyer message. */
export function hints(data: Json): AttributionHint[] {
  const creator = asObject(data.creator_info);
  const tracking = asObject(data.tracking_info);
  const found: [AttributionMethod, unknown][] = [
    ['creator_id', creator?.creator_id],
    ['creator_username', creator?.creator_username ?? creator?.username ?? data.creator_username],
    ...asArray(data.promotion_info).map((p): [AttributionMethod, unknown] => [
      'promo_code',
      asObject(p)?.promotion_code,
    ]),
    ['utm_source', tracking?.utm_source],
    ['utm_campaign', tracking?.utm_campaign],
    ['track_message', data.buyer_message],
  ];
  return found.flatMap(([method, raw]) => {
    const value = text(raw);
    return value === undefined ? [] : [{ method, value }];
  });
}
