import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import { TracknowError, usage } from '../../errors.js';
import { exchangeAuthCode } from '../../platforms/tiktok-shop/api/auth.js';
import type { HttpOptions } from '../../platforms/tiktok-shop/api/http.js';
import type { Database } from '../../store/schema.js';
import { openColumns } from '../../store/secret-box.js';
import { getMerchant } from '../records/merchants.js';
import { chooseShop, saveTokens, TikTokSession } from './tiktok-session.js';

export interface AuthorizeOptions {
  readonly merchantId: string;
  /** The `code` TikTok appends to the app's redirect URL when the seller authorizes it (single use). */
  readonly code: string;
  readonly http?: HttpOptions;
}

/** What `tracknow tiktok auth` reports: never a token. */
export interface AuthorizeResult {
  readonly merchant_id: string;
  readonly access_token_expires_at: Date;
  /** Null when the token grants several shops and the merchant names none of them. */
  readonly shop_cipher: string | null;
  readonly shops: { id: string; name: string | null; region: string | null }[];
}

/**
 * Exchanges an authorization code for tokens, stores them, and looks up the shop cipher with
 * Get Authorized Shops (the shop matching the merchant's shop id, else the only one). The
 * tokens are stored first: the code is single-use, so a failed cipher lookup must not lose them.
 */
export async function authorizeTikTok(
  db: Kysely<Database>,
  config: Config,
  options: AuthorizeOptions,
): Promise<AuthorizeResult> {
  const code = options.code.trim();
  if (code === '') throw usage('is empty: pass the code from the authorization redirect', 'code');
  const merchant = openColumns(await getMerchant(db, options.merchantId), config.encryptionKey);
  if (!merchant.tiktok_app_key || !merchant.tiktok_app_secret) {
    throw new TracknowError(
      'invalid',
      `merchant ${merchant.id} has no TikTok app key and secret: set them with \`tracknow merchant set ${merchant.id} --tiktok-app-key KEY --tiktok-app-secret SECRET\``,
    );
  }
  const app = { appKey: merchant.tiktok_app_key, appSecret: merchant.tiktok_app_secret };
  const tokens = await exchangeAuthCode(config.tiktokAuthUrl, app, code, options.http);
  await saveTokens(db, merchant.id, tokens, undefined, config.encryptionKey);
  // Signed like every call: an access token TikTok already calls expired (clock skew) is refreshed once.
  const session = await TikTokSession.open(db, config, merchant.id, options.http ? { http: options.http } : {});
  const shops = await session.run((client, creds) => client.authorizedShops(creds), { shopScoped: false });
  const shop = chooseShop(shops, merchant.tiktok_shop_id);
  if (merchant.tiktok_shop_id && !shop) {
    throw new TracknowError(
      'invalid',
      `the TikTok token does not grant shop ${merchant.tiktok_shop_id} (it grants ${shops.map((s) => s.id).join(', ') || 'none'}); tokens stored, check --tiktok-shop-id`,
    );
  }
  if (shop) {
    await db
      .updateTable('merchants')
      .set({
        tiktok_shop_cipher: shop.cipher,
        tiktok_shop_id: merchant.tiktok_shop_id ?? shop.id,
        updated_at: new Date(),
      })
      .where('id', '=', merchant.id)
      .execute();
  }
  return {
    merchant_id: merchant.id,
    access_token_expires_at: session.merchantRow.tiktok_token_expires_at ?? tokens.accessTokenExpiresAt,
    shop_cipher: shop?.cipher ?? null,
    shops: shops.map((s) => ({ id: s.id, name: s.name, region: s.region })),
  };
}
