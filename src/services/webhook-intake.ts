import type { Kysely } from 'kysely';
import { parseCommissionBase } from '../domain/refunds.js';
import { TracknowError } from '../errors.js';
import { getPlatform, type MerchantSecrets, type WebhookRequest } from '../platforms/platform.js';
import { sha256Hex } from '../platforms/signing.js';
import { isUuid } from '../store/pg-errors.js';
import type { Database, Merchant } from '../store/schema.js';
import type { IngestItem } from './ingest.js';

/** The longest order id or idempotency key stored as sent. */
const MAX_KEY_CHARS = 200;

/** What a delivery turned into before ingestion: a ping to answer, or an item to ingest. */
export type Intake = { readonly kind: 'ping' } | { readonly kind: 'item'; readonly item: IngestItem };

export function merchantSecrets(m: Merchant): MerchantSecrets {
  return {
    id: m.id,
    currency: m.currency,
    tiktokAppKey: m.tiktok_app_key,
    tiktokAppSecret: m.tiktok_app_secret,
    tiktokShopId: m.tiktok_shop_id,
    shopifyDomain: m.shopify_domain,
    shopifySecret: m.shopify_secret,
    woocommerceSecret: m.woocommerce_secret,
    commissionBase: parseCommissionBase(m.commission_base ?? 'net'),
    // The same test as the enrichment trigger (migration 0004): a queued lookup can be made.
    tiktokApiAccess: Boolean(m.tiktok_app_key && m.tiktok_app_secret && (m.tiktok_access_token || m.tiktok_refresh_token)),
  };
}

export async function findMerchantSecrets(db: Kysely<Database>, merchantId: string): Promise<MerchantSecrets> {
  const merchant = isUuid(merchantId) ? await db.selectFrom('merchants').selectAll().where('id', '=', merchantId).executeTakeFirst() : undefined;
  if (!merchant) throw new TracknowError('not_found', `unknown merchant ${JSON.stringify(merchantId.slice(0, 80))}`);
  return merchantSecrets(merchant);
}

/** Headers worth keeping with the raw event: never the signature or cookies. */
function storedHeaders(headers: WebhookRequest['headers']): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || /authorization|signature|hmac|cookie|token/i.test(name)) continue;
    if (name.startsWith('x-') || name === 'content-type' || name === 'user-agent') keep[name] = value.slice(0, 500);
  }
  return keep;
}

/**
 * Verifies and parses one delivery for a merchant. Throws `unauthorized` (bad or missing
 * signature, wrong shop) or `invalid` (malformed body); nothing is written either way.
 */
export function intake(platformId: string, merchant: MerchantSecrets, req: WebhookRequest, source: IngestItem['inbox']['source'] = 'webhook'): Intake {
  const adapter = getPlatform(platformId);
  if (adapter.isPing?.(req)) return { kind: 'ping' };
  const verdict = adapter.verify(req, merchant);
  if (!verdict.ok) throw new TracknowError('unauthorized', verdict.reason);
  // Real keys are short; an over-long one keeps its identity as a hash (btree rows are bounded).
  const key = adapter.dedupeKey(req);
  const dedupeKey = key.length > MAX_KEY_CHARS ? `sha256:${sha256Hex(Buffer.from(key, 'utf8'))}` : key;
  const parsed = adapter.parse(req, merchant, dedupeKey);
  // Sales allow 200 characters (a check constraint); the inbox indexes the id as well.
  if (parsed.orderId !== undefined && parsed.orderId.length > MAX_KEY_CHARS) throw new TracknowError('invalid', `the order id is over ${MAX_KEY_CHARS} characters`);
  const inbox = {
    platform: adapter.id,
    merchantId: merchant.id,
    dedupeKey,
    source,
    eventType: parsed.eventType,
    orderId: parsed.orderId,
    headers: storedHeaders(req.headers),
    body: req.rawBody.toString('utf8'),
  };
  if (parsed.kind === 'ignored') return { kind: 'item', item: { inbox, events: [], ignoredReason: parsed.reason } };
  return { kind: 'item', item: { inbox, events: parsed.events } };
}
