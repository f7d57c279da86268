import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, SaleStatus } from '../../src/store/schema.js';

/** Small builders that write rows directly, for tests of what comes after ingest. */

export const DAY_MS = 86_400_000;

/** `base` plus whole days (24 h of UTC time, like a hold day) and optional milliseconds. */
export const daysAfter = (base: Date, days: number, ms = 0) => new Date(base.getTime() + days * DAY_MS + ms);

export async function insertMerchant(
  db: Kysely<Database>,
  over: { name?: string; currency?: string; holdDays?: number; ratePpm?: number } = {},
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('merchants')
    .values({
      id,
      name: over.name ?? `Shop ${id.slice(0, 4)}`,
      currency: over.currency ?? 'EUR',
      hold_days: over.holdDays ?? 14,
      commission_rate_ppm: over.ratePpm ?? 150_000,
    })
    .execute();
  return id;
}

export interface InfluencerSpec {
  name?: string;
  email?: string | null;
  iban?: string | null;
  bic?: string | null;
  paypalEmail?: string | null;
}

export async function insertInfluencer(db: Kysely<Database>, over: InfluencerSpec = {}): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('influencers')
    .values({
      id,
      name: over.name ?? `Influencer ${id.slice(0, 4)}`,
      email: over.email ?? null,
      iban: over.iban ?? null,
      bic: over.bic ?? null,
      paypal_email: over.paypalEmail ?? null,
    })
    .execute();
  return id;
}

export interface SaleSpec {
  merchantId: string;
  orderedAt: Date;
  influencerId?: string | null;
  /** Default 'EUR'; null with `baseMinor: null` for an amount not known yet. */
  currency?: string | null;
  baseMinor?: bigint | null;
  /** Default 15 % of the base, rounded half-up. */
  commissionMinor?: bigint | null;
  status?: SaleStatus;
  orderStatus?: 'paid' | 'cancelled' | 'refunded' | 'unpaid' | 'other';
  platform?: 'tiktok' | 'shopify' | 'woocommerce';
  orderId?: string;
}

let orderSeq = 0;

function saleRow(s: SaleSpec) {
  const influencerId = s.influencerId === undefined ? null : s.influencerId;
  const baseMinor = s.baseMinor === undefined ? 10_000n : s.baseMinor;
  const currency = s.currency === undefined ? (baseMinor === null ? null : 'EUR') : s.currency;
  const commissionMinor =
    s.commissionMinor === undefined
      ? baseMinor === null
        ? null
        : (baseMinor * 150_000n + 500_000n) / 1_000_000n
      : s.commissionMinor;
  return {
    id: randomUUID(),
    merchant_id: s.merchantId,
    platform: s.platform ?? 'shopify',
    external_order_id: s.orderId ?? `T${++orderSeq}-${randomUUID().slice(0, 8)}`,
    status: s.status ?? 'pending',
    order_status: s.orderStatus ?? 'paid',
    influencer_id: influencerId,
    attribution_method: influencerId ? 'promo_code' : null,
    attribution_value: influencerId ? 'CODE' : null,
    currency,
    base_minor: baseMinor,
    total_minor: baseMinor,
    commission_rate_ppm: 150_000,
    commission_minor: commissionMinor,
    ordered_at: s.orderedAt,
    last_event_at: s.orderedAt,
    validated_at: s.status === 'validated' ? s.orderedAt : null,
  };
}

/** Inserts sales and returns their ids, in order. */
export async function insertSales(db: Kysely<Database>, specs: readonly SaleSpec[]): Promise<string[]> {
  const rows = specs.map(saleRow);
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('sales')
      .values(rows.slice(i, i + 500))
      .execute();
  return rows.map((r) => r.id);
}

export async function insertSale(db: Kysely<Database>, spec: SaleSpec): Promise<string> {
  const [id] = await insertSales(db, [spec]);
  return id as string;
}

/** A clawback as ingest writes it: the sale becomes reversed and a negative entry takes the commission back. */
export async function reverseSaleDirectly(db: Kysely<Database>, saleId: string): Promise<void> {
  const sale = await db.selectFrom('sales').selectAll().where('id', '=', saleId).executeTakeFirstOrThrow();
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('sales')
      .set({ status: 'reversed', order_status: 'refunded', reversed_at: new Date() })
      .where('id', '=', saleId)
      .execute();
    await trx
      .insertInto('ledger_entries')
      .values({
        influencer_id: sale.influencer_id as string,
        currency: sale.currency as string,
        amount_minor: -(sale.commission_minor as bigint),
        kind: 'reversal',
        sale_id: saleId,
      })
      .execute();
  });
}
