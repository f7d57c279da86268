import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Deal } from '../domain/deals.js';
import { jsonRows } from './json-rows.js';
import type { Database, DealRow } from './schema.js';

/** A deal as the batch read carries it in JSON: bigints as text, instants as ISO strings. */
export type DealJson = [
  id: string,
  seq: number,
  merchantId: string,
  influencerId: string | null,
  code: string | null,
  product: string | null,
  ratePpm: number | null,
  fixedMinor: string | null,
  currency: string | null,
  from: string | null,
  until: string | null,
  endedAt: string | null,
  tiers: [number, number][] | null,
];

/** The `json_build_array` of one deal row `d`, in `DealJson` order. */
export const DEAL_JSON = sql`json_build_array(d.id, d.seq, d.merchant_id, d.influencer_id, d.code, d.product, d.rate_ppm,
  d.fixed_minor::text, d.currency, d.starts_at, d.until_at, d.ended_at, d.tiers)`;

const date = (v: string | Date | null) => (v === null ? null : new Date(v));

export function dealOfJson([
  id,
  seq,
  merchantId,
  influencerId,
  code,
  product,
  ratePpm,
  fixedMinor,
  currency,
  from,
  until,
  endedAt,
  tiers,
]: DealJson): Deal {
  return {
    id,
    seq: Number(seq),
    merchantId,
    influencerId,
    code,
    product,
    ratePpm,
    fixed: fixedMinor === null || currency === null ? null : { minor: BigInt(fixedMinor), currency },
    from: date(from),
    until: date(until),
    endedAt: date(endedAt),
    tiers: (tiers ?? []).map(([after, ratePpm]) => ({ after, ratePpm })),
  };
}

export function dealOfRow(r: DealRow): Deal {
  const fixed = r.fixed_minor === null ? null : r.fixed_minor.toString();
  return {
    ...dealOfJson([
      r.id,
      Number(r.seq),
      r.merchant_id,
      r.influencer_id,
      r.code,
      r.product,
      r.rate_ppm,
      fixed,
      r.currency,
      null,
      null,
      null,
      r.tiers,
    ]),
    from: r.starts_at,
    until: r.until_at,
    endedAt: r.ended_at,
  };
}

/** One influencer's month with one merchant: what tiers count. `month` is `YYYY-MM-01` (UTC). */
export interface TierKey {
  readonly influencerId: string;
  readonly merchantId: string;
  readonly month: string;
}

export const tierKeyString = (k: TierKey) => `${k.influencerId}|${k.merchantId}|${k.month}`;

/** The count tiers read, and the version of the month's guard row (0: none yet). */
export interface TierCount {
  readonly count: number;
  readonly version: bigint;
}

const TIER_COLUMNS = {
  i: ['uuid', (k: TierKey) => k.influencerId],
  m: ['uuid', (k: TierKey) => k.merchantId],
  mo: ['date', (k: TierKey) => k.month],
} as const;

/**
 * The influencer's earned sales with the merchant in each month (not cancelled, a commission
 * chosen), and each month's guard version, in ONE statement (same snapshot). Only batches whose
 * merchants have a tiered deal run it, so a batch costs three statements at most.
 */
export async function readTierCounts(db: Kysely<Database>, keys: readonly TierKey[]): Promise<Map<string, TierCount>> {
  const found = new Map<string, TierCount>();
  if (keys.length === 0) return found;
  const { rows } = await sql<{ i: string; m: string; mo: string; n: string; version: string | null }>`
    select k.i, k.m, to_char(k.mo, 'YYYY-MM-DD') as mo,
      (select count(*) from sales s where s.influencer_id = k.i and s.merchant_id = k.m
        and s.ordered_at >= k.mo::timestamp at time zone 'UTC' and s.ordered_at < (k.mo + interval '1 month')::timestamp at time zone 'UTC'
        and s.status <> 'cancelled' and s.commission_minor is not null)::text as n,
      (select g.version::text from deal_tier_months g where g.influencer_id = k.i and g.merchant_id = k.m and g.month = k.mo) as version
    from ${jsonRows(keys, TIER_COLUMNS, 'k')}`.execute(db);
  for (const r of rows)
    found.set(tierKeyString({ influencerId: r.i, merchantId: r.m, month: r.mo }), {
      count: Number(r.n),
      version: BigInt(r.version ?? '0'),
    });
  return found;
}

/**
 * A part of the batch's checked write: bumps each month's guard version from the one read, or
 * writes nothing for it when another writer bumped it since. A concurrent writer of the same month
 * waits on the row and then finds the version moved: the batch loses the race (40001) and retries
 * on the new count. `returning` lists the months bumped; the write expects all of them.
 */
export function tierGuardSql(keys: readonly (TierKey & { readonly version: bigint })[]): RawBuilder<unknown> {
  return sql`
    insert into deal_tier_months (influencer_id, merchant_id, month, version)
    select g.i, g.m, g.mo, g.next from ${jsonRows(keys, { ...TIER_COLUMNS, next: ['bigint', (k) => (k.version + 1n).toString()] }, 'g')}
    on conflict (influencer_id, merchant_id, month) do update set version = excluded.version
    where deal_tier_months.version = excluded.version - 1
    returning 1`;
}
