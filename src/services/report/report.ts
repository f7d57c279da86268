import type { Kysely } from 'kysely';
import { formatMajor } from '../../domain/money.js';
import {
  assembleReport,
  isReportGrouping,
  REPORT_GROUPINGS,
  type ReportGrouping,
  type ReportRow,
} from '../../domain/report.js';
import { notFound, usage } from '../../errors.js';
import { isUuid } from '../../store/pg-errors.js';
import { reportGroups } from '../../store/report-sql.js';
import type { Database } from '../../store/schema.js';

export interface ReportOptions {
  /** Default `month`. */
  readonly by?: string;
  /** Inclusive; default: the beginning. */
  readonly from?: Date;
  /** Exclusive; default: no end. */
  readonly to?: Date;
  readonly merchantId?: string;
}

/** A row of `report --json`: money as exact major-unit strings beside its currency. */
export interface ReportRowView {
  readonly key: string | null;
  readonly currency: string | null;
  readonly clicks: number;
  readonly orders: number;
  readonly conversion: number | null;
  readonly sales: string;
  readonly commission: string;
  readonly refunded: string;
  /** The influencer's or merchant's name (null for other groupings). */
  readonly label: string | null;
}

export interface Report {
  readonly from: string | null;
  readonly to: string | null;
  readonly by: ReportGrouping;
  readonly merchant_id: string | null;
  readonly rows: ReportRowView[];
}

const money = (minor: bigint, currency: string | null) => (currency === null ? '0' : formatMajor(minor, currency));

export function rowView(r: ReportRow): ReportRowView {
  return {
    key: r.key,
    currency: r.currency,
    clicks: r.clicks,
    orders: r.orders,
    conversion: r.conversion,
    sales: money(r.salesMinor, r.currency),
    commission: money(r.commissionMinor, r.currency),
    refunded: money(r.refundedMinor, r.currency),
    label: r.label,
  };
}

/** Options checked: a known grouping, from ≤ to, a merchant id that is a UUID. */
export interface ReportScopeChecked {
  readonly by: ReportGrouping;
  readonly from?: Date;
  readonly to?: Date;
  readonly merchantId?: string;
}

/** Checks the options without the database (usage errors); `buildReport` checks them again. */
export function checkReportOptions(options: ReportOptions): ReportScopeChecked {
  const by = (options.by ?? 'month').trim().toLowerCase();
  if (!isReportGrouping(by))
    throw usage(`must be one of ${REPORT_GROUPINGS.join(', ')}; got ${JSON.stringify(options.by)}`, 'by');
  const { from, to, merchantId } = options;
  if (from && to && from > to)
    throw usage(`(${from.toISOString()}) is after {@to} (${to.toISOString()}); {@to} is the end of the period`, 'from');
  if (merchantId !== undefined && !isUuid(merchantId))
    throw usage(`must be a merchant id (a UUID), got ${JSON.stringify(merchantId)}`, 'merchantId');
  return { by, ...(from ? { from } : {}), ...(to ? { to } : {}), ...(merchantId !== undefined ? { merchantId } : {}) };
}

/**
 * `tracknow report`: clicks, attributed orders, conversion, sales, commission and refunds per
 * key and currency, over orders placed (and clicks made) in [from, to). One statement.
 */
export async function buildReport(db: Kysely<Database>, options: ReportOptions = {}): Promise<Report> {
  const scope = checkReportOptions(options);
  if (scope.merchantId !== undefined) {
    const found = await db.selectFrom('merchants').select('id').where('id', '=', scope.merchantId).executeTakeFirst();
    if (!found) throw notFound(`no merchant ${scope.merchantId}; see tracknow merchant list`);
  }
  const groups = await reportGroups(db, scope);
  return {
    from: scope.from?.toISOString() ?? null,
    to: scope.to?.toISOString() ?? null,
    by: scope.by,
    merchant_id: scope.merchantId ?? null,
    rows: assembleReport(scope.by, groups.sales, groups.clicks).map(rowView),
  };
}
