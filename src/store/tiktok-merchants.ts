import type { ExpressionBuilder, ExpressionWrapper, Kysely, SqlBool } from 'kysely';
import type { Database } from './schema.js';

/**
 * TikTok Open API access: the app's key and secret and a stored token, so an order can be looked
 * up. The same rule as the enrichment trigger of migration 0004; these are its only other forms.
 */
export function hasTiktokApiAccess(
  eb: ExpressionBuilder<Database, 'merchants'>,
): ExpressionWrapper<Database, 'merchants', SqlBool> {
  return eb.and([
    eb('tiktok_app_key', 'is not', null),
    eb('tiktok_app_secret', 'is not', null),
    eb.or([eb('tiktok_access_token', 'is not', null), eb('tiktok_refresh_token', 'is not', null)]),
  ]);
}

/** `hasTiktokApiAccess` of a merchant row already read. */
export const tiktokApiAccessOf = (m: {
  readonly tiktok_app_key?: string | null;
  readonly tiktok_app_secret?: string | null;
  readonly tiktok_access_token?: string | null;
  readonly tiktok_refresh_token?: string | null;
}): boolean => Boolean(m.tiktok_app_key && m.tiktok_app_secret && (m.tiktok_access_token || m.tiktok_refresh_token));

/** Merchants that can call TikTok's Open API, in id order. */
export async function tiktokApiMerchantIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('merchants').select('id').where(hasTiktokApiAccess).orderBy('id').execute();
  return rows.map((r) => r.id);
}
