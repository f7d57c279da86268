import { codeKey } from './attribution.js';
import { PPM_PER_WHOLE, parseRatePercent } from './commission.js';
import { divRoundHalfUp, type Money } from './money.js';
import type { OrderLine } from './order-event.js';

/** A rate that applies once the influencer has `after` sales with the merchant in the UTC month. */
export interface Tier {
  readonly after: number;
  readonly ratePpm: number;
}

/** A commission deal as stored; never edited in place (ending it sets `endedAt`). */
export interface Deal {
  readonly id: string;
  /** Creation order: a larger `seq` is newer. */
  readonly seq: number;
  readonly merchantId: string;
  readonly influencerId: string | null;
  /** Upper-case tracking code. */
  readonly code: string | null;
  /** A platform product id or SKU id of an order line. */
  readonly product: string | null;
  /** Exactly one of a rate and a fixed amount. */
  readonly ratePpm: number | null;
  readonly fixed: Money | null;
  readonly from: Date | null;
  readonly until: Date | null;
  readonly endedAt: Date | null;
  readonly tiers: readonly Tier[];
}

/**
 * What a sale is paid on, chosen once (see `chooseTerms`) and kept: a refund recomputes on the
 * same terms (`commissionOnTerms`).
 */
export interface CommissionTerms {
  /** The most specific deal applied; null: the merchant's rate. */
  readonly dealId: string | null;
  /** The effective rate in ppm (for a mix of line rates, Σ base × rate ÷ Σ base, half-up); 0 for a fixed deal. */
  readonly ratePpm: number;
  /** A fixed deal: this much per order, in the sale's currency. */
  readonly fixedMinor: bigint | null;
  /** Lines under different rates: Σ line base and Σ line base × rate (ppm); null when one rate covers the order. */
  readonly ratedBaseMinor: bigint | null;
  readonly ratedCommissionPpm: bigint | null;
}

/** What the choice looks at: the sale as attributed, its lines and the influencer's count this month. */
export interface DealContext {
  readonly merchantId: string;
  readonly influencerId: string;
  /** The tracking code that attributed the sale (upper-case), if a code did. */
  readonly code: string | null;
  readonly orderedAt: Date;
  readonly currency: string;
  readonly baseMinor: bigint;
  readonly lines: readonly OrderLine[];
  readonly merchantRatePpm: number;
  /** The influencer's sales with this merchant in the order's UTC month, before this one. */
  readonly salesThisMonth: number;
}

/** influencer + product 3, product 2, influencer or code 1, a merchant-wide deal 0 (the merchant's own rate is below all). */
export function specificity(d: Deal): number {
  return (d.product !== null ? 2 : 0) + (d.influencerId !== null || d.code !== null ? 1 : 0);
}

/** Inside the deal's window: from ≤ t < until, and before it was ended. */
export function inWindow(d: Deal, t: Date): boolean {
  const at = t.getTime();
  if (d.from !== null && at < d.from.getTime()) return false;
  if (d.until !== null && at >= d.until.getTime()) return false;
  return d.endedAt === null || at < d.endedAt.getTime();
}

/** The rate of a rate deal for the `salesThisMonth + 1`-th sale: the highest tier reached, else its own rate. */
export function tierRate(d: Deal, salesThisMonth: number): number {
  let rate = d.ratePpm ?? 0;
  for (const t of d.tiers) if (salesThisMonth >= t.after) rate = t.ratePpm;
  return rate;
}

/** Among deals that apply, the most specific, then the newest. */
function best(deals: readonly Deal[]): Deal | undefined {
  let found: Deal | undefined;
  for (const d of deals) {
    if (!found || specificity(d) > specificity(found) || (specificity(d) === specificity(found) && d.seq > found.seq))
      found = d;
  }
  return found;
}

const matchesLine = (d: Deal, line: OrderLine) =>
  d.product !== null && (d.product === line.productId || d.product === line.skuId || d.product === line.sku);

/**
 * Chooses the terms of one sale. Pure: the same deals and context give the same terms whatever
 * order the deals are listed in (newest is `seq`, not list position).
 * - Order level: the deals without a product that match the merchant, influencer, code, window and
 *   (for fixed deals) the currency; the most specific, then the newest, wins. A fixed deal in another
 *   currency is skipped: the order falls to the next rule.
 * - Line level: each line takes the best product deal matching its product or SKU id (rate deals
 *   only: fixed deals pay per order and cannot name a product); a line without one takes the
 *   order-level rate. A fixed order-level deal pays only when no line has a product deal; otherwise
 *   its lines fall to the best rate deal below it.
 * - Rounding, once: commission = Σ(line base × line rate) in minor units × ppm, an exact integer,
 *   divided by 10^6 and rounded half-up at the very end. Rounding each line first would let two
 *   half-cent lines gain or lose a cent against the order's total; summing exact products first
 *   means an order under one rate earns exactly what base × rate gives, and a mixed order differs
 *   from the exact sum by at most half a minor unit. When the lines do not add up to the base (an
 *   order-level discount, an affiliate export's credited lines) each line's share is scaled by
 *   base ÷ Σ lines inside the same single division.
 */
export function chooseTerms(deals: readonly Deal[], ctx: DealContext): CommissionTerms {
  const code = ctx.code === null ? null : codeKey(ctx.code);
  const applies = deals.filter(
    (d) =>
      d.merchantId === ctx.merchantId &&
      (d.influencerId === null || d.influencerId === ctx.influencerId) &&
      (d.code === null || d.code === code) &&
      inWindow(d, ctx.orderedAt) &&
      (d.fixed === null || d.fixed.currency === ctx.currency),
  );
  const orderLevel = applies.filter((d) => d.product === null);
  const rateOrder = best(orderLevel.filter((d) => d.ratePpm !== null));
  const lines = ctx.lines.filter((l) => l.base.currency === ctx.currency && l.base.minor > 0n);
  const lineDeals = lines.map((l) => best(applies.filter((d) => d.ratePpm !== null && matchesLine(d, l))));
  const anyLineDeal = lineDeals.some((d) => d !== undefined);
  const top = best(orderLevel);
  if (top?.fixed && !anyLineDeal) {
    return { dealId: top.id, ratePpm: 0, fixedMinor: top.fixed.minor, ratedBaseMinor: null, ratedCommissionPpm: null };
  }
  const orderRate = rateOrder ? tierRate(rateOrder, ctx.salesThisMonth) : ctx.merchantRatePpm;
  if (!anyLineDeal) return single(rateOrder?.id ?? null, orderRate);
  let ratedBase = 0n;
  let rated = 0n;
  const rates = new Set<number>();
  for (const [n, line] of lines.entries()) {
    const d = lineDeals[n];
    const rate = d ? tierRate(d, ctx.salesThisMonth) : orderRate;
    rates.add(rate);
    ratedBase += line.base.minor;
    rated += line.base.minor * BigInt(rate);
  }
  const dealId = best(lineDeals.filter((d): d is Deal => d !== undefined))?.id ?? null;
  if (rates.size === 1) return single(dealId, [...rates][0]!);
  return {
    dealId,
    ratePpm: Number(divRoundHalfUp(rated, ratedBase)),
    fixedMinor: null,
    ratedBaseMinor: ratedBase,
    ratedCommissionPpm: rated,
  };
}

const single = (dealId: string | null, ratePpm: number): CommissionTerms => ({
  dealId,
  ratePpm,
  fixedMinor: null,
  ratedBaseMinor: null,
  ratedCommissionPpm: null,
});

/** The merchant's flat rate as terms (no deal). */
export const merchantTerms = (ratePpm: number): CommissionTerms => single(null, ratePpm);

/**
 * The commission on `netBaseMinor` under kept terms, rounded once, half-up. This is the hook a
 * refund calls with the remaining base: a fixed deal keeps paying its amount while anything of
 * the order remains (it pays per order) and nothing once the base is gone; a mixed-rate order
 * recomputes pro rata on Σ(base × rate) ÷ Σ base, exactly, in one division.
 */
export function commissionOnTerms(terms: CommissionTerms, netBaseMinor: bigint): bigint {
  const net = netBaseMinor > 0n ? netBaseMinor : 0n;
  if (terms.fixedMinor !== null) return net > 0n ? terms.fixedMinor : 0n;
  if (terms.ratedBaseMinor !== null && terms.ratedCommissionPpm !== null && terms.ratedBaseMinor > 0n) {
    return divRoundHalfUp(net * terms.ratedCommissionPpm, terms.ratedBaseMinor * BigInt(PPM_PER_WHOLE));
  }
  return divRoundHalfUp(net * BigInt(terms.ratePpm), BigInt(PPM_PER_WHOLE));
}

/** Parses `--tiers 3:20,10:25` (sales this month : percent), ascending and distinct. Throws RangeError. */
export function parseTiers(text: string): Tier[] {
  const parts = text.split(',').map((p) => p.trim());
  const tiers = parts.map((p) => {
    const m = /^(\d{1,6}):(.+)$/.exec(p);
    if (!m)
      throw new RangeError(`--tiers takes N:PCT pairs separated by commas (e.g. 3:20,10:25), got ${JSON.stringify(p)}`);
    const after = Number(m[1]);
    if (after < 1) throw new RangeError(`a tier's sale count must be at least 1, got ${after}`);
    return { after, ratePpm: parseRatePercent(m[2]!) };
  });
  for (let n = 1; n < tiers.length; n++) {
    if (tiers[n]!.after <= tiers[n - 1]!.after)
      throw new RangeError('--tiers must list sale counts in ascending order, each once');
  }
  return tiers;
}

/** The first instant of the UTC calendar month of `t`, as `YYYY-MM-01`: the tier count's key. */
export function monthOf(t: Date): string {
  return `${t.toISOString().slice(0, 7)}-01`;
}
