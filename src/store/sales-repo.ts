import { sql, type RawBuilder } from 'kysely';
import type { AppliedRefund } from '../domain/refunds.js';
import type { SaleState } from '../domain/sale-lifecycle.js';
import type { AttributionMethod, OrderStatus } from '../domain/order-event.js';
import type { OrderKey } from './order-keys.js';
import type { Sale } from './schema.js';
import { instant, int8, jsonRows, quoteId, type Cell, type Column } from './json-rows.js';

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
    refunds: appliedRefunds(row.refunds),
    estimated: row.estimated,
    commissionRatePpm: row.commission_rate_ppm,
    commissionMinor: row.commission_minor,
    tiktokAffiliate: row.tiktok_affiliate,
    platformCommissionMinor: row.platform_commission_minor,
    orderedAt: row.ordered_at,
    lastEventAt: row.last_event_at,
    dealId: row.deal_id,
    fixedCommissionMinor: row.fixed_commission_minor,
    ratedBaseMinor: row.rated_base_minor,
    ratedCommissionPpm: row.rated_commission_ppm,
  };
}

/** The stored `refunds` list (jsonb, minor units as strings) as the lifecycle holds it. */
export function appliedRefunds(value: unknown): readonly AppliedRefund[] {
  const list = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(list)) return [];
  return list.map((r: { id: string; minor: string }) => ({ id: String(r.id), minor: BigInt(r.minor) }));
}

/** A JSON array inside the batch's one JSON parameter, read by `json_to_recordset` as jsonb. */
const refundsJson = (refunds: readonly AppliedRefund[]) =>
  refunds.map((r) => ({ id: r.id, minor: r.minor.toString() })) as unknown as Cell;

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
  refunds: ['jsonb', (w) => refundsJson(w.state.refunds), 'mutable'],
  estimated: ['boolean', (w) => w.state.estimated, 'mutable'],
  // Mutable: terms are chosen when a sale first earns (deals), then kept by the lifecycle.
  commission_rate_ppm: ['integer', (w) => w.state.commissionRatePpm, 'mutable'],
  commission_minor: ['bigint', (w) => int8(w.state.commissionMinor), 'mutable'],
  tiktok_affiliate: ['text', (w) => w.state.tiktokAffiliate],
  platform_commission_minor: ['bigint', (w) => int8(w.state.platformCommissionMinor), 'mutable'],
  ordered_at: ['timestamptz', (w) => instant(w.state.orderedAt), 'mutable'],
  last_event_at: ['timestamptz', (w) => instant(w.state.lastEventAt), 'mutable'],
  validated_at: ['timestamptz', (w) => instant(w.validatedAt)],
  cancelled_at: ['timestamptz', (w) => instant(w.cancelledAt), 'mutable'],
  reversed_at: ['timestamptz', (w) => instant(w.reversedAt), 'mutable'],
  deal_id: ['uuid', (w) => w.state.dealId ?? null, 'mutable'],
  fixed_commission_minor: ['bigint', (w) => int8(w.state.fixedCommissionMinor ?? null), 'mutable'],
  rated_base_minor: ['bigint', (w) => int8(w.state.ratedBaseMinor ?? null), 'mutable'],
  rated_commission_ppm: ['bigint', (w) => int8(w.state.ratedCommissionPpm ?? null), 'mutable'],
} satisfies Record<string, readonly [string, (w: SaleWrite) => Cell, 'mutable'?]>;

const ENTRIES = Object.entries(SALE_COLUMNS) as [string, readonly [string, (w: SaleWrite) => Cell, 'mutable'?]][];
// Built once: the statement's fixed text would otherwise be 75 query nodes per batch.
const JSON_COLUMNS = Object.fromEntries(ENTRIES.map(([name, [type, read]]) => [name, [type, read] as const]));
/** The columns a new sale is written with, their types and how each is read, in order (the backfill's COPY writes the same). */
export const SALE_WRITE_COLUMNS: Readonly<Record<string, Column<SaleWrite>>> = JSON_COLUMNS;
const NAMES = sql.raw(ENTRIES.map(([name]) => quoteId(name)).join(', '));
const MUTABLE = ENTRIES.filter(([, [, , m]]) => m).map(([name]) => quoteId(name));
/** `col = source.col` for every mutable column. */
const assignFrom = (source: string) => sql.raw(MUTABLE.map((col) => `${col} = ${source}.${col}`).join(', '));
const SETS = assignFrom('v');
const UPDATES = assignFrom('excluded');

/**
 * Inserts new sales and rewrites changed ones (one parameter, see `jsonRows`), unexecuted:
 * a rehearsal runs it as one part of its single write, checking nothing (it commits nothing).
 */
export function upsertSalesSql(writes: readonly SaleWrite[]): RawBuilder<unknown> {
  return sql`
    insert into sales (${NAMES}, updated_at)
    select ${NAMES}, now() from ${jsonRows(writes, JSON_COLUMNS)}
    on conflict (merchant_id, platform, external_order_id) do update set ${UPDATES}, updated_at = excluded.updated_at`;
}

/** Inserts sales no one has created yet, unexecuted; `returning` lists those written (a taken order is skipped). */
export function insertNewSalesSql(writes: readonly SaleWrite[]): RawBuilder<unknown> {
  return sql`
    insert into sales (${NAMES}, updated_at)
    select ${NAMES}, now() from ${jsonRows(writes, JSON_COLUMNS)}
    on conflict (merchant_id, platform, external_order_id) do nothing
    returning id`;
}

/**
 * Rewrites sales the caller read, each only if its row version (`xmin`) is still the one read,
 * unexecuted; `returning` lists those written (a sale changed since is skipped).
 */
export function updateReadSalesSql(writes: readonly (SaleWrite & { readonly version: string })[]): RawBuilder<unknown> {
  return sql`
    update sales as s set ${SETS}, updated_at = now()
    from ${jsonRows(writes, { ...JSON_COLUMNS, row_version: ['text', (w) => w.version] })}
    where s.id = v.id and s.xmin = v.row_version::xid
    returning s.id`;
}
