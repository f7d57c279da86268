import type { Kysely } from 'kysely';
import { parseCommissionBase } from '../../domain/refunds.js';
import { TracknowError } from '../../errors.js';
import { getPlatform, type MerchantSecrets, type PlatformId, type WebhookRequest } from '../../platforms/platform.js';
import { sha256Hex } from '../../platforms/signing.js';
import { isUuid } from '../../store/pg-errors.js';
import type { Database, Merchant } from '../../store/schema.js';
import { openColumn, type SecretColumn } from '../../store/secret-box.js';
import { hasTiktokApiAccess, tiktokApiAccessOf } from '../../store/tiktok-merchants.js';
import type { IngestItem } from './ingest.js';

/** The longest order id or idempotency key stored as sent. */
const MAX_KEY_CHARS = 200;

/** A 401: `message` (what failed) goes to the caller; `hint` (the merchant's configuration, the fix) only to the operator's log. */
export class RejectedDelivery extends TracknowError {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super('unauthorized', message);
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
function isUtf8(bytes: Buffer): boolean {
  try {
    STRICT_UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** What a delivery turned into before ingestion: a ping to answer, or an item to ingest. */
export type Intake = { readonly kind: 'ping' } | { readonly kind: 'item'; readonly item: IngestItem };

/** The merchant columns each platform's adapter reads: the listener fetches and caches only these. */
const PLATFORM_COLUMNS = {
  tiktok: ['tiktok_app_key', 'tiktok_app_secret', 'tiktok_shop_id'],
  shopify: ['shopify_domain', 'shopify_secret'],
  woocommerce: ['woocommerce_secret'],
} as const satisfies Record<PlatformId, readonly (keyof Merchant)[]>;
const ALL_COLUMNS = [...PLATFORM_COLUMNS.tiktok, ...PLATFORM_COLUMNS.shopify, ...PLATFORM_COLUMNS.woocommerce];

type SecretRow = Pick<Merchant, 'id' | 'currency'> &
  Partial<
    Pick<Merchant, (typeof ALL_COLUMNS)[number] | 'commission_base' | 'tiktok_access_token' | 'tiktok_refresh_token'>
  > & {
    /** `hasTiktokApiAccess`, selected as a flag so the listener's cache never holds the token. */
    readonly tiktok_api_access?: boolean;
  };

/** A merchant's platform credentials, opened with the encryption key when they are stored sealed. */
export function merchantSecrets(m: SecretRow, encryptionKey?: Buffer): MerchantSecrets {
  const opened = (column: Extract<SecretColumn, keyof SecretRow>) => {
    const value = m[column];
    return value === undefined ? undefined : openColumn(value, encryptionKey, column, m.id);
  };
  const out: Record<string, unknown> = {
    id: m.id,
    currency: m.currency,
    tiktokAppKey: m.tiktok_app_key,
    tiktokAppSecret: opened('tiktok_app_secret'),
    tiktokShopId: m.tiktok_shop_id,
    shopifyDomain: m.shopify_domain,
    shopifySecret: opened('shopify_secret'),
    woocommerceSecret: opened('woocommerce_secret'),
    commissionBase: parseCommissionBase(m.commission_base ?? 'net'),
    tiktokApiAccess: m.tiktok_api_access ?? tiktokApiAccessOf(m),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as unknown as MerchantSecrets;
}

export interface SecretsQuery {
  /** TRACKNOW_ENCRYPTION_KEY: sealed secrets need it (a clear error without it, never garbage). */
  readonly encryptionKey?: Buffer | undefined;
  /** Only this platform's credentials (the listener's cache); default all three platforms'. */
  readonly platform?: PlatformId;
}

export async function findMerchantSecrets(
  db: Kysely<Database>,
  merchantId: string,
  query: SecretsQuery = {},
): Promise<MerchantSecrets> {
  const columns = query.platform ? PLATFORM_COLUMNS[query.platform] : ALL_COLUMNS;
  const merchant = isUuid(merchantId)
    ? await db
        .selectFrom('merchants')
        .select(['id', 'currency', 'commission_base', ...columns])
        .select((eb) => hasTiktokApiAccess(eb).as('tiktok_api_access'))
        .where('id', '=', merchantId)
        .executeTakeFirst()
    : undefined;
  if (!merchant) throw new TracknowError('not_found', `unknown merchant ${JSON.stringify(merchantId.slice(0, 80))}`);
  return merchantSecrets(merchant as SecretRow, query.encryptionKey);
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
export function intake(
  platformId: string,
  merchant: MerchantSecrets,
  req: WebhookRequest,
  source: IngestItem['inbox']['source'] = 'webhook',
): Intake {
  const adapter = getPlatform(platformId);
  if (adapter.isPing?.(req)) return { kind: 'ping' };
  const verdict = adapter.verify(req, merchant);
  if (!verdict.ok) throw new RejectedDelivery(verdict.reason, verdict.hint);
  // Decoded strictly: replacement characters would merge unrelated ids ("\xff\xfe" and "\xfe\xff" both → "��").
  if (!isUtf8(req.rawBody)) throw new TracknowError('invalid', 'the body is not valid UTF-8');
  // Real keys are short; an over-long one keeps its identity as a hash (btree rows are bounded).
  const key = adapter.dedupeKey(req);
  const dedupeKey = key.length > MAX_KEY_CHARS ? `sha256:${sha256Hex(Buffer.from(key, 'utf8'))}` : key;
  const parsed = adapter.parse(req, merchant, dedupeKey);
  // Sales allow 200 characters (a check constraint); the inbox indexes the id as well.
  if (parsed.orderId !== undefined && parsed.orderId.length > MAX_KEY_CHARS)
    throw new TracknowError('invalid', `the order id is over ${MAX_KEY_CHARS} characters`);
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
