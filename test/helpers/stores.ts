import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';
import { fixture, signatureVectors } from './fixtures.js';
import { post, type Reply } from './http.js';
import { SHOPIFY, WOO } from './world.js';

/** Shopify and WooCommerce deliveries as the platforms send them, signed independently of src/. */
export const base64Hmac = (secret: string, body: Buffer | string) =>
  createHmac('sha256', secret).update(body).digest('base64');

/** The fixture's independently computed signature (signature-vectors.json). */
export function vectorFor(bodyFile: string): string {
  const vector = signatureVectors.find((v) => v.body_file === bodyFile);
  if (!vector) throw new Error(`no signature vector for ${bodyFile}`);
  return vector.signature;
}

/** The Shopify order fixture with changes (a copy: the shared file is never edited). */
export function shopifyOrder(changes: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ...(JSON.parse(fixture('shopify/orders-create.json').toString('utf8')) as object),
    ...changes,
  });
}

/** A refunds/create body refunding `amounts` (major-unit strings) of merchandise. */
export function shopifyRefund(
  orderId: number,
  refundId: number,
  amounts: string[],
  processedAt = '2026-10-05T09:00:00-04:00',
): string {
  return JSON.stringify({
    id: refundId,
    order_id: orderId,
    created_at: processedAt,
    processed_at: processedAt,
    note: 'customer return',
    refund_line_items: amounts.map((amount, n) => ({
      id: refundId * 10 + n,
      quantity: 1,
      line_item_id: 14523678901234,
      subtotal: Number(amount),
      subtotal_set: {
        shop_money: { amount, currency_code: 'EUR' },
        presentment_money: { amount, currency_code: 'EUR' },
      },
    })),
    transactions: [],
  });
}

export interface ShopifyDelivery {
  readonly topic?: string;
  readonly webhookId: string;
  readonly domain?: string;
  readonly signature?: string;
  readonly merchantId: string;
}

export function sendShopify(url: string, body: string | Buffer, d: ShopifyDelivery): Promise<Reply> {
  return post(`${url}/api/webhook/shopify/${d.merchantId}`, body, {
    'x-shopify-topic': d.topic ?? 'orders/create',
    'x-shopify-hmac-sha256': d.signature ?? base64Hmac(SHOPIFY.secret, body),
    'x-shopify-shop-domain': d.domain ?? SHOPIFY.domain,
    'x-shopify-webhook-id': d.webhookId,
    'x-shopify-api-version': '2025-07',
  });
}

/** The WooCommerce order fixture with changes. */
export function wooOrder(changes: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ...(JSON.parse(fixture('woocommerce/order-created.json').toString('utf8')) as object),
    ...changes,
  });
}

export interface WooDelivery {
  readonly topic?: string;
  readonly deliveryId: string;
  readonly signature?: string;
  readonly merchantId: string;
}

export function sendWoo(url: string, body: string | Buffer, d: WooDelivery): Promise<Reply> {
  return post(`${url}/api/webhook/woocommerce/${d.merchantId}`, body, {
    'x-wc-webhook-topic': d.topic ?? 'order.created',
    'x-wc-webhook-resource': 'order',
    'x-wc-webhook-signature': d.signature ?? base64Hmac(WOO.secret, body),
    'x-wc-webhook-delivery-id': d.deliveryId,
    'x-wc-webhook-source': 'https://glow.example.com/',
  });
}

/** Row counts of everything a rejected or duplicate delivery must leave alone. */
export async function counts(db: Kysely<Database>) {
  const n = async (table: 'sales' | 'webhook_events' | 'ledger_entries' | 'notifications' | 'clicks') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    sales: await n('sales'),
    events: await n('webhook_events'),
    ledger: await n('ledger_entries'),
    notifications: await n('notifications'),
    clicks: await n('clicks'),
  };
}

/** Stands in for `validate`: the sale becomes validated and its commission is credited. */
export async function markValidated(db: Kysely<Database>, saleId: string): Promise<void> {
  const sale = await db.selectFrom('sales').selectAll().where('id', '=', saleId).executeTakeFirstOrThrow();
  await db
    .updateTable('sales')
    .set({ status: 'validated', validated_at: new Date() })
    .where('id', '=', saleId)
    .execute();
  await db
    .insertInto('ledger_entries')
    .values({
      influencer_id: sale.influencer_id!,
      currency: sale.currency!,
      amount_minor: sale.commission_minor!,
      kind: 'credit',
      sale_id: saleId,
    })
    .execute();
}

export async function ledgerOf(db: Kysely<Database>, saleId: string) {
  return db
    .selectFrom('ledger_entries')
    .select(['kind', 'amount_minor'])
    .where('sale_id', '=', saleId)
    .orderBy('id')
    .execute();
}
