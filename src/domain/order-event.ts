import type { Money } from './money.js';
import type { RefundPart } from './refunds.js';

export type PlatformId = 'tiktok' | 'shopify' | 'woocommerce';
export const PLATFORMS: readonly PlatformId[] = ['tiktok', 'shopify', 'woocommerce'];

/** A platform status, normalized. Only `paid` creates a live sale. */
export type OrderStatus = 'paid' | 'cancelled' | 'refunded' | 'unpaid' | 'other';

/**
 * How an attribution hint was found; the rank in `ATTRIBUTION_RANK` is the priority.
 * 1 creator; 2 promo code (and explicit references the merchant's store wrote on the order);
 * 3 utm / landing-site references; 4 a `TRACK:CODE` token in a buyer message or order note.
 */
export type AttributionMethod =
  'creator_id' | 'creator_username' | 'promo_code' | 'click' | 'ref' | 'utm_source' | 'utm_campaign' | 'track_message';

export const ATTRIBUTION_RANK: Readonly<Record<AttributionMethod, number>> = {
  creator_id: 1,
  creator_username: 1,
  promo_code: 2,
  click: 2,
  ref: 2,
  utm_source: 3,
  utm_campaign: 3,
  track_message: 4,
};

/**
 * One candidate for attribution. For `track_message` the value is the whole free text
 * (buyer message, order note); the attribution rule extracts the `TRACK:CODE` token.
 * For `click` the value is a click id.
 */
export interface AttributionHint {
  readonly method: AttributionMethod;
  readonly value: string;
}

/**
 * One order line (issue #19: deals by product apply per line). `base` is the line's pre-tax
 * subtotal after discounts, in the order's currency.
 */
export interface OrderLine {
  readonly lineId?: string;
  readonly productId?: string;
  readonly skuId?: string;
  /** The merchant's own SKU code (Shopify `sku`, WooCommerce `sku`, TikTok `seller_sku`), where one is set. */
  readonly sku?: string;
  readonly quantity?: number;
  readonly base: Money;
}

/** The normalized event every adapter produces and the ingest service consumes. */
export interface OrderEvent {
  readonly platform: PlatformId;
  readonly merchantId: string;
  readonly externalOrderId: string;
  /** When the platform says this state was reached; orders events per order. */
  readonly eventTime: Date;
  /** When the order was placed; the hold runs from here. Falls back to eventTime. */
  readonly orderedAt?: Date;
  readonly status: OrderStatus;
  /** The platform's own status text or code, for the record. */
  readonly platformStatus: string;
  /**
   * Commission base: merchandise subtotal after discounts, without shipping and tax, or the
   * order total where the source carries nothing better. Undefined when the event has no amounts.
   */
  readonly base?: Money;
  /** The order total the buyer paid, for display; may be undefined. */
  readonly total?: Money;
  /**
   * The base of only the lines a creator was credited for (TikTok Affiliate Center exports).
   * When this event's creator hint attributes the sale, commission is on these lines only,
   * and later whole-order bases do not replace it.
   */
  readonly attributedBase?: Money;
  /**
   * What the platform itself pays the creator on this order (TikTok's affiliate program: the
   * Affiliate Seller API or the Affiliate Center export), on the lines still kept.
   */
  readonly platformCommission?: Money;
  /** A partial refund of merchandise (Shopify refunds/create), reducing the base. */
  readonly refundedBase?: Money;
  /**
   * Partial refunds and returns this event reports, each counted once by its id (a WooCommerce
   * order resends its whole `refunds[]` on every update). They reduce the base; they do not end the order.
   */
  readonly refunds?: readonly RefundPart[];
  /** The amounts are a conservative guess (a TikTok return without API access reverses the whole order). */
  readonly estimated?: boolean;
  /** Attribution candidates in the source's own order; the rule sorts them by rank. */
  readonly hints: readonly AttributionHint[];
  /** The order's lines, where the source carries them (product deals apply per line). */
  readonly lines?: readonly OrderLine[];
  /** The idempotency key of this delivery (notification id, webhook id, body hash, row hash). */
  readonly dedupeKey: string;
}
