import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, SaleStatus } from '../../src/store/schema.js';
import { insertInfluencer, insertMerchant } from './sales-builder.js';

/** A sale as the report reads it, every column it groups or sums under the test's control. */
export interface ReportSale {
  merchantId: string;
  influencerId: string | null;
  orderedAt: string;
  currency: string | null;
  base: bigint | null;
  commission: bigint | null;
  status: SaleStatus;
  refunded?: bigint;
  platform?: string;
  method?: string;
  value?: string;
}

export async function insertReportSales(db: Kysely<Database>, sales: readonly ReportSale[]): Promise<void> {
  const rows = sales.map((s) => ({
    id: randomUUID(),
    merchant_id: s.merchantId,
    platform: s.platform ?? 'shopify',
    external_order_id: `R-${randomUUID().slice(0, 12)}`,
    status: s.status,
    order_status: s.status === 'cancelled' || s.status === 'reversed' ? 'refunded' : 'paid',
    influencer_id: s.influencerId,
    attribution_method: s.influencerId ? (s.method ?? 'promo_code') : null,
    attribution_value: s.influencerId ? (s.value ?? 'CODE') : null,
    currency: s.currency,
    base_minor: s.base,
    total_minor: s.base,
    refunded_minor: s.refunded ?? 0n,
    commission_rate_ppm: 150_000,
    commission_minor: s.commission,
    ordered_at: s.orderedAt,
    last_event_at: s.orderedAt,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('sales')
      .values(rows.slice(i, i + 500))
      .execute();
}

export async function insertClicks(db: Kysely<Database>, code: string, at: string, count: number): Promise<void> {
  if (count === 0) return;
  const rows = Array.from({ length: count }, () => ({ id: randomUUID(), code, clicked_at: at }));
  await db.insertInto('clicks').values(rows).execute();
}

/**
 * November 2026 in a small shop: Ann (code ANN10, bound to the EUR merchant) and Bob (code BOB,
 * any merchant), sales in every status, a partial refund, an amount not known yet, an
 * unattributed sale and one outside the month. The expected reports are in the tests.
 */
export async function seedReportWorld(db: Kysely<Database>) {
  const eur = await insertMerchant(db, { name: 'Glow EU', currency: 'EUR' });
  const usd = await insertMerchant(db, { name: 'Glow US', currency: 'USD' });
  const ann = await insertInfluencer(db, { name: 'Ann Lee' });
  const bob = await insertInfluencer(db, { name: 'Bob <b>Ray</b>' });
  await db
    .insertInto('tracking_codes')
    .values([
      { code: 'ANN10', influencer_id: ann, merchant_id: eur },
      { code: 'BOB', influencer_id: bob, merchant_id: null },
    ])
    .execute();
  await insertClicks(db, 'ANN10', '2026-11-02T10:00:00Z', 4);
  await insertClicks(db, 'ANN10', '2026-11-10T10:00:00Z', 2);
  await insertClicks(db, 'BOB', '2026-11-03T10:00:00Z', 5);
  await insertClicks(db, 'ANN10', '2026-10-31T23:00:00Z', 7);
  const a = { merchantId: eur, influencerId: ann, currency: 'EUR', value: 'ANN10' };
  await insertReportSales(db, [
    { ...a, orderedAt: '2026-11-02T09:00:00Z', base: 10000n, commission: 1500n, status: 'pending' },
    {
      ...a,
      orderedAt: '2026-11-02T23:30:00Z',
      base: 5000n,
      commission: 600n,
      status: 'validated',
      refunded: 1000n,
      platform: 'tiktok',
      method: 'click',
    },
    { ...a, orderedAt: '2026-11-10T12:00:00Z', base: 8000n, commission: 1200n, status: 'reversed' },
    {
      merchantId: usd,
      influencerId: bob,
      currency: 'USD',
      orderedAt: '2026-11-03T08:00:00Z',
      base: 20000n,
      commission: 3000n,
      status: 'validated',
      platform: 'woocommerce',
      method: 'utm_source',
      value: 'BOB',
    },
    {
      merchantId: eur,
      influencerId: bob,
      currency: 'EUR',
      orderedAt: '2026-11-03T09:00:00Z',
      base: 4000n,
      commission: 600n,
      status: 'cancelled',
      platform: 'tiktok',
      method: 'creator_id',
      value: '7494049642642441621',
    },
    {
      merchantId: usd,
      influencerId: bob,
      currency: null,
      orderedAt: '2026-11-04T09:00:00Z',
      base: null,
      commission: null,
      status: 'pending',
      value: 'BOB',
    },
    {
      merchantId: eur,
      influencerId: null,
      currency: 'EUR',
      orderedAt: '2026-11-02T09:00:00Z',
      base: 99900n,
      commission: null,
      status: 'pending',
    },
    { ...a, orderedAt: '2026-10-31T23:59:59Z', base: 7000n, commission: 1050n, status: 'validated' },
  ]);
  return { eur, usd, ann, bob };
}

export const NOVEMBER = { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };
