import type { Kysely } from 'kysely';
import { formatRatePercent } from '../../domain/commission.js';
import { formatMajor } from '../../domain/money.js';
import { usage } from '../../errors.js';
import { isUuid } from '../../store/pg-errors.js';
import type { Database, SaleStatus } from '../../store/schema.js';

export const SALE_STATUSES: readonly SaleStatus[] = ['pending', 'validated', 'cancelled', 'reversed'];

export interface SalesFilter {
  readonly merchantId?: string;
  readonly influencerId?: string;
  readonly status?: string;
  /** At most this many sales, newest first (default: all). */
  readonly limit?: number;
}

/** The `sales list --json` row: money as exact major-unit strings, null when the amount is unknown. */
export interface SaleView {
  readonly id: string;
  readonly merchant_id: string;
  readonly platform: string;
  readonly order_id: string;
  readonly influencer_id: string | null;
  readonly attribution: string | null;
  readonly amount: string | null;
  readonly commission: string | null;
  /** What the platform pays the creator itself (TikTok's affiliate program); null when it pays nothing. */
  readonly platform_commission: string | null;
  readonly currency: string | null;
  readonly status: SaleStatus;
  readonly ordered_at: Date;
  /** The commission base before refunds, and the part of it refunded so far (money strings). */
  readonly base: string | null;
  readonly refunded: string | null;
  /** The amounts are a conservative guess (a TikTok return reversed whole without API access). */
  readonly estimated: boolean;
  /** Deals (#19): the deal the sale was made under; null: the merchant's rate. */
  readonly deal_id: string | null;
  /** The effective rate in percent ("20", "22.5"); null under a fixed deal, whose amount is `commission`. */
  readonly commission_rate: string | null;
}

function checkId(value: string | undefined, field: string): void {
  if (value !== undefined && !isUuid(value)) throw usage(`must be an id (a UUID), got ${JSON.stringify(value)}`, field);
}

const money = (minor: bigint | null, currency: string | null) =>
  minor === null || currency === null ? null : formatMajor(minor, currency);

/** `sales list`: sales, newest order first, filtered by merchant, influencer and status. */
export async function listSales(db: Kysely<Database>, filter: SalesFilter = {}): Promise<SaleView[]> {
  checkId(filter.merchantId, 'merchantId');
  checkId(filter.influencerId, 'influencerId');
  const status = filter.status?.trim().toLowerCase();
  if (status !== undefined && !SALE_STATUSES.includes(status as SaleStatus)) {
    throw usage(`must be one of ${SALE_STATUSES.join(', ')}; got ${JSON.stringify(filter.status)}`, 'status');
  }
  if (filter.limit !== undefined && !(Number.isInteger(filter.limit) && filter.limit > 0))
    throw usage('must be a whole number ≥ 1', 'limit');
  let query = db
    .selectFrom('sales')
    .select([
      'id',
      'merchant_id',
      'platform',
      'external_order_id',
      'influencer_id',
      'attribution_method',
      'base_minor',
      'commission_minor',
      'currency',
      'status',
      'ordered_at',
      'refunded_minor',
      'estimated',
      'platform_commission_minor',
      'deal_id',
      'commission_rate_ppm',
      'fixed_commission_minor',
    ])
    .orderBy('ordered_at', 'desc')
    .orderBy('id');
  if (filter.merchantId !== undefined) query = query.where('merchant_id', '=', filter.merchantId);
  if (filter.influencerId !== undefined) query = query.where('influencer_id', '=', filter.influencerId);
  if (status !== undefined) query = query.where('status', '=', status as SaleStatus);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    merchant_id: r.merchant_id,
    platform: r.platform,
    order_id: r.external_order_id,
    influencer_id: r.influencer_id,
    attribution: r.attribution_method,
    amount: money(r.base_minor, r.currency),
    commission: money(r.commission_minor, r.currency),
    platform_commission: money(r.platform_commission_minor, r.currency),
    currency: r.currency,
    status: r.status,
    ordered_at: r.ordered_at,
    base: money(r.base_minor, r.currency),
    refunded: money(r.refunded_minor, r.currency),
    estimated: r.estimated,
    deal_id: r.deal_id,
    commission_rate: r.fixed_commission_minor === null ? String(formatRatePercent(r.commission_rate_ppm)) : null,
  }));
}
