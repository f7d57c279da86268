import { randomUUID } from 'node:crypto';
import { asArray, asObject, type Json } from '../payload.js';
import type { MerchantSecrets } from '../platform.js';
import {
  fillMoney,
  isoSeconds,
  jsonId,
  major,
  randomDigits,
  templateMinor,
  type Fill,
  type Template,
  type TestEventKit,
} from '../test-event-kit.js';
import { shopifyTemplates } from './templates/index.js';

/** The Admin API version the headers claim; the payloads follow it. */
const API_VERSION = '2025-07';

const moneySet = (amount: string, currency: string) => ({
  shop_money: { amount, currency_code: currency },
  presentment_money: { amount, currency_code: currency },
});

/** An order topic: `--amount` is the merchandise (`subtotal_price`); shipping and tax are the template's. */
function order(template: Template, fill: Fill, body: Json): Json {
  const now = isoSeconds(fill.now);
  const templateCurrency = String(body.currency);
  const shipping = templateMinor(
    asObject(asObject(body.total_shipping_price_set)?.shop_money)?.amount,
    templateCurrency,
  );
  const tax = templateMinor(body.total_tax, templateCurrency);
  const money = fillMoney(fill, {
    minor: templateMinor(body.subtotal_price, templateCurrency),
    currency: templateCurrency,
  });
  const fmt = (minor: bigint) => major(minor, money.currency);
  const total = fmt(money.minor + shipping + tax);
  Object.assign(body, {
    id: jsonId(fill.orderId),
    admin_graphql_api_id: `gid://shopify/Order/${fill.orderId}`,
    created_at: now,
    processed_at: now,
    updated_at: now,
    ...(template.event === 'orders/cancelled' && { cancelled_at: now }),
    ...(fill.status !== undefined && { financial_status: fill.status }),
    currency: money.currency,
    presentment_currency: money.currency,
    subtotal_price: fmt(money.minor),
    total_line_items_price: fmt(money.minor),
    total_tax: fmt(tax),
    total_shipping_price_set: moneySet(fmt(shipping), money.currency),
    total_price: total,
    current_total_price: total,
    line_items: asArray(body.line_items).map((l, n) =>
      n === 0 ? { ...asObject(l), quantity: 1, price: fmt(money.minor) } : l,
    ),
  });
  if (fill.code !== undefined) body.discount_codes = [{ code: fill.code, amount: '0.00', type: 'fixed_amount' }];
  if (fill.utmSource !== undefined)
    body.landing_site = `/products/vitamin-c-serum?utm_source=${encodeURIComponent(fill.utmSource)}&utm_medium=social`;
  if (fill.buyerMessage !== undefined) body.note = fill.buyerMessage;
  if (fill.testOrder) body.test = true;
  return body;
}

/** refunds/create: `--amount` is the refunded merchandise of the first refund line. */
function refund(fill: Fill, body: Json): Json {
  const now = isoSeconds(fill.now);
  const lines = asArray(body.refund_line_items).map((l) => asObject(l) ?? {});
  const first = asObject(asObject(lines[0]?.subtotal_set)?.shop_money);
  const templateCurrency = String(first?.currency_code);
  const money = fillMoney(fill, { minor: templateMinor(first?.amount, templateCurrency), currency: templateCurrency });
  const amount = major(money.minor, money.currency);
  const orderId = jsonId(fill.orderId);
  Object.assign(body, {
    id: Number(randomDigits(9)),
    order_id: orderId,
    created_at: now,
    processed_at: now,
    refund_line_items: lines.map((l, n) =>
      n === 0
        ? {
            ...l,
            subtotal: Number(amount),
            subtotal_set: moneySet(amount, money.currency),
            total_tax_set: moneySet(major(0n, money.currency), money.currency),
          }
        : l,
    ),
    transactions: asArray(body.transactions).map((t) => ({
      ...asObject(t),
      order_id: orderId,
      amount,
      currency: money.currency,
    })),
  });
  return body;
}

export const shopifyTestEvents: TestEventKit = {
  platform: 'shopify',
  shapes: [],
  templates: shopifyTemplates,
  hints: ['code', 'utmSource', 'buyerMessage'],
  secretField: 'shopifySecret',
  build: (template, fill) =>
    template.event === 'refunds/create'
      ? refund(fill, structuredClone(template.body))
      : order(template, fill, structuredClone(template.body)),
  headers(event, fill, merchant: MerchantSecrets) {
    return {
      'Content-Type': 'application/json',
      'User-Agent': 'Shopify-Captain-Hook',
      'X-Shopify-Topic': event,
      // verify() refuses another shop's domain; unknown (offline): leave it out.
      ...(merchant.shopifyDomain ? { 'X-Shopify-Shop-Domain': merchant.shopifyDomain } : {}),
      'X-Shopify-Webhook-Id': fill.deliveryId,
      'X-Shopify-API-Version': API_VERSION,
      'X-Shopify-Triggered-At': fill.now.toISOString(),
    };
  },
  randomOrderId: () => randomDigits(13),
  randomDeliveryId: () => randomUUID(),
};
