import type { Kysely } from 'kysely';
import type { SaleState } from '../domain/sale-lifecycle.js';
import type { AttributionMethod, OrderStatus } from '../domain/order-event.js';
import { orderKeysIn, orderKeyString, type OrderKey } from './order-keys.js';
import type { Database, Sale } from './schema.js';

/** The existing sales of these orders, by order key string. */
export async function findSales(trx: Kysely<Database>, keys: readonly OrderKey[]): Promise<Map<string, Sale>> {
  if (keys.length === 0) return new Map();
  // Row locks: validate cannot move these sales while this batch decides on them.
  const rows = await trx.selectFrom('sales').selectAll().where(orderKeysIn(keys)).forUpdate().execute();
  return new Map(rows.map((r) => [orderKeyString({ merchantId: r.merchant_id, platform: r.platform, orderId: r.external_order_id }), r]));
}

export function saleState(row: Sale): SaleState {
  return {
    status: row.status,
    orderStatus: row.order_status as OrderStatus,
    platformStatus: row.platform_status,
    statusAt: row.status_at,
    influencerId: row.influencer_id,
    attributionMethod: row.attribution_method as AttributionMethod | null,
    attributionValue: row.attribution_value,
    clickId: row.click_id,
    currency: row.currency,
    baseMinor: row.base_minor,
    baseScope: row.base_scope,
    totalMinor: row.total_minor,
    amountsAt: row.amounts_at,
    refundedMinor: row.refunded_minor,
    commissionRatePpm: row.commission_rate_ppm,
    commissionMinor: row.commission_minor,
    orderedAt: row.ordered_at,
    lastEventAt: row.last_event_at,
  };
}

export interface SaleWrite {
  readonly id: string;
  readonly key: OrderKey;
  readonly state: SaleState;
  readonly validatedAt: Date | null;
  readonly cancelledAt: Date | null;
  readonly reversedAt: Date | null;
}

/** Inserts new sales and rewrites changed ones in one statement. */
export async function upsertSales(trx: Kysely<Database>, writes: readonly SaleWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const now = new Date();
  const rows = writes.map(({ id, key, state: s, validatedAt, cancelledAt, reversedAt }) => ({
    id,
    merchant_id: key.merchantId,
    platform: key.platform,
    external_order_id: key.orderId,
    status: s.status,
    order_status: s.orderStatus,
    platform_status: s.platformStatus,
    status_at: s.statusAt,
    influencer_id: s.influencerId,
    attribution_method: s.attributionMethod,
    attribution_value: s.attributionValue,
    click_id: s.clickId,
    currency: s.currency,
    base_minor: s.baseMinor,
    base_scope: s.baseScope,
    total_minor: s.totalMinor,
    amounts_at: s.amountsAt,
    refunded_minor: s.refundedMinor,
    commission_rate_ppm: s.commissionRatePpm,
    commission_minor: s.commissionMinor,
    ordered_at: s.orderedAt,
    last_event_at: s.lastEventAt,
    validated_at: validatedAt,
    cancelled_at: cancelledAt,
    reversed_at: reversedAt,
    updated_at: now,
  }));
  const mutable = [
    'status', 'order_status', 'platform_status', 'status_at', 'influencer_id', 'attribution_method', 'attribution_value', 'click_id', 'currency',
    'base_minor', 'base_scope', 'total_minor', 'amounts_at', 'refunded_minor', 'commission_minor', 'ordered_at', 'last_event_at', 'cancelled_at', 'reversed_at', 'updated_at',
  ] as const;
  await trx
    .insertInto('sales')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['merchant_id', 'platform', 'external_order_id']).doUpdateSet((eb) => Object.fromEntries(mutable.map((c) => [c, eb.ref(`excluded.${c}`)]))),
    )
    .execute();
}
