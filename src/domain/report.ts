/**
 * `tracknow report`: the rules that turn grouped sums into report rows. Pure: the database does
 * the grouping (src/store/report-sql.ts); this file merges, derives conversion and sorts.
 */

export const REPORT_GROUPINGS = ['day', 'week', 'month', 'influencer', 'merchant', 'code', 'platform'] as const;
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];
export type TimeGrouping = Extract<ReportGrouping, 'day' | 'week' | 'month'>;

export const isReportGrouping = (value: string): value is ReportGrouping =>
  (REPORT_GROUPINGS as readonly string[]).includes(value);
export const isTimeGrouping = (by: ReportGrouping): by is TimeGrouping =>
  by === 'day' || by === 'week' || by === 'month';

/** Sales sums of one key in one currency, as the database grouped them. */
export interface SalesGroup {
  readonly key: string | null;
  readonly label: string | null;
  readonly currency: string;
  readonly orders: number;
  readonly salesMinor: bigint;
  readonly commissionMinor: bigint;
  readonly refundedMinor: bigint;
}

/** Clicks of one key (clicks have no currency). */
export interface ClicksGroup {
  readonly key: string | null;
  readonly label: string | null;
  readonly clicks: number;
}

/**
 * One row of the report. Clicks and conversion belong to the key, not to a currency: a key with
 * orders in two currencies repeats them on both rows, and its conversion counts all its orders.
 * `currency` is null only on a row of clicks without orders.
 */
export interface ReportRow {
  readonly key: string | null;
  readonly label: string | null;
  readonly currency: string | null;
  readonly clicks: number;
  readonly orders: number;
  /** Orders ÷ clicks of the key, rounded to 4 decimals; null when the key has no clicks or is null. */
  readonly conversion: number | null;
  readonly salesMinor: bigint;
  readonly commissionMinor: bigint;
  readonly refundedMinor: bigint;
}

const keyOf = (key: string | null) => (key === null ? '\u0000' : `k${key}`);

/** Orders ÷ clicks, 4 decimals (0.0307 is 3.07 %); null without clicks. */
export function conversion(orders: number, clicks: number): number | null {
  return clicks > 0 ? Math.round((orders / clicks) * 10_000) / 10_000 : null;
}

/**
 * Merges grouped sums into rows: groups of one key and currency are added up (the database may
 * split them), each key's clicks go on each of its currency rows, a key with clicks and no orders
 * gets one row without a currency. Sorted: time keys in order; other keys by currency, then
 * sales, orders and clicks (largest first), a null key last.
 */
export function assembleReport(
  by: ReportGrouping,
  sales: readonly SalesGroup[],
  clicks: readonly ClicksGroup[],
): ReportRow[] {
  const byKey = new Map<
    string,
    { key: string | null; label: string | null; clicks: number; currencies: Map<string, SalesGroup> }
  >();
  const entry = (key: string | null, label: string | null) => {
    let e = byKey.get(keyOf(key));
    if (!e) byKey.set(keyOf(key), (e = { key, label, clicks: 0, currencies: new Map() }));
    e.label ??= label;
    return e;
  };
  for (const g of sales) {
    const e = entry(g.key, g.label);
    const prev = e.currencies.get(g.currency);
    e.currencies.set(
      g.currency,
      prev
        ? {
            ...prev,
            orders: prev.orders + g.orders,
            salesMinor: prev.salesMinor + g.salesMinor,
            commissionMinor: prev.commissionMinor + g.commissionMinor,
            refundedMinor: prev.refundedMinor + g.refundedMinor,
          }
        : g,
    );
  }
  for (const g of clicks) entry(g.key, g.label).clicks += g.clicks;

  const rows: ReportRow[] = [];
  for (const e of byKey.values()) {
    const groups = [...e.currencies.values()];
    const orders = groups.reduce((n, g) => n + g.orders, 0);
    // A null key gathers what the grouping cannot place (clicks on a code for any merchant, on no
    // platform): its orders and clicks are not of one population, so no conversion.
    const common = {
      key: e.key,
      label: e.label,
      clicks: e.clicks,
      conversion: e.key === null ? null : conversion(orders, e.clicks),
    };
    if (groups.length === 0)
      rows.push({ ...common, currency: null, orders: 0, salesMinor: 0n, commissionMinor: 0n, refundedMinor: 0n });
    for (const g of groups) {
      rows.push({
        ...common,
        currency: g.currency,
        orders: g.orders,
        salesMinor: g.salesMinor,
        commissionMinor: g.commissionMinor,
        refundedMinor: g.refundedMinor,
      });
    }
  }
  return rows.sort(isTimeGrouping(by) ? byTime : byWeight);
}

const cmp = <T>(a: T, b: T) => (a < b ? -1 : a > b ? 1 : 0);
// Null keys and currencies last.
const cmpNullable = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : cmp(a, b);

function byTime(a: ReportRow, b: ReportRow): number {
  return cmpNullable(a.key, b.key) || cmpNullable(a.currency, b.currency);
}

function byWeight(a: ReportRow, b: ReportRow): number {
  return (
    cmpNullable(a.currency, b.currency) ||
    Number(a.key === null) - Number(b.key === null) ||
    cmp(b.salesMinor, a.salesMinor) ||
    b.orders - a.orders ||
    b.clicks - a.clicks ||
    cmpNullable(a.key, b.key)
  );
}

const DAY_MS = 86_400_000;
const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** The ISO 8601 week of a UTC date, as PostgreSQL's `to_char(d, 'IYYY-"W"IW')` writes it: "2026-W05". */
export function isoWeekKey(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  // The Thursday of the same week decides the ISO year.
  const thursday = new Date(day.getTime() + (3 - ((day.getUTCDay() + 6) % 7)) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The Monday (UTC) that starts an ISO week key; undefined when the key is not one. */
function mondayOfWeek(key: string): Date | undefined {
  const m = /^(\d{4})-W(\d{2})$/.exec(key);
  if (!m) return undefined;
  const jan4 = Date.UTC(Number(m[1]), 0, 4);
  const week1Monday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  return new Date(week1Monday + (Number(m[2]) - 1) * 7 * DAY_MS);
}

/** The bucket key of an instant for a time grouping (UTC): "2026-11-05", "2026-W45", "2026-11". */
export function timeKey(by: TimeGrouping, at: Date): string {
  return by === 'day' ? ymd(at) : by === 'week' ? isoWeekKey(at) : ymd(at).slice(0, 7);
}

function keyStart(by: TimeGrouping, key: string): Date | undefined {
  if (by === 'week') return mondayOfWeek(key);
  const d = new Date(by === 'day' ? `${key}T00:00:00Z` : `${key}-01T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function nextStart(by: TimeGrouping, start: Date): Date {
  if (by === 'month') return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return new Date(start.getTime() + (by === 'day' ? 1 : 7) * DAY_MS);
}

/**
 * Every bucket key from `first` to `last`, both included, so a chart shows quiet days as zero
 * rather than skipping them. At most `limit` keys (the last ones).
 */
export function bucketKeys(by: TimeGrouping, first: string, last: string, limit = 1000): string[] {
  const start = keyStart(by, first);
  const end = keyStart(by, last);
  if (!start || !end || start > end) return [];
  const keys: string[] = [];
  for (let at = start; at <= end; at = nextStart(by, at)) {
    keys.push(timeKey(by, at));
    if (keys.length > limit) keys.shift();
  }
  return keys;
}

const NO_KEY: Record<ReportGrouping, string> = {
  day: '(no date)',
  week: '(no date)',
  month: '(no date)',
  influencer: '(no influencer)',
  merchant: '(codes for any merchant)',
  code: '(creator links)',
  platform: '(clicks, any platform)',
};

/** How a key reads to a person: a name with the id's start, the key itself, or what a null key means. */
export function displayKey(by: ReportGrouping, key: string | null, label: string | null): string {
  if (key === null) return NO_KEY[by];
  return label === null ? key : `${label} (${key.slice(0, 8)})`;
}
