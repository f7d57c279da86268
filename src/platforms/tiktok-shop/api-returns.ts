import type { OrderEvent } from '../../domain/order-event.js';
import type { RefundPart } from '../../domain/refunds.js';
import type { MerchantSecrets } from '../platform.js';
import { asArray, asObject, currencyOf, idText, majorAmount, text, unixSeconds, type Json } from '../payload.js';
import { sha256Hex } from '../signing.js';

/** Return and cancellation statuses after which the money is back with the buyer. */
const COMPLETE = new Set(['RETURN_OR_REFUND_REQUEST_COMPLETE', 'CANCELLATION_REQUEST_COMPLETE', 'REFUND_SUCCESS']);

/** What a completed return of one order takes off, as an ingest delivery. */
export interface ReturnsDelivery {
  readonly orderId: string;
  /** `returns:<order id>:<hash of the returns applied>`: a new delivery only when TikTok's answer changes. */
  readonly dedupeKey: string;
  readonly body: string;
  readonly events: OrderEvent[];
}

/**
 * The refund of one return record: `refund_amount.refund_subtotal` (the merchandise after
 * discounts, pre-tax: line detail), else the sum of its lines' subtotals, else
 * `refund_total` taken off pro rata. Undefined for a record with no amount.
 */
export function returnRefund(ret: Json, fallbackCurrency: string): RefundPart | undefined {
  const id = idText(ret.return_id ?? ret.id, 'return_id');
  if (id === undefined) return undefined;
  const amount = asObject(ret.refund_amount) ?? {};
  const currency = currencyOf(amount.currency, fallbackCurrency);
  const subtotal = majorAmount(amount.refund_subtotal, currency, 'refund_amount.refund_subtotal');
  if (subtotal !== undefined) return { id: `return:${id}`, base: { minor: subtotal, currency } };
  let lines: bigint | undefined;
  for (const [i, raw] of asArray(ret.return_line_items).entries()) {
    const line = asObject(asObject(raw)?.refund_amount);
    const minor = majorAmount(line?.refund_subtotal, currency, `return_line_items[${i}].refund_amount.refund_subtotal`);
    if (minor !== undefined) lines = (lines ?? 0n) + minor;
  }
  if (lines !== undefined) return { id: `return:${id}`, base: { minor: lines, currency } };
  const total = majorAmount(amount.refund_total, currency, 'refund_amount.refund_total');
  return total === undefined ? undefined : { id: `return:${id}`, amount: { minor: total, currency } };
}

/**
 * Search Returns' records of one order as a refund notice: each completed return counted once by
 * its `return_id`. Undefined when none is complete (a request still in flight, or not seen yet).
 */
export function returnsDelivery(
  orderId: string,
  records: readonly Json[],
  merchant: MerchantSecrets,
  receivedAt: Date,
): ReturnsDelivery | undefined {
  const complete = records.filter(
    (r) => text(r.order_id) === orderId && COMPLETE.has((text(r.return_status) ?? '').toUpperCase()),
  );
  const refunds = complete.flatMap((r) => returnRefund(r, merchant.currency) ?? []);
  if (refunds.length === 0) return undefined;
  let eventTime: Date | undefined;
  for (const r of complete) {
    const t = unixSeconds(r.update_time, 'update_time') ?? unixSeconds(r.create_time, 'create_time');
    if (t && (!eventTime || t > eventTime)) eventTime = t;
  }
  const kept = complete.map((r) => ({
    return_id: r.return_id,
    order_id: r.order_id,
    return_type: r.return_type,
    return_status: r.return_status,
    refund_amount: r.refund_amount,
    update_time: r.update_time,
  }));
  const body = JSON.stringify({ type: 'SEARCH_RETURNS', order_id: orderId, return_orders: kept });
  const dedupeKey = `returns:${orderId}:${sha256Hex(Buffer.from(body)).slice(0, 16)}`;
  const event: OrderEvent = {
    platform: 'tiktok',
    merchantId: merchant.id,
    externalOrderId: orderId,
    eventTime: eventTime ?? receivedAt,
    status: 'refunded',
    platformStatus: 'RETURN_OR_REFUND_REQUEST_COMPLETE',
    refunds,
    hints: [],
    dedupeKey,
  };
  return { orderId, dedupeKey, body, events: [event] };
}
