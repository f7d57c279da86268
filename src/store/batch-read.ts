import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { TikTokAffiliateMode } from '../domain/platform-commission.js';
import type { AttributionLookup, CodeEntry, LookupKeys } from '../domain/attribution.js';
import type { Deal } from '../domain/deals.js';
import { dealOfJson, DEAL_JSON, type DealJson } from './deals-repo.js';
import { inboxKey, type StoredDelivery } from './inbox-repo.js';
import { jsonRows } from './json-rows.js';
import { orderKeyString, type OrderKey } from './order-keys.js';
import { isUuid } from './pg-errors.js';
import { prepared } from './prepared.js';
import type { Database, Sale } from './schema.js';

/** What an ingest batch reads before it decides. */
export interface BatchWants {
  readonly orders: readonly OrderKey[];
  readonly deliveries: readonly { merchantId: string; platform: string; dedupeKey: string }[];
  readonly merchantIds: readonly string[];
  readonly lookup: LookupKeys;
  /** Lock the sales read (`for update`): inside a transaction that writes them after. */
  readonly forUpdate?: boolean;
}

/** A sale as read, with its row version (`xmin`): the write checks it is still the current one. */
export interface ReadSale {
  readonly row: Sale;
  readonly version: string;
}

export interface BatchState {
  /** Existing sales of the batch's orders by the caller's order key string. */
  readonly sales: Map<string, ReadSale>;
  /** Deliveries already in the inbox, by the caller's inbox key: duplicates. */
  readonly stored: Map<string, StoredDelivery>;
  /** Commission rate (ppm) per merchant. */
  readonly rates: Map<string, number>;
  /** `--tiktok-affiliate` per merchant: what a new sale is created with. */
  readonly affiliateModes: Map<string, TikTokAffiliateMode>;
  readonly lookup: AttributionLookup;
  /** The merchants' commission deals (#19). */
  readonly deals: Deal[];
}

type Pair<A, B = string> = [A, B];
type Row = Sale & { order_key: string | null; row_version: string | null; extra: Extra | null };
interface Extra {
  stored: [key: string, id: string, status: StoredDelivery['status'], outcome: string | null][] | null;
  rates: Pair<string, number>[] | null;
  affiliate: Pair<string, TikTokAffiliateMode>[] | null;
  creators: Pair<string>[] | null;
  usernames: Pair<string>[] | null;
  clicks: [id: string, code: string, clickedAtMs: number][] | null;
  windows: Pair<string, number>[] | null;
  codes: [code: string, influencerId: string, merchantId: string | null][] | null;
  deals?: DealJson[] | null;
}

/**
 * Everything a batch decides on, in ONE statement (one round trip): the existing sales of its
 * orders with their row versions, the deliveries already stored, the merchants' rates and the
 * creators, clicks and codes its hints name. The sales come back as typed rows; the rest rides
 * in one extra row as JSON (plain strings and integers, nothing lossy).
 */
export async function readBatchState(trx: Kysely<Database>, wants: BatchWants): Promise<BatchState> {
  const texts = (values: readonly string[]) => sql`json_array_elements_text(${JSON.stringify(values)}::json)`;
  const agg = (values: readonly string[], query: (list: RawBuilder<unknown>) => RawBuilder<unknown>) =>
    values.length ? sql`(${query(texts(values))})` : sql`null`;
  const { lookup } = wants;
  const clickIds = lookup.clickIds.filter(isUuid);
  // Rows come back under the caller's own key strings: a uuid matches in any letter case.
  // Key probes are lateral subqueries with a limit (the keys are unique): never flattened into a
  // join, so each key is an index probe, whatever the statistics say and however large the table
  // grows after the plan was made (the statement is prepared, its plan kept, see `prepared`).
  const keys = wants.deliveries.length
    ? sql`(select json_agg(json_build_array(k.key, w.id, w.status, w.outcome))
        from ${jsonRows(wants.deliveries, { key: ['text', inboxKey], m: ['uuid', (k) => k.merchantId], p: ['text', (k) => k.platform], d: ['text', (k) => k.dedupeKey] }, 'k')}
        cross join lateral (select w.id, w.status, w.outcome from webhook_events w
          where w.merchant_id = k.m and w.platform = k.p and w.dedupe_key = k.d limit 1) w)`
    : sql`null`;
  // Only active influencers' creator links and enabled codes attribute (influencer set --inactive, code disable).
  const active = (alias: string) =>
    sql`join influencers i on i.id = ${sql.ref(`${alias}.influencer_id`)} and i.inactive_at is null`;
  // Lists drive index probes (a join, not IN): a stale row estimate once made the planner rescan a list per row.
  const extra = sql`json_build_object(
    'stored', ${keys},
    'rates', ${agg(wants.merchantIds, (l) => sql`select json_agg(json_build_array(x.v, m.commission_rate_ppm)) from ${l} as x(v) join merchants m on m.id = x.v::uuid`)},
    'affiliate', ${agg(wants.merchantIds, (l) => sql`select json_agg(json_build_array(x.v, m.tiktok_affiliate)) from ${l} as x(v) join merchants m on m.id = x.v::uuid`)},
    'deals', ${agg(wants.merchantIds, (l) => sql`select json_agg(${DEAL_JSON}) from ${l} as x(v) join deals d on d.merchant_id = x.v::uuid`)},
    'creators', ${agg(lookup.creatorIds, (l) => sql`select json_agg(json_build_array(c.creator_id, c.influencer_id)) from ${l} as x(v) join creator_links c on c.creator_id = x.v ${active('c')}`)},
    'usernames', ${agg(lookup.usernames, (l) => sql`select json_agg(json_build_array(c.username, c.influencer_id)) from ${l} as x(v) join creator_links c on c.username = x.v ${active('c')}`)},
    'clicks', ${agg(clickIds, (l) => sql`select json_agg(json_build_array(x.v, c.code, floor(extract(epoch from c.clicked_at) * 1000))) from ${l} as x(v) join clicks c on c.id = x.v::uuid`)},
    'windows', ${clickIds.length ? agg(wants.merchantIds, (l) => sql`select json_agg(json_build_array(x.v, m.attribution_window_seconds)) from ${l} as x(v) join merchants m on m.id = x.v::uuid`) : sql`null`},
    'codes', ${
      lookup.codes.length || clickIds.length
        ? sql`(select json_agg(json_build_array(t.code, t.influencer_id, t.merchant_id))
            from (select x.v from ${texts(lookup.codes)} as x(v) union select c.code from ${texts(clickIds)} as y(v) join clicks c on c.id = y.v::uuid) as wanted(code)
            join tracking_codes t on t.code = wanted.code and t.disabled_at is null ${active('t')})`
        : sql`null`
    })`;
  const orders = [...new Map(wants.orders.map((k) => [orderKeyString(k), k])).values()];
  const query = orders.length
    ? sql<Row>`
        with found as materialized (
          select s.*, k.key as order_key
          from ${jsonRows(orders, { key: ['text', orderKeyString], m: ['uuid', (k) => k.merchantId], p: ['text', (k) => k.platform], o: ['text', (k) => k.orderId] }, 'k')}
          cross join lateral (select s.*, s.xmin::text as row_version from sales s
            where s.merchant_id = k.m and s.platform = k.p and s.external_order_id = k.o
            limit 1 ${wants.forUpdate ? sql`for update of s` : sql``}) s)
        select f.*, null::json as extra from found f
        union all
        select (null::sales).*, null, null, ${extra}`
    : sql<Row>`select (null::sales).*, null as row_version, null as order_key, ${extra} as extra`;
  const { rows } = await (prepared(query) as typeof query).execute(trx);
  const sales = new Map<string, ReadSale>();
  let found: Extra | undefined;
  for (const { extra: e, order_key: key, row_version: version, ...row } of rows) {
    if (e) found = e;
    else if (key !== null && version !== null) sales.set(key, { row, version });
  }
  if (!found) throw new Error('readBatchState: the lookup row is missing');
  const x = found;
  return {
    sales,
    stored: new Map((x.stored ?? []).map(([key, id, status, outcome]) => [key, { id, status, outcome }])),
    rates: new Map(x.rates ?? []),
    affiliateModes: new Map(x.affiliate ?? []),
    deals: (x.deals ?? []).map(dealOfJson),
    lookup: {
      creatorsById: new Map(x.creators ?? []),
      creatorsByUsername: new Map(x.usernames ?? []),
      codes: new Map<string, CodeEntry>(
        (x.codes ?? []).map(([code, influencerId, merchantId]) => [code, { influencerId, merchantId }]),
      ),
      clicks: new Map(
        (x.clicks ?? []).map(([id, code, clickedAtMs]) => [id, { code, clickedAtMs: Number(clickedAtMs) }]),
      ),
      clickWindows: new Map(x.windows ?? []),
    },
  };
}
