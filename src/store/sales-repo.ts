import { sql, type Kysely } from 'kysely';
import type { SaleState } from '../domain/sale-lifecycle.js';
import type { AttributionMethod, OrderStatus } from '../domain/order-event.js';
import { orderKeyString, type OrderKey } from './order-keys.js';
import type { Database, Sale } from './schema.js';
import { instant, int8, jsonRows, type Cell } from './json-rows.js';

/** The existing sales of these orders, by order key string. */
export async function findSales(trx: Kysely<Database>, keys: readonly OrderKey[]): Promise<Map<string, Sale>> {
  if (keys.length === 0) return new Map();
  const wanted = jsonRows(keys, { m: ['uuid', (k) => k.merchantId], p: ['text', (k) => k.platform], o: ['text', (k) => k.orderId] }, 'k');
  // The key list drives index probes (a tuple IN list is planned as one OR branch per order).
  // Row locks: validate cannot move these sales while this batch decides on them.
  const { rows } = await sql<Sale>`
    select s.* from ${wanted} join sales s on s.merchant_id = k.m and s.platform = k.p and s.external_order_id = k.o
    for update of s`.execute(trx);
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

/** The columns `upsertSales` writes, for `jsonRows`; `mutable` ones change on conflict. */
const SALE_COLUMNS = {
  id: ['uuid', (w) => w.id],
  merchant_id: ['uuid', (w) => w.key.merchantId],
  platform: ['text', (w) => w.key.platform],
  external_order_id: ['text', (w) => w.key.orderId],
  status: ['text', (w) => w.state.status, 'mutable'],
  order_status: ['text', (w) => w.state.orderStatus, 'mutable'],
  platform_status: ['text', (w) => w.state.platformStatus, 'mutable'],
  status_at: ['timestamptz', (w) => instant(w.state.statusAt), 'mutable'],
  influencer_id: ['uuid', (w) => w.state.influencerId, 'mutable'],
  attribution_method: ['text', (w) => w.state.attributionMethod, 'mutable'],
  attribution_value: ['text', (w) => w.state.attributionValue, 'mutable'],
  click_id: ['uuid', (w) => w.state.clickId, 'mutable'],
  currency: ['char(3)', (w) => w.state.currency, 'mutable'],
  base_minor: ['bigint', (w) => int8(w.state.baseMinor), 'mutable'],
  base_scope: ['text', (w) => w.state.baseScope, 'mutable'],
  total_minor: ['bigint', (w) => int8(w.state.totalMinor), 'mutable'],
  amounts_at: ['timestamptz', (w) => instant(w.state.amountsAt), 'mutable'],
  refunded_minor: ['bigint', (w) => int8(w.state.refundedMinor), 'mutable'],
  commission_rate_ppm: ['integer', (w) => w.state.commissionRatePpm],
  commission_minor: ['bigint', (w) => int8(w.state.commissionMinor), 'mutable'],
  ordered_at: ['timestamptz', (w) => instant(w.state.orderedAt), 'mutable'],
  last_event_at: ['timestamptz', (w) => instant(w.state.lastEventAt), 'mutable'],
  validated_at: ['timestamptz', (w) => instant(w.validatedAt)],
  cancelled_at: ['timestamptz', (w) => instant(w.cancelledAt), 'mutable'],
  reversed_at: ['timestamptz', (w) => instant(w.reversedAt), 'mutable'],
} satisfies Record<string, readonly [string, (w: SaleWrite) => Cell, 'mutable'?]>;

const ENTRIES = Object.entries(SALE_COLUMNS) as [string, readonly [string, (w: SaleWrite) => Cell, 'mutable'?]][];

/** Inserts new sales and rewrites changed ones in one statement (one parameter, see `jsonRows`). */
export async function upsertSales(trx: Kysely<Database>, writes: readonly SaleWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const rows = jsonRows(writes, Object.fromEntries(ENTRIES.map(([name, [type, read]]) => [name, [type, read] as const])));
  const names = sql.join(ENTRIES.map(([name]) => sql.id(name)));
  const updates = sql.join(ENTRIES.filter(([, [, , m]]) => m).map(([name]) => sql`${sql.id(name)} = excluded.${sql.id(name)}`));
  await sql`
    insert into sales (${names}, updated_at)
    select ${names}, now() from ${rows}
    on conflict (merchant_id, platform, external_order_id) do update set ${updates}, updated_at = excluded.updated_at`.execute(trx);
}
