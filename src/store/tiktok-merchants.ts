import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Merchants that can call TikTok's Open API (an app key and secret, and a token). */
export async function tiktokApiMerchantIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom('merchants')
    .select('id')
    .where('tiktok_app_key', 'is not', null)
    .where('tiktok_app_secret', 'is not', null)
    .where((eb) => eb.or([eb('tiktok_access_token', 'is not', null), eb('tiktok_refresh_token', 'is not', null)]))
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}
