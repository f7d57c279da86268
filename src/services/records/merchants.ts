import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { parseRatePercent } from '../../domain/commission.js';
import { normalizeCurrency } from '../../domain/currency.js';
import { parseAttributionWindow } from '../../domain/clicks.js';
import { parseCommissionBase } from '../../domain/refunds.js';
import { parseTikTokAffiliate } from '../../domain/platform-commission.js';
import {
  normalizeDomain,
  normalizeHttpUrl,
  parseHoldDays,
  requireCredential,
  requireName,
} from '../../domain/records.js';
import { notFound, usage } from '../../errors.js';
import { isUuid } from '../../store/pg-errors.js';
import { sealColumns } from '../../store/secret-box.js';
import type { Database, Merchant, MerchantUpdate } from '../../store/schema.js';
import { optional } from './validation.js';

/** Merchant fields as the operator types them; every one optional for `merchant set`. */
export interface MerchantInput {
  readonly name?: string;
  readonly currency?: string;
  readonly commissionRate?: string;
  readonly holdDays?: string;
  readonly storeUrl?: string;
  readonly tiktokAppKey?: string;
  readonly tiktokAppSecret?: string;
  readonly tiktokShopId?: string;
  readonly tiktokShopCipher?: string;
  readonly tiktokAccessToken?: string;
  readonly tiktokRefreshToken?: string;
  readonly tiktokTokenExpiresAt?: string;
  readonly shopifyDomain?: string;
  readonly shopifySecret?: string;
  readonly woocommerceSecret?: string;
  /** How long a click can attribute an order, e.g. `30d` (default 30 days). */
  readonly attributionWindow?: string;
  readonly commissionBase?: string;
  /** `top-up` (default), `none` or `on-top`: what tracknow owes when TikTok pays the creator itself. */
  readonly tiktokAffiliate?: string;
}

/** How secrets are stored: sealed with this key when it is set (TRACKNOW_ENCRYPTION_KEY). */
export interface MerchantWriteOptions {
  readonly encryptionKey?: Buffer | undefined;
}

function parseInstant(value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime()))
    throw new RangeError(`not an ISO 8601 time: ${JSON.stringify(value)}`);
  return d;
}

/** Validates every given field and maps it to its column; nothing reaches SQL unchecked. */
function toColumns(input: MerchantInput): MerchantUpdate {
  const columns: MerchantUpdate = {
    name: optional(input.name, (v) => requireName(v, 'merchant name')),
    currency: optional(input.currency, normalizeCurrency),
    commission_rate_ppm: optional(input.commissionRate, parseRatePercent),
    hold_days: optional(input.holdDays, parseHoldDays),
    store_url: optional(input.storeUrl, normalizeHttpUrl),
    tiktok_app_key: optional(input.tiktokAppKey, (v) => requireCredential(v, 'TikTok app key')),
    tiktok_app_secret: optional(input.tiktokAppSecret, (v) => requireCredential(v, 'TikTok app secret')),
    tiktok_shop_id: optional(input.tiktokShopId, (v) => requireCredential(v, 'TikTok shop id')),
    tiktok_shop_cipher: optional(input.tiktokShopCipher, (v) => requireCredential(v, 'TikTok shop cipher')),
    tiktok_access_token: optional(input.tiktokAccessToken, (v) => requireCredential(v, 'TikTok access token')),
    tiktok_refresh_token: optional(input.tiktokRefreshToken, (v) => requireCredential(v, 'TikTok refresh token')),
    tiktok_token_expires_at: optional(input.tiktokTokenExpiresAt, parseInstant),
    shopify_domain: optional(input.shopifyDomain, normalizeDomain),
    shopify_secret: optional(input.shopifySecret, (v) => requireCredential(v, 'Shopify secret')),
    woocommerce_secret: optional(input.woocommerceSecret, (v) => requireCredential(v, 'WooCommerce secret')),
    attribution_window_seconds: optional(input.attributionWindow, parseAttributionWindow),
    commission_base: optional(input.commissionBase, parseCommissionBase),
    tiktok_affiliate: optional(input.tiktokAffiliate, parseTikTokAffiliate),
  };
  return Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined)) as MerchantUpdate;
}

export async function addMerchant(
  db: Kysely<Database>,
  input: MerchantInput & { name: string },
  options: MerchantWriteOptions = {},
): Promise<Merchant> {
  const id = randomUUID();
  const columns = sealColumns(toColumns({ currency: 'USD', ...input }), options.encryptionKey, id);
  return db
    .insertInto('merchants')
    .values({ ...columns, id, name: columns.name as string, currency: columns.currency as string })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateMerchant(
  db: Kysely<Database>,
  id: string,
  input: MerchantInput,
  options: MerchantWriteOptions = {},
): Promise<Merchant> {
  const plain = toColumns(input);
  if (Object.keys(plain).length === 0) throw usage('nothing to change: give at least one new detail');
  await getMerchant(db, id);
  const columns = sealColumns(plain, options.encryptionKey, id);
  return db
    .updateTable('merchants')
    .set({ ...columns, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getMerchant(db: Kysely<Database>, id: string): Promise<Merchant> {
  const merchant = isUuid(id)
    ? await db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!merchant) throw notFound(`no merchant with id ${JSON.stringify(id)}; see \`tracknow merchant list\``);
  return merchant;
}

export async function listMerchants(db: Kysely<Database>): Promise<Merchant[]> {
  return db.selectFrom('merchants').selectAll().orderBy('created_at').orderBy('id').execute();
}
