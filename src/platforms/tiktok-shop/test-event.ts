import { asObject, type Json } from '../payload.js';
import type { MerchantSecrets } from '../platform.js';
import {
  fillMoney,
  hasHints,
  major,
  minorNumber,
  randomDigits,
  type Fill,
  type Template,
  type TestEventKit,
} from '../test-event-kit.js';
import { tiktokTemplates } from './templates/index.js';

/** Where each notification type keeps its status: type 1, 11, 12 (and the seed's type 1). */
const STATUS_FIELDS = ['order_status', 'cancel_status', 'return_status'] as const;
const HINT_FIELDS = ['creator_info', 'promotion_info', 'tracking_info', 'buyer_message'] as const;

function build(template: Template, fill: Fill, merchant: MerchantSecrets): Json {
  const body = structuredClone(template.body);
  const data = asObject(body.data) ?? {};
  body.data = data;
  const seconds = Math.floor(fill.now.getTime() / 1000);
  body.timestamp = seconds;
  for (const field of ['update_time', 'create_time']) if (field in data) data[field] = seconds;
  data.order_id = fill.orderId;
  if (template.shape === 'notification') {
    body.tts_notification_id = fill.deliveryId;
    // verify() refuses a notification for another shop; unknown (offline): leave it out.
    if (merchant.tiktokShopId) body.shop_id = merchant.tiktokShopId;
    else delete body.shop_id;
  }
  if (fill.status !== undefined) {
    const field = STATUS_FIELDS.find((f) => f in data) ?? 'order_status';
    data[field] = /^\d+$/.test(fill.status) ? Number(fill.status) : fill.status;
  }
  const payment = asObject(data.payment);
  if (payment) {
    // The simple shape: an integer total in minor units.
    const money = fillMoney(fill, { minor: BigInt(Number(payment.total_amount)), currency: String(payment.currency) });
    data.payment = { ...payment, total_amount: minorNumber(money), currency: money.currency };
  } else if (fill.amount !== undefined) {
    // A real notification has no amounts; --amount merges order detail in (decimal strings).
    const money = fillMoney(fill, { minor: 0n, currency: fill.currency ?? merchant.currency });
    const text = major(money.minor, money.currency);
    data.payment = { currency: money.currency, sub_total: text, total_amount: text };
  }
  if (hasHints(fill)) {
    // The flags replace the template's hints, so --code is not outranked by its creator.
    for (const field of HINT_FIELDS) delete data[field];
    if (fill.creatorId !== undefined) data.creator_info = { creator_id: fill.creatorId };
    if (fill.code !== undefined) data.promotion_info = [{ promotion_code: fill.code }];
    if (fill.utmSource !== undefined) data.tracking_info = { utm_source: fill.utmSource };
    if (fill.buyerMessage !== undefined) data.buyer_message = fill.buyerMessage;
  }
  return body;
}

export const tiktokTestEvents: TestEventKit = {
  platform: 'tiktok',
  shapes: ['simple', 'notification'],
  templates: tiktokTemplates,
  hints: ['creatorId', 'code', 'utmSource', 'buyerMessage'],
  secretField: 'tiktokAppSecret',
  appKeyField: 'tiktokAppKey',
  build,
  headers: () => ({ 'Content-Type': 'application/json' }),
  randomOrderId: () => `5764${randomDigits(14)}`,
  randomDeliveryId: () => `7327${randomDigits(15)}`,
};
