import type { OrderEvent } from '../../domain/order-event.js';
import { invalid } from '../../errors.js';
import type { MerchantSecrets } from '../platform.js';
import { idText, type Json } from '../payload.js';
import { sha256Hex } from '../signing.js';
import { parseTikTok } from './parse.js';

/** The order fields tracknow reads; the inbox keeps these, not the buyer's address or phone. */
const KEPT = [
  'create_time',
  'update_time',
  'paid_time',
  'payment',
  'buyer_message',
  'creator_info',
  'creator_username',
  'promotion_info',
  'tracking_info',
  'line_items',
] as const;

/** An Open API order ready for ingest: the stored body, its key, and the events it carries. */
export interface ApiOrderDelivery {
  readonly orderId: string;
  /** `detail:<order id>:<update_time>`: one delivery per state of the order, however often it is fetched. */
  readonly dedupeKey: string;
  readonly eventType: string;
  /** The body stored in the inbox: a type-1 notification with the detail merged in, replayable like one. */
  readonly body: string;
  readonly events: OrderEvent[];
}

/**
 * Maps an order from Get Order Detail or Search Orders (`id`, `status`, decimal-string
 * `payment`, `buyer_message`, Unix times) onto the enriched notification shape the webhook
 * adapter already parses, and parses it there: one status map, one money parser, one set of
 * hint readers. Throws 'invalid' for an order without an id or with unreadable amounts.
 */
export function apiOrderDelivery(order: Json, merchant: MerchantSecrets, receivedAt = new Date()): ApiOrderDelivery {
  const orderId = idText(order.id ?? order.order_id, 'order.id');
  if (orderId === undefined) throw invalid('a TikTok order without an id');
  const updateTime = idText(order.update_time, 'order.update_time');
  const data: Json = { order_id: orderId, order_status: order.status ?? order.order_status };
  for (const field of KEPT) if (order[field] !== undefined) data[field] = order[field];
  const dedupeKey = `detail:${orderId}:${updateTime ?? sha256Hex(Buffer.from(JSON.stringify(data))).slice(0, 16)}`;
  const envelope: Json = {
    type: 1,
    tts_notification_id: dedupeKey,
    ...(merchant.tiktokShopId ? { shop_id: merchant.tiktokShopId } : {}),
    ...(updateTime === undefined ? {} : { timestamp: Number(updateTime) }),
    data,
  };
  const body = JSON.stringify(envelope);
  const parsed = parseTikTok({ headers: {}, rawBody: Buffer.from(body, 'utf8'), receivedAt }, merchant, dedupeKey);
  if (parsed.kind !== 'events') throw invalid(`TikTok order ${orderId}: ${parsed.reason}`);
  return { orderId, dedupeKey, eventType: parsed.eventType, body, events: parsed.events };
}
