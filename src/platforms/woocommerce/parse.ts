import type { OrderEvent, OrderStatus } from '../../domain/order-event.js';
import { invalid } from '../../errors.js';
import type { MerchantSecrets, Parsed, WebhookRequest } from '../platform.js';
import { isoTime, parseJsonObject, requireOrderId, text } from '../payload.js';
import type { Json } from '../payload.js';
import { header } from '../signing.js';
import { amounts, hints, refunds, wooLines } from './fields.js';

const nonEmpty = (list: OrderEvent['refunds'] & object) => (list.length === 0 ? {} : { refunds: list });
import { orderStatus } from './status.js';

/** How each order topic sets the status; a deleted order is cancelled whatever it said. */
const TOPICS: Readonly<Record<string, (order: Json) => { status: OrderStatus; platformStatus: string }>> = {
  'order.created': fromStatus,
  'order.updated': fromStatus,
  'order.restored': fromStatus,
  'order.deleted': () => ({ status: 'cancelled', platformStatus: 'deleted' }),
};

function fromStatus(order: Json): { status: OrderStatus; platformStatus: string } {
  const status = text(order.status);
  if (status === undefined) throw invalid('the WooCommerce order has no status');
  return { status: orderStatus(status), platformStatus: status };
}

export function parseWooCommerce(req: WebhookRequest, merchant: MerchantSecrets, dedupeKey: string): Parsed {
  const topic = header(req, 'x-wc-webhook-topic')?.toLowerCase() ?? 'unknown';
  const order = parseJsonObject(req.rawBody, 'WooCommerce');
  const statusOf = TOPICS[topic];
  if (!statusOf) {
    const orderId = topic.startsWith('order.') ? text(order.id) : undefined;
    const reason = `WooCommerce topic ${topic} does not change a sale`;
    return orderId === undefined
      ? { kind: 'ignored', eventType: topic, reason }
      : { kind: 'ignored', eventType: topic, orderId, reason };
  }
  const orderId = requireOrderId(order.id, 'id');
  // *_gmt fields are UTC written without a zone suffix.
  const createdAt = isoTime(order.date_created_gmt, 'date_created_gmt', true);
  const eventTime = isoTime(order.date_modified_gmt, 'date_modified_gmt', true) ?? createdAt ?? req.receivedAt;
  if (!eventTime) throw invalid('the WooCommerce order has no date_modified_gmt or date_created_gmt');
  const event: OrderEvent = {
    platform: 'woocommerce',
    merchantId: merchant.id,
    externalOrderId: orderId,
    eventTime,
    orderedAt: createdAt,
    ...statusOf(order),
    ...amounts(order, merchant.currency, merchant.commissionBase),
    ...nonEmpty(refunds(order, merchant.currency)),
    ...wooLines(order, merchant.currency),
    hints: hints(order),
    dedupeKey,
  };
  return { kind: 'events', eventType: topic, orderId, events: [event] };
}
