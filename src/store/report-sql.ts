import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ClicksGroup, ReportGrouping, SalesGroup } from '../domain/report.js';
import type { Database } from './schema.js';

/** What one report covers: ordered_at / clicked_at in [from, to), one merchant or all. */
export interface ReportScope {
  readonly by: ReportGrouping;
  readonly from?: Date;
  readonly to?: Date;
  readonly merchantId?: string;
}

interface Dimension {
  /** The group key over `s` (sales). */
  readonly sale: RawBuilder<unknown>;
  /** The group key over `c` (clicks) and `tc` (their tracking codes). */
  readonly click: RawBuilder<unknown>;
  /** The key as text, from the grouped value `k`. */
  readonly text: RawBuilder<unknown>;
  /** A readable name for the key, from `k`; null when the key is readable itself. */
  readonly label: RawBuilder<unknown>;
  /** Whether the click key needs the tracking code's row. */
  readonly joinCodes: boolean;
}

// Buckets are UTC; weeks are ISO weeks (Monday first), labelled like isoWeekKey() in the domain.
const time = (trunc: 'day' | 'week' | 'month', format: string): Dimension => {
  const bucket = (col: RawBuilder<unknown>) =>
    trunc === 'day'
      ? sql`(${col} at time zone 'UTC')::date`
      : sql`date_trunc(${sql.lit(trunc)}, ${col} at time zone 'UTC')`;
  return {
    sale: bucket(sql.ref('s.ordered_at')),
    click: bucket(sql.ref('c.clicked_at')),
    text: sql`to_char(k, ${sql.lit(format)})`,
    label: sql`null`,
    joinCodes: false,
  };
};

const DIMENSIONS: Record<ReportGrouping, Dimension> = {
  day: time('day', 'YYYY-MM-DD'),
  week: time('week', 'IYYY-"W"IW'),
  month: time('month', 'YYYY-MM'),
  influencer: {
    sale: sql`s.influencer_id`,
    click: sql`tc.influencer_id`,
    text: sql`k::text`,
    label: sql`(select name from influencers where id = k)`,
    joinCodes: true,
  },
  merchant: {
    sale: sql`s.merchant_id`,
    click: sql`tc.merchant_id`,
    text: sql`k::text`,
    label: sql`(select name from merchants where id = k)`,
    joinCodes: true,
  },
  // A creator link names no code: those sales group under a null code. A click is always on a code.
  code: {
    sale: sql`case when s.attribution_method not in ('creator_id', 'creator_username') then s.attribution_value end`,
    click: sql`c.code`,
    text: sql`k`,
    label: sql`null`,
    joinCodes: false,
  },
  // Clicks are not on any platform: they group under a null key.
  platform: { sale: sql`s.platform`, click: sql`null::text`, text: sql`k`, label: sql`null`, joinCodes: false },
};

const where = (conditions: RawBuilder<unknown>[]) =>
  conditions.length === 0 ? sql`` : sql`where ${sql.join(conditions, sql` and `)}`;

/**
 * The whole report in one statement, grouped in the database: attributed sales per key and
 * currency (orders, sales, commission still owed or credited, refunded or cancelled amounts) and
 * clicks per key. A sale whose amount is not known yet counts as an order in its merchant's
 * currency, with no amount. Returns the two kinds of groups for `assembleReport`.
 */
export async function reportGroups(
  db: Kysely<Database>,
  scope: ReportScope,
): Promise<{ sales: SalesGroup[]; clicks: ClicksGroup[] }> {
  const dim = DIMENSIONS[scope.by];
  const saleWhere: RawBuilder<unknown>[] = [sql`s.influencer_id is not null`];
  const clickWhere: RawBuilder<unknown>[] = [];
  if (scope.from) {
    saleWhere.push(sql`s.ordered_at >= ${scope.from}`);
    clickWhere.push(sql`c.clicked_at >= ${scope.from}`);
  }
  if (scope.to) {
    saleWhere.push(sql`s.ordered_at < ${scope.to}`);
    clickWhere.push(sql`c.clicked_at < ${scope.to}`);
  }
  // Clicks on a code that works for any merchant belong to no one merchant.
  if (scope.merchantId) {
    saleWhere.push(sql`s.merchant_id = ${scope.merchantId}`);
    clickWhere.push(sql`tc.merchant_id = ${scope.merchantId}`);
  }
  const codes = dim.joinCodes || scope.merchantId ? sql`join tracking_codes tc on tc.code = c.code` : sql``;
  const { rows } = await sql<GroupRow>`
    with sg as (
      select ${dim.sale} as k, s.currency, case when s.currency is null then s.merchant_id end as fallback_merchant,
        count(*) as orders,
        coalesce(sum(s.base_minor), 0) as sales,
        coalesce(sum(s.commission_minor) filter (where s.status in ('pending', 'validated')), 0) as commission,
        coalesce(sum(case when s.status in ('cancelled', 'reversed') then coalesce(s.base_minor, 0)
                          else least(s.refunded_minor, coalesce(s.base_minor, 0)) end), 0) as refunded
      from sales s
      ${where(saleWhere)}
      group by 1, 2, 3
    ), cg as (
      select ${dim.click} as k, count(*) as clicks
      from clicks c ${codes}
      ${where(clickWhere)}
      group by 1
    )
    select 'sales' as kind, ${dim.text} as key, ${dim.label} as label, coalesce(sg.currency, m.currency)::text as currency,
      orders, sales::text, commission::text, refunded::text, 0::int8 as clicks
    from sg left join merchants m on m.id = sg.fallback_merchant
    union all
    select 'clicks', ${dim.text}, ${dim.label}, null, 0::int8, '0', '0', '0', clicks
    from cg`.execute(db);
  const sales: SalesGroup[] = [];
  const clicks: ClicksGroup[] = [];
  for (const r of rows) {
    if (r.kind === 'clicks') clicks.push({ key: r.key, label: r.label, clicks: Number(r.clicks) });
    else {
      sales.push({
        key: r.key,
        label: r.label,
        currency: r.currency as string,
        orders: Number(r.orders),
        salesMinor: BigInt(r.sales),
        commissionMinor: BigInt(r.commission),
        refundedMinor: BigInt(r.refunded),
      });
    }
  }
  return { sales, clicks };
}

interface GroupRow {
  kind: 'sales' | 'clicks';
  key: string | null;
  label: string | null;
  currency: string | null;
  orders: bigint | number;
  sales: string;
  commission: string;
  refunded: string;
  clicks: bigint | number;
}
