import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { formatRatePercent, parseRatePercent } from '../../domain/commission.js';
import { normalizeCurrency } from '../../domain/currency.js';
import { inWindow, parseTiers, type Deal } from '../../domain/deals.js';
import { formatMajor, parseMajor } from '../../domain/money.js';
import { normalizeCode } from '../../domain/records.js';
import { conflict, notFound, usage } from '../../errors.js';
import { dealOfRow } from '../../store/deals-repo.js';
import { isUuid } from '../../store/pg-errors.js';
import type { Database, DealRow } from '../../store/schema.js';

/** `deal add` as the operator types it. */
export interface DealInput {
  readonly merchantId?: string;
  readonly rate?: string;
  readonly fixed?: string;
  readonly currency?: string;
  readonly influencerId?: string;
  readonly code?: string;
  readonly product?: string;
  readonly from?: string;
  readonly until?: string;
  readonly tiers?: string;
  readonly name?: string;
}

/** The `deal add|list|end --json` shape (CLI.md "deals"), plus `ended_at`. Rates are percent strings, money major-unit strings. */
export interface DealView {
  readonly id: string;
  readonly merchant_id: string;
  readonly influencer_id: string | null;
  readonly code: string | null;
  readonly product: string | null;
  readonly rate: string | null;
  readonly fixed: string | null;
  readonly currency: string | null;
  readonly from: Date | null;
  readonly until: Date | null;
  readonly tiers: { sales: number; rate: string }[] | null;
  readonly name: string | null;
  readonly ended_at: Date | null;
}

export const percentString = (ppm: number): string => String(formatRatePercent(ppm));

export function dealView(r: DealRow): DealView {
  return {
    id: r.id,
    merchant_id: r.merchant_id,
    influencer_id: r.influencer_id,
    code: r.code,
    product: r.product,
    rate: r.rate_ppm === null ? null : percentString(r.rate_ppm),
    fixed: r.fixed_minor === null || r.currency === null ? null : formatMajor(r.fixed_minor, r.currency),
    currency: r.currency,
    from: r.starts_at,
    until: r.until_at,
    tiers: r.tiers === null ? null : r.tiers.map(([sales, ppm]) => ({ sales, rate: percentString(ppm) })),
    name: r.name,
    ended_at: r.ended_at,
  };
}

/** An input through a pure rule; a bad value is a usage error (exit 2) about that field. */
function flag<T>(field: string, value: string | undefined, rule: (v: string) => T): T | undefined {
  if (value === undefined) return undefined;
  try {
    return rule(value);
  } catch (err) {
    if (err instanceof RangeError || (err as Error).name === 'MoneyFormatError')
      throw usage((err as Error).message, field);
    throw err;
  }
}

function uuidFlag(name: string, value: string | undefined): string | undefined {
  return flag(name, value, (v) => {
    if (!isUuid(v.trim())) throw new RangeError(`must be an id (a UUID), got ${JSON.stringify(v)}`);
    return v.trim().toLowerCase();
  });
}

function instantFlag(name: string, value: string | undefined): Date | undefined {
  return flag(name, value, (v) => {
    const d = new Date(v);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v.trim()) || Number.isNaN(d.getTime()))
      throw new RangeError(`must be an ISO 8601 time such as 2026-11-01T00:00:00Z, got ${JSON.stringify(v)}`);
    return d;
  });
}

function textFlag(name: string, value: string | undefined, max: number): string | undefined {
  return flag(name, value, (v) => {
    const t = v.trim();
    if (t === '' || t.length > max || /[\u0000-\u001f\u007f]/.test(t))
      throw new RangeError(`must be 1 to ${max} characters without control characters`);
    return t;
  });
}

async function mustExist(
  db: Kysely<Database>,
  table: 'merchants' | 'influencers',
  id: string,
  what: string,
  list: string,
): Promise<void> {
  const found = await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
  if (!found) throw notFound(`no ${what} with id ${id}; see \`tracknow ${list} list\``);
}

/** `deal add`: validates every flag (usage errors, exit 2), checks the merchant and influencer exist, inserts. */
export async function addDeal(db: Kysely<Database>, input: DealInput): Promise<DealView> {
  const merchantId = uuidFlag('merchantId', input.merchantId);
  if (merchantId === undefined) throw usage('is required: the merchant whose sales the deal pays', 'merchantId');
  if ((input.rate === undefined) === (input.fixed === undefined))
    throw usage('give exactly one of {@rate} PCT and {@fixed} AMOUNT {@currency} CUR');
  if (input.fixed !== undefined && input.currency === undefined)
    throw usage('needs {@currency} (the currency the amount is paid in)', 'fixed');
  if (input.fixed === undefined && input.currency !== undefined)
    throw usage('goes with {@fixed}; a {@rate} applies in any currency', 'currency');
  if (input.fixed !== undefined && input.product !== undefined)
    throw usage('pays per order and cannot be scoped with {@product}; use {@rate} for a product', 'fixed');
  if (input.tiers !== undefined && input.rate === undefined)
    throw usage('goes with {@rate} (tiers are rates)', 'tiers');
  const ratePpm = flag('rate', input.rate, parseRatePercent);
  const currency = flag('currency', input.currency, normalizeCurrency);
  const fixedMinor = currency === undefined ? undefined : flag('fixed', input.fixed, (v) => parseMajor(v, currency));
  if (fixedMinor !== undefined && fixedMinor < 0n) throw usage('must not be negative', 'fixed');
  const influencerId = uuidFlag('influencerId', input.influencerId);
  const code = flag('code', input.code, normalizeCode);
  const product = textFlag('product', input.product, 200);
  const name = textFlag('name', input.name, 200);
  const from = instantFlag('from', input.from);
  const until = instantFlag('until', input.until);
  if (from && until && from.getTime() >= until.getTime()) throw usage('must be before {@until}', 'from');
  const tiers = flag('tiers', input.tiers, parseTiers);
  await mustExist(db, 'merchants', merchantId, 'merchant', 'merchant');
  if (influencerId !== undefined) await mustExist(db, 'influencers', influencerId, 'influencer', 'influencer');
  const row = await db
    .insertInto('deals')
    .values({
      id: randomUUID(),
      merchant_id: merchantId,
      influencer_id: influencerId ?? null,
      code: code ?? null,
      product: product ?? null,
      rate_ppm: ratePpm ?? null,
      fixed_minor: fixedMinor ?? null,
      currency: currency ?? null,
      starts_at: from ?? null,
      until_at: until ?? null,
      tiers: tiers === undefined ? null : JSON.stringify(tiers.map((t) => [t.after, t.ratePpm])),
      name: name ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return dealView(row);
}

export interface DealFilter {
  readonly merchantId?: string;
  readonly influencerId?: string;
  /** Ended and expired deals too. */
  readonly all?: boolean;
}

/** `deal list`: the deals in force now (or all), oldest first. */
export async function listDeals(db: Kysely<Database>, filter: DealFilter = {}, now = new Date()): Promise<DealView[]> {
  const merchantId = uuidFlag('merchantId', filter.merchantId);
  const influencerId = uuidFlag('influencerId', filter.influencerId);
  let query = db.selectFrom('deals').selectAll().orderBy('seq');
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  if (influencerId !== undefined) query = query.where('influencer_id', '=', influencerId);
  const rows = await query.execute();
  return rows.filter((r) => filter.all || inForce(dealOfRow(r), now)).map(dealView);
}

/** In force: not ended and not expired (a deal that starts later is listed: it is agreed). */
const inForce = (d: Deal, now: Date) => inWindow({ ...d, from: null }, now);

/** `deal end`: the one change a deal allows; orders placed from `at` on fall to the next rule. */
export async function endDeal(db: Kysely<Database>, id: string, at?: string, now = new Date()): Promise<DealView> {
  const dealId = uuidFlag('dealId', id) as string;
  const endAt = instantFlag('at', at) ?? now;
  const row = await db.selectFrom('deals').selectAll().where('id', '=', dealId).executeTakeFirst();
  if (!row) throw notFound(`no deal with id ${id}; see \`tracknow deal list --all\``);
  const ended = await db
    .updateTable('deals')
    .set({ ended_at: endAt })
    .where('id', '=', dealId)
    .where('ended_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (!ended)
    throw conflict(
      `deal ${dealId} already ended at ${row.ended_at?.toISOString()}; deals are never edited in place, add a new one instead`,
    );
  return dealView(ended);
}
