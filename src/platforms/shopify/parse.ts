import type { Money } from '../../domain/money.js';
import type { OrderEvent, OrderStatus } from '../../domain/order-event.js';
import { invalid } from '../../errors.js';
import type { MerchantSecrets, Parsed, WebhookRequest } from '../platform.js';
import { chooseBase, type CommissionBase } from '../../domain/refunds.js';
import {
  asArray,
  asObject,
  currencyOf,
  idText,
  isoTime,
  majorAmount,
  parseJsonObject,
  requireOrderId,
  text,
} from '../payload.js';
import type { Json } from '../payload.js';
import { header } from '../signing.js';
import { shopifyLines } from './lines.js';
import { shopifyHints } from './hints.js';
import { financialStatus } from './status.js';

interface Context {
  readonly body: Json;
  readonly topic: string;
  readonly merchant: MerchantSecrets;
  readonly dedupeKey: string;
  readonly receivedAt: Date | undefined;
}

type Handler = (ctx: Context) => Parsed;

/** Test orders (`test: true`, a Bogus Gateway checkout) are stored and answered, but never earn. */
export const TEST_ORDER_REASON = 'Shopify test order (test: true): stored, but a test order never earns a commission';

/**
 * An order webhook: base `subtotal_price` (after discounts, before shipping and tax), less the
 * tax it includes when `taxes_included`; or with tax, or the total, as the merchant chose.
 */
function orderTopic(statusOf: (order: Json) => OrderStatus): Handler {
  return ({ body, topic, merchant, dedupeKey, receivedAt }) => {
    const orderId = requireOrderId(body.id, 'id');
    if (body.test === true) return { kind: 'ignored', eventType: topic, orderId, reason: TEST_ORDER_REASON };
    const currency = currencyOf(body.currency, merchant.currency);
    const money = (field: string): Money | undefined => {
      const minor = majorAmount(body[field], currency, field);
      return minor === undefined ? undefined : { minor, currency };
    };
    const subtotal = money('subtotal_price');
    const total = money('total_price');
    const status = statusOf(body);
    const eventTime =
      (topic === 'orders/cancelled' ? isoTime(body.cancelled_at, 'cancelled_at') : undefined) ??
      isoTime(body.updated_at, 'updated_at') ??
      isoTime(body.created_at, 'created_at') ??
      required(receivedAt);
    const event: OrderEvent = {
      platform: 'shopify',
      merchantId: merchant.id,
      externalOrderId: orderId,
      eventTime,
      orderedAt: isoTime(body.created_at, 'created_at'),
      status,
      platformStatus: status === 'cancelled' ? 'cancelled' : (text(body.financial_status) ?? 'unknown'),
      ...(subtotal && {
        base: { minor: shopifyBase(body, subtotal.minor, total?.minor, currency, merchant.commissionBase), currency },
      }),
      ...(total && { total }),
      ...optionalLines(shopifyLines(body, currency)),
      hints: shopifyHints(body),
      dedupeKey,
    };
    return { kind: 'events', eventType: topic, orderId, events: [event] };
  };
}

/**
 * refunds/create: a Refund object, not an order. Its merchandise (`refund_line_items[]`
 * subtotals, shop currency) is a refund with line detail, counted once by the refund's `id`;
 * shipping-only refunds carry 0.
 */
const refundTopic: Handler = ({ body, topic, merchant, dedupeKey, receivedAt }) => {
  const orderId = requireOrderId(body.order_id, 'order_id');
  const lines = asArray(body.refund_line_items).map((l) => asObject(l) ?? {});
  const shopMoney = (line: Json): Json | undefined => asObject(asObject(line.subtotal_set)?.shop_money);
  const currency = currencyOf(
    lines.map((l) => shopMoney(l)?.currency_code).find((c) => c !== undefined),
    merchant.currency,
  );
  let refunded = 0n;
  for (const [i, line] of lines.entries()) {
    const field = `refund_line_items[${i}].subtotal`;
    // subtotal_set carries the exact decimal string; the bare `subtotal` is a JSON number.
    const minor =
      majorAmount(shopMoney(line)?.amount, currency, `${field}_set`) ?? majorAmount(line.subtotal, currency, field);
    refunded += minor ?? 0n;
  }
  const event: OrderEvent = {
    platform: 'shopify',
    merchantId: merchant.id,
    externalOrderId: orderId,
    eventTime:
      isoTime(body.processed_at, 'processed_at') ?? isoTime(body.created_at, 'created_at') ?? required(receivedAt),
    status: 'refunded',
    platformStatus: 'refund',
    ...refundPart(body, dedupeKey, { minor: refunded, currency }),
    hints: [],
    dedupeKey,
  };
  return { kind: 'events', eventType: topic, orderId, events: [event] };
};

const byFinancialStatus = (order: Json): OrderStatus =>
  financialStatus(text(order.financial_status), order.cancelled_at);

const TOPICS: Readonly<Record<string, Handler>> = {
  'orders/create': orderTopic(byFinancialStatus),
  'orders/paid': orderTopic(byFinancialStatus),
  'orders/updated': orderTopic(byFinancialStatus),
  'orders/cancelled': orderTopic(() => 'cancelled'),
  'refunds/create': refundTopic,
};

const optionalLines = (lines: OrderEvent['lines']) => (lines ? { lines } : {});

function required(receivedAt: Date | undefined): Date {
  if (!receivedAt) throw invalid('the Shopify payload has no updated_at or created_at');
  return receivedAt;
}

export function parseShopify(req: WebhookRequest, merchant: MerchantSecrets, dedupeKey: string): Parsed {
  const topic = header(req, 'x-shopify-topic')?.toLowerCase() ?? 'unknown';
  const body = parseJsonObject(req.rawBody, 'Shopify');
  const handler = TOPICS[topic];
  if (!handler) {
    const orderId = text(topic.startsWith('orders/') ? body.id : body.order_id);
    const reason = `Shopify topic ${topic} does not change a sale`;
    return orderId === undefined
      ? { kind: 'ignored', eventType: topic, reason }
      : { kind: 'ignored', eventType: topic, orderId, reason };
  }
  return handler({ body, topic, merchant, dedupeKey, receivedAt: req.receivedAt });
}

/** The refund, by its own id (else, for a body without one, by the delivery). */
function refundPart(body: Json, dedupeKey: string, base: Money): Pick<OrderEvent, 'refunds' | 'refundedBase'> {
  const id = idText(body.id, 'id');
  return id === undefined ? { refundedBase: base } : { refunds: [{ id: `shopify:${id}`, base }] };
}

/** The commission base of an order in minor units (see `orderTopic`). */
function shopifyBase(
  body: Json,
  subtotal: bigint,
  total: bigint | undefined,
  currency: string,
  mode: CommissionBase | undefined,
): bigint {
  const tax = merchandiseTax(body, currency);
  const included = body.taxes_included === true;
  return chooseBase(mode, { net: included ? subtotal - tax : subtotal, tax, total });
}

/** The tax on merchandise: the line items' `tax_lines`, else `total_tax` less the shipping lines' tax. */
function merchandiseTax(body: Json, currency: string): bigint {
  const sumTaxLines = (owners: unknown, what: string) => {
    let sum: bigint | undefined;
    for (const [i, owner] of asArray(owners).entries()) {
      for (const [j, line] of asArray(asObject(owner)?.tax_lines).entries()) {
        const minor = majorAmount(asObject(line)?.price, currency, `${what}[${i}].tax_lines[${j}].price`);
        if (minor !== undefined) sum = (sum ?? 0n) + minor;
      }
    }
    return sum;
  };
  const lines = sumTaxLines(body.line_items, 'line_items');
  if (lines !== undefined) return lines;
  const totalTax = majorAmount(body.total_tax, currency, 'total_tax') ?? 0n;
  return totalTax - (sumTaxLines(body.shipping_lines, 'shipping_lines') ?? 0n);
}
