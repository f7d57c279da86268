import { backoffMs } from '../../domain/backoff.js';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import { TracknowError } from '../../errors.js';
import { refreshAccessToken, type TokenSet } from '../../platforms/tiktok-shop/api/auth.js';
import { TikTokShopClient, type AuthorizedShop, type ShopCredentials } from '../../platforms/tiktok-shop/api/client.js';
import { TikTokApiError } from '../../platforms/tiktok-shop/api/errors.js';
import type { HttpOptions } from '../../platforms/tiktok-shop/api/http.js';
import type { Database, Merchant } from '../../store/schema.js';
import { openColumns, sealColumns } from '../../store/secret-box.js';
import { getMerchant } from '../records/merchants.js';

export interface SessionOptions {
  readonly http?: HttpOptions;
  readonly now?: () => Date;
  /** Refresh the access token when it expires within this (default 30 min). */
  readonly refreshMarginMs?: number;
}

/**
 * Saves tokens from TikTok's token service (sealed when `encryptionKey` is set); never prints or
 * logs them. `expectedRefreshToken` is the refresh token as stored (sealed or not).
 */
export async function saveTokens(
  db: Kysely<Database>,
  merchantId: string,
  tokens: TokenSet,
  expectedRefreshToken?: string,
  encryptionKey?: Buffer,
): Promise<boolean> {
  const sealed = sealColumns(
    { tiktok_access_token: tokens.accessToken, tiktok_refresh_token: tokens.refreshToken },
    encryptionKey,
    merchantId,
  );
  let query = db
    .updateTable('merchants')
    .set({ ...sealed, tiktok_token_expires_at: tokens.accessTokenExpiresAt, updated_at: new Date() })
    .where('id', '=', merchantId);
  // Compare-and-set: a concurrent refresh elsewhere wins, and its tokens are reloaded instead.
  if (expectedRefreshToken !== undefined) query = query.where('tiktok_refresh_token', '=', expectedRefreshToken);
  const result = await query.executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * One merchant's Open API access: credentials from the store, the access token refreshed
 * shortly before it expires and once more when TikTok calls it expired or invalid. No lock is
 * held over an HTTP call (the embedded store has one connection, the listener shares it).
 */
export class TikTokSession {
  readonly client: TikTokShopClient;
  /** The merchant with its secrets opened (in memory only); `stored` is the row as stored. */
  private merchant: Merchant;
  private constructor(
    private readonly db: Kysely<Database>,
    private readonly config: Config,
    private stored: Merchant,
    private readonly options: SessionOptions,
  ) {
    this.merchant = openColumns(stored, config.encryptionKey);
    this.client = new TikTokShopClient(config.tiktokApiUrl, {
      ...options.http,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** Throws 'invalid' naming the fix when the merchant lacks the app key, secret or tokens. */
  static async open(
    db: Kysely<Database>,
    config: Config,
    merchantId: string,
    options: SessionOptions = {},
  ): Promise<TikTokSession> {
    const stored = await getMerchant(db, merchantId);
    const merchant = openColumns(stored, config.encryptionKey);
    if (!merchant.tiktok_app_key || !merchant.tiktok_app_secret) {
      throw new TracknowError(
        'invalid',
        `merchant ${merchant.id} has no TikTok app key and secret: set them with \`tracknow merchant set ${merchant.id} --tiktok-app-key KEY --tiktok-app-secret SECRET\``,
      );
    }
    if (!merchant.tiktok_access_token && !merchant.tiktok_refresh_token) {
      throw needsAuth(merchant.id, 'access token');
    }
    return new TikTokSession(db, config, stored, options);
  }

  get merchantRow(): Merchant {
    return this.merchant;
  }

  /**
   * Runs an API call with fresh credentials. The one rule for token errors, for every signed
   * call: TikTok calling the token expired (105002) or invalid refreshes it once and runs the
   * call again. `shopScoped: false` (authorization APIs) needs no shop cipher.
   */
  async run<T>(
    call: (client: TikTokShopClient, creds: ShopCredentials) => Promise<T>,
    scope: { shopScoped?: boolean } = {},
  ): Promise<T> {
    const cipher = scope.shopScoped ?? true;
    try {
      return await call(this.client, await this.credentials(false, cipher));
    } catch (err) {
      if (!(err instanceof TikTokApiError && err.tokenProblem && this.merchant.tiktok_refresh_token)) throw err;
      return call(this.client, await this.credentials(true, cipher));
    }
  }

  /** The credentials for the next call; refreshes first when forced or when expiry is near. */
  async credentials(forceRefresh: boolean, withCipher = true): Promise<ShopCredentials> {
    const m = this.merchant;
    const now = (this.options.now?.() ?? new Date()).getTime();
    const expires = m.tiktok_token_expires_at?.getTime();
    const due =
      forceRefresh ||
      !m.tiktok_access_token ||
      (expires !== undefined && expires - now < (this.options.refreshMarginMs ?? 30 * 60_000));
    if (due) await this.refresh();
    const token = this.merchant.tiktok_access_token;
    if (!token) throw needsAuth(m.id, 'access token');
    const creds = {
      appKey: m.tiktok_app_key!,
      appSecret: m.tiktok_app_secret!,
      accessToken: token,
      shopCipher: this.merchant.tiktok_shop_cipher,
    };
    return creds.shopCipher || !withCipher ? creds : { ...creds, shopCipher: await this.lookUpCipher(creds) };
  }

  /** Shop APIs need the shop's cipher; Get Authorized Shops names it, once, and the store keeps it. */
  private async lookUpCipher(creds: ShopCredentials): Promise<string> {
    const m = this.merchant;
    const shops = await this.client.authorizedShops(creds);
    const shop = chooseShop(shops, m.tiktok_shop_id);
    if (!shop) {
      throw new TracknowError(
        'invalid',
        `cannot tell which of the ${shops.length} shops this TikTok token grants is merchant ${m.id}'s: set it with \`tracknow merchant set ${m.id} --tiktok-shop-id ID\` (ids: ${shops.map((s) => s.id).join(', ') || 'none'})`,
      );
    }
    this.reload(
      await this.db
        .updateTable('merchants')
        .set({ tiktok_shop_cipher: shop.cipher, tiktok_shop_id: m.tiktok_shop_id ?? shop.id, updated_at: new Date() })
        .where('id', '=', m.id)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return shop.cipher;
  }

  private async refresh(): Promise<void> {
    const m = this.merchant;
    if (!m.tiktok_refresh_token) {
      if (m.tiktok_access_token) return; // no way to refresh: try the token we have
      throw needsAuth(m.id, 'refresh token');
    }
    const app = { appKey: m.tiktok_app_key!, appSecret: m.tiktok_app_secret! };
    const tokens = await refreshAccessToken(
      this.config.tiktokAuthUrl,
      app,
      m.tiktok_refresh_token,
      this.options.http,
    ).catch((err: unknown) => {
      // A refused refresh token (expired, revoked) needs the seller to authorize the app again.
      if (!(err instanceof TikTokApiError) || err.transient) throw err;
      throw new TikTokApiError(
        err.problem,
        `${err.message}; authorize again: \`tracknow tiktok auth --merchant ${m.id} --code AUTH_CODE\``,
        { ...err.details, cause: err },
      );
    });
    await saveTokens(this.db, m.id, tokens, this.stored.tiktok_refresh_token ?? undefined, this.config.encryptionKey);
    // Saved, or another process refreshed first: either way the store has the newest tokens.
    this.reload(await getMerchant(this.db, m.id));
  }

  private reload(stored: Merchant): void {
    this.stored = stored;
    this.merchant = openColumns(stored, this.config.encryptionKey);
  }
}

const needsAuth = (merchantId: string, what: string) =>
  new TracknowError(
    'invalid',
    `merchant ${merchantId} has no TikTok ${what}: run \`tracknow tiktok auth --merchant ${merchantId} --code AUTH_CODE\``,
  );

/** The shop among those a token grants: the merchant's shop id, else the only one. */
export function chooseShop(shops: readonly AuthorizedShop[], shopId: string | null): AuthorizedShop | undefined {
  if (shopId) return shops.find((s) => s.id === shopId);
  return shops.length === 1 ? shops[0] : undefined;
}

export interface RetryOptions {
  /** Tries in all (default 3). */
  readonly attempts?: number;
  /** First pause, doubled each time (default 1 s); TikTok's Retry-After wins when longer, up to 60 s. */
  readonly baseMs?: number;
}

/** Retries transient API failures in-process (commands, which have no queue to fall back on). */
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 3;
  for (let n = 1; ; n++) {
    try {
      return await fn();
    } catch (err) {
      if (n >= attempts || !(err instanceof TikTokApiError && err.transient)) throw err;
      const wait = backoffMs(
        n,
        () => 0.5,
        { baseMs: options.baseMs ?? 1000, capMs: 60_000, jitter: 0 },
        err.details.retryAfterMs ?? 0,
      );
      await new Promise((r) => setTimeout(r, Math.min(wait, 60_000)));
    }
  }
}
