import type { Kysely } from 'kysely';
import { attribute, type AttributionLookup } from '../../domain/attribution.js';
import { DEFAULT_RATE_PPM } from '../../domain/commission.js';
import { chooseTerms, monthOf, type Deal } from '../../domain/deals.js';
import type { OrderEvent } from '../../domain/order-event.js';
import type { SaleState, TermsChooser } from '../../domain/sale-lifecycle.js';
import type { OrderKey } from '../../store/order-keys.js';
import { readTierCounts, tierKeyString, type TierCount, type TierKey } from '../../store/deals-repo.js';
import type { Database } from '../../store/schema.js';

const CODE_METHODS = new Set(['promo_code', 'click', 'ref', 'utm_source', 'utm_campaign', 'track_message']);

/**
 * One ingest batch's view of the deals (#19): the merchants' deals from the batch read, the tier
 * counts (read only when a merchant of the batch has a tiered deal), the sales this batch adds
 * to each month's count, and the months whose count a decision used (the write checks them).
 */
export class DealBook {
  private readonly byMerchant = new Map<string, Deal[]>();
  private readonly tiered = new Set<string>();
  private counts = new Map<string, TierCount>();
  private readonly added = new Map<string, number>();
  private readonly used = new Map<string, TierKey>();

  constructor(
    deals: readonly Deal[],
    private readonly rates: ReadonlyMap<string, number>,
  ) {
    for (const d of deals) {
      this.byMerchant.set(d.merchantId, [...(this.byMerchant.get(d.merchantId) ?? []), d]);
      if (d.tiers.length > 0) this.tiered.add(d.merchantId);
    }
  }

  /**
   * Reads the counts of the months the batch's tiered sales may fall in (one statement, only when
   * a merchant has a tiered deal): the influencer each event would be attributed to, else its
   * sale's, and the month of its order.
   */
  async readCounts(
    db: Kysely<Database>,
    events: readonly OrderEvent[],
    saleOf: (e: OrderEvent) => SaleState | undefined,
    lookup: AttributionLookup,
  ): Promise<void> {
    if (this.tiered.size === 0) return;
    const keys = new Map<string, TierKey>();
    for (const e of events) {
      if (!this.tiered.has(e.merchantId)) continue;
      const sale = saleOf(e);
      const months = new Set([monthOf(e.orderedAt ?? e.eventTime), ...(sale ? [monthOf(sale.orderedAt)] : [])]);
      for (const influencerId of [attribute(e.merchantId, e.hints, lookup)?.influencerId, sale?.influencerId]) {
        if (!influencerId) continue;
        for (const month of months) {
          const key = { influencerId, merchantId: e.merchantId, month };
          keys.set(tierKeyString(key), key);
        }
      }
    }
    this.counts = await readTierCounts(db, [...keys.values()]);
  }

  /** Advisory lock keys for the order months of the batch's tiered merchants (none without tiers). */
  monthLocks(events: readonly OrderEvent[]): OrderKey[] {
    return events
      .filter((e) => this.tiered.has(e.merchantId))
      .map((e) => ({ merchantId: e.merchantId, platform: 'deal-tier', orderId: monthOf(e.orderedAt ?? e.eventTime) }));
  }

  /** The terms chooser for one event's sale; undefined when its merchant has no deal (the merchant's rate, as before). */
  chooser(event: OrderEvent): TermsChooser | undefined {
    const deals = this.byMerchant.get(event.merchantId);
    if (!deals) return undefined;
    const merchantRatePpm = this.rates.get(event.merchantId) ?? DEFAULT_RATE_PPM;
    return (s) => {
      const influencerId = s.influencerId ?? '';
      const code = s.attributionMethod !== null && CODE_METHODS.has(s.attributionMethod) ? s.attributionValue : null;
      return chooseTerms(deals, {
        merchantId: event.merchantId,
        influencerId,
        code,
        orderedAt: s.orderedAt,
        currency: s.currency ?? '',
        baseMinor: s.baseMinor ?? 0n,
        lines: event.lines ?? [],
        merchantRatePpm,
        salesThisMonth: this.salesBefore({ influencerId, merchantId: event.merchantId, month: monthOf(s.orderedAt) }),
      });
    };
  }

  /** After a transition: a sale that starts earning (not cancelled) joins its month's count. */
  count(before: SaleState | undefined, after: SaleState | undefined, merchantId: string): void {
    if (
      !this.tiered.has(merchantId) ||
      !after ||
      after.influencerId === null ||
      after.commissionMinor === null ||
      after.status === 'cancelled'
    )
      return;
    if (
      before &&
      before.commissionMinor !== null &&
      before.influencerId === after.influencerId &&
      before.status !== 'cancelled'
    )
      return;
    const key = { influencerId: after.influencerId, merchantId, month: monthOf(after.orderedAt) };
    const k = tierKeyString(key);
    this.added.set(k, (this.added.get(k) ?? 0) + 1);
    this.used.set(k, key);
  }

  /** The months whose count this batch used or changed, with the guard version read. */
  guards(): (TierKey & { version: bigint })[] {
    return [...this.used].map(([k, key]) => ({ ...key, version: this.counts.get(k)?.version ?? 0n }));
  }

  private salesBefore(key: TierKey): number {
    if (!this.tiered.has(key.merchantId)) return 0;
    const k = tierKeyString(key);
    this.used.set(k, key);
    return (this.counts.get(k)?.count ?? 0) + (this.added.get(k) ?? 0);
  }
}
