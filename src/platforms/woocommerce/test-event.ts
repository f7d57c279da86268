import { randomUUID } from 'node:crypto';
import { asArray, asObject, type Json } from '../payload.js';
import {
  fillMoney,
  gmtSeconds,
  jsonId,
  major,
  randomDigits,
  templateMinor,
  type Fill,
  type Template,
  type TestEventKit,
} from '../test-event-kit.js';
import { woocommerceTemplates } from './templates/index.js';

/** The store URL WooCommerce names in X-WC-Webhook-Source (tracknow does not check it). */
const SOURCE = 'https://shop.tracknow.test/';
const DATE_FIELDS = [
  'date_created',
  'date_created_gmt',
  'date_modified',
  'date_modified_gmt',
  'date_paid_gmt',
  'date_completed_gmt',
];

/** `--amount` is the merchandise: total = amount + shipping_total + total_tax (the parser's base). */
function build(template: Template, fill: Fill): Json {
  const body = structuredClone(template.body);
  const templateCurrency = String(body.currency);
  const shipping = templateMinor(body.shipping_total, templateCurrency);
  const tax = templateMinor(body.total_tax, templateCurrency);
  const base = templateMinor(body.total, templateCurrency) - shipping - tax;
  const money = fillMoney(fill, { minor: base, currency: templateCurrency });
  const fmt = (minor: bigint) => major(minor, money.currency);
  // Local and GMT times alike: the sender does not know the store's time zone.
  for (const field of DATE_FIELDS)
    if (body[field] !== null && body[field] !== undefined) body[field] = gmtSeconds(fill.now);
  Object.assign(body, {
    id: jsonId(fill.orderId),
    number: fill.orderId,
    ...(fill.status !== undefined && { status: fill.status }),
    currency: money.currency,
    shipping_total: fmt(shipping),
    total_tax: fmt(tax),
    total: fmt(money.minor + shipping + tax),
    line_items: asArray(body.line_items).map((l, n) =>
      n === 0
        ? {
            ...asObject(l),
            quantity: 1,
            subtotal: fmt(money.minor),
            total: fmt(money.minor),
            price: Number(fmt(money.minor)),
          }
        : l,
    ),
  });
  if (fill.code !== undefined)
    body.coupon_lines = [{ id: Number(randomDigits(3)), code: fill.code, discount: fmt(0n), discount_tax: fmt(0n) }];
  if (fill.utmSource !== undefined) {
    const others = asArray(body.meta_data).filter((m) => asObject(m)?.key !== '_wc_order_attribution_utm_source');
    body.meta_data = [
      ...others,
      { id: Number(randomDigits(5)), key: '_wc_order_attribution_utm_source', value: fill.utmSource },
    ];
  }
  if (fill.buyerMessage !== undefined) body.customer_note = fill.buyerMessage;
  return body;
}

export const woocommerceTestEvents: TestEventKit = {
  platform: 'woocommerce',
  shapes: [],
  templates: woocommerceTemplates,
  hints: ['code', 'utmSource', 'buyerMessage'],
  secretField: 'woocommerceSecret',
  build,
  headers(event, fill) {
    const [resource = 'order', action = 'updated'] = event.split('.');
    return {
      'Content-Type': 'application/json',
      'User-Agent': 'WooCommerce/9.3.3 Hookshot (WordPress/6.6.2)',
      'X-WC-Webhook-Source': SOURCE,
      'X-WC-Webhook-Topic': event,
      'X-WC-Webhook-Resource': resource,
      'X-WC-Webhook-Event': action,
      'X-WC-Webhook-ID': '1',
      'X-WC-Webhook-Delivery-ID': fill.deliveryId,
    };
  },
  randomOrderId: () => randomDigits(5),
  randomDeliveryId: () => randomUUID(),
};
