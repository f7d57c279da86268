import { usernameKey } from '../../domain/attribution.js';
import { divRoundHalfUp, type Money } from '../../domain/money.js';
import type { AttributionHint, OrderEvent, OrderStatus } from '../../domain/order-event.js';
import { invalid } from '../../errors.js';
import { asArray, asObject, currencyOf, idText, majorAmount, text, unixSeconds, type Json } from '../payload.js';
import { sha256Hex } from '../signing.js';

/** An order of Search Seller Affiliate Orders ready for ingest: the stored body, its key, its event. */
export interface AffiliateOrderDelivery {
  readonly orderId: string;
  /** `affiliate:<order id>:<content hash>`: one delivery per state of the affiliate order. */
  readonly dedupeKey: string;
  readonly eventType: 'affiliate.order';
  readonly body: string;
  readonly event: OrderEvent;
}

/** Affiliate order statuses: only a cancelled order ends; a commission that is frozen or deducted is still a sale. */
const AFFILIATE_STATUS: Readonly<Record<string, OrderStatus>> = {
  PROCESSING: 'paid',
  COMPLETED: 'paid',
  FROZEN: 'paid',
  DEDUCTED: 'paid',
  CANCELLED: 'cancelled',
};

/** Statuses whose commission is settled: the actual payment replaces the estimate. */
const SETTLED: ReadonlySet<string> = new Set(['COMPLETED', 'DEDUCTED']);

interface SkuLine {
  readonly creator: string | undefined;
  readonly kept: Money;
  readonly platform: Money | undefined;
}

/**
 * Maps one affiliate order (`id`, `create_time`, `status`, `skus[]` with `creator_username`,
 * `quantity`, `price`, `estimated_paid_commission`, `actual_paid_commission`,
 * `refunded_quantity`, `returned_quantity`; money as `{amount, currency}`) onto an OrderEvent:
 * a creator-username hint, the base of the first creator's lines and TikTok's commission on
 * them, both on the quantities still kept (returns and refunds reduce both sides). With
 * `withPrices` (Get Order Detail does not know the order) the lines' prices are the order's amounts too.
 * Throws 'invalid' for an order without an id or create_time, or with unreadable amounts.
 */
export function affiliateOrderDelivery(
  order: Json,
  merchant: { id: string; currency: string },
  withPrices: boolean,
): AffiliateOrderDelivery {
  const orderId = idText(order.id ?? order.order_id, 'order.id');
  if (orderId === undefined) throw invalid('an affiliate order without an id');
  const createdAt = unixSeconds(order.create_time, `affiliate order ${orderId}: create_time`);
  if (createdAt === undefined) throw invalid(`affiliate order ${orderId} has no create_time`);
  const platformStatus = (text(order.status) ?? '').toUpperCase();
  const settled = SETTLED.has(platformStatus);
  const lines = asArray(order.skus).map((raw, n) =>
    skuLine(asObject(raw) ?? {}, `affiliate order ${orderId}: skus[${n}]`, merchant.currency, settled),
  );
  const currencies = new Set(lines.map((l) => l.kept.currency));
  if (currencies.size > 1) throw invalid(`affiliate order ${orderId} mixes currencies ${[...currencies].join(', ')}`);
  const creators = [...new Set(lines.flatMap((l) => (l.creator === undefined ? [] : [l.creator])))];
  const credited = lines.filter((l) => l.creator !== undefined && l.creator === creators[0]);
  const currency = lines[0]?.kept.currency ?? merchant.currency;
  const sum = (values: readonly Money[]): Money => ({ minor: values.reduce((a, m) => a + m.minor, 0n), currency });
  const platform = credited.every((l) => l.platform !== undefined) ? sum(credited.map((l) => l.platform!)) : undefined;
  const hints: AttributionHint[] = creators.map((value) => ({ method: 'creator_username', value }));
  const body = JSON.stringify(order);
  const dedupeKey = `affiliate:${orderId}:${sha256Hex(Buffer.from(body)).slice(0, 32)}`;
  const event: OrderEvent = {
    platform: 'tiktok',
    merchantId: merchant.id,
    externalOrderId: orderId,
    // The affiliate API names no update time: its events are as old as the order, so any detail names the status.
    eventTime: createdAt,
    orderedAt: createdAt,
    status: AFFILIATE_STATUS[platformStatus] ?? 'other',
    platformStatus: platformStatus || 'UNKNOWN',
    ...(withPrices && lines.length > 0
      ? { base: sum(lines.map((l) => l.kept)), total: sum(lines.map((l) => l.kept)) }
      : {}),
    ...(credited.length > 0 ? { attributedBase: sum(credited.map((l) => l.kept)) } : {}),
    ...(platform === undefined ? {} : { platformCommission: platform }),
    hints,
    dedupeKey,
  };
  return { orderId, dedupeKey, eventType: 'affiliate.order', body, event };
}

function skuLine(sku: Json, where: string, fallbackCurrency: string, settled: boolean): SkuLine {
  const quantity = count(sku.quantity, `${where}.quantity`) ?? 1n;
  const gone = [
    count(sku.refunded_quantity, `${where}.refunded_quantity`) ?? 0n,
    count(sku.returned_quantity, `${where}.returned_quantity`) ?? 0n,
  ];
  const goneMax = gone[0]! > gone[1]! ? gone[0]! : gone[1]!;
  const kept = goneMax >= quantity ? 0n : quantity - goneMax;
  const price = money(sku.price ?? sku.sale_price, `${where}.price`, fallbackCurrency) ?? {
    minor: 0n,
    currency: fallbackCurrency,
  };
  const actual = settled
    ? money(sku.actual_paid_commission, `${where}.actual_paid_commission`, price.currency)
    : undefined;
  const paid = actual ?? money(sku.estimated_paid_commission, `${where}.estimated_paid_commission`, price.currency);
  const share = (m: Money): Money => ({
    minor: quantity === 0n ? 0n : divRoundHalfUp(m.minor * kept, quantity),
    currency: m.currency,
  });
  const creator = text(sku.creator_username);
  return {
    creator: creator === undefined || usernameKey(creator) === '' ? undefined : usernameKey(creator),
    kept: { minor: price.minor * kept, currency: price.currency },
    platform: paid && share(paid),
  };
}

/** A money object `{amount, currency}` (amount a decimal string); absent or empty → undefined. */
function money(value: unknown, field: string, fallbackCurrency: string): Money | undefined {
  const object = asObject(value);
  const amount = object ? object.amount : value;
  const currency = currencyOf(object?.currency, fallbackCurrency);
  const minor = majorAmount(amount, currency, field);
  return minor === undefined ? undefined : { minor, currency };
}

function count(value: unknown, field: string): bigint | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const t = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d{1,9}$/.test(t)) throw invalid(`${field} is not a whole number: ${JSON.stringify(value)}`);
  return BigInt(t);
}
