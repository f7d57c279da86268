import { bucketKeys, displayKey, isTimeGrouping } from '../../../domain/report.js';
import type { Report, ReportRowView } from '../report.js';

/** One bar of a chart. Numbers here only size glyphs and shapes; the exact amounts stay strings. */
export interface ChartPoint {
  readonly key: string;
  readonly label: string;
  readonly clicks: number;
  readonly orders: number;
  readonly sales: number;
  /** The exact amount, for labels and tooltips. */
  readonly salesText: string;
}

/** The currencies of a report's rows, in row order (rows of clicks only have none). */
export function reportCurrencies(report: Report): string[] {
  return [...new Set(report.rows.map((r) => r.currency).filter((c): c is string => c !== null))];
}

const point = (report: Report, r: ReportRowView): ChartPoint => ({
  key: r.key ?? '',
  label: displayKey(report.by, r.key, r.label),
  clicks: r.clicks,
  orders: r.orders,
  sales: Number(r.sales),
  salesText: r.sales,
});

/**
 * The bars of one currency's chart. Time groupings: every bucket from the first to the last
 * (quiet ones as zero, the last `limit`). Others: the `limit` largest keys.
 */
export function chartPoints(report: Report, currency: string, limit: number): ChartPoint[] {
  const rows = report.rows.filter((r) => r.currency === currency);
  const by = report.by;
  if (!isTimeGrouping(by)) return rows.slice(0, limit).map((r) => point(report, r));
  const timed = report.rows.filter((r) => r.key !== null);
  const first = timed[0]?.key;
  const last = timed[timed.length - 1]?.key;
  if (!first || !last) return [];
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const clicks = new Map(timed.map((r) => [r.key, r.clicks]));
  return bucketKeys(by, first, last, limit).map((key) => {
    const r = byKey.get(key);
    if (r) return point(report, r);
    return { key, label: key, clicks: clicks.get(key) ?? 0, orders: 0, sales: 0, salesText: '0' };
  });
}

/** A conversion as a percentage with two decimals; "-" without clicks. */
export const percent = (conversion: number | null) => (conversion === null ? '-' : `${(conversion * 100).toFixed(2)}%`);

/** The report's period in words, for headings. */
export function period(report: Pick<Report, 'from' | 'to'>): string {
  if (report.from === null && report.to === null) return 'over all time';
  // Midnight reads as its date; times are UTC either way.
  const when = (iso: string) => (iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso);
  return [report.from && `from ${when(report.from)}`, report.to && `until ${when(report.to)}`, '(UTC)']
    .filter(Boolean)
    .join(' ');
}
