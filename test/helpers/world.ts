import type { Kysely } from 'kysely';
import { addCode } from '../../src/services/records/codes.js';
import { linkCreator } from '../../src/services/records/creators.js';
import { addInfluencer } from '../../src/services/records/influencers.js';
import { addMerchant } from '../../src/services/records/merchants.js';
import type { Database } from '../../src/store/schema.js';

export const TIKTOK = {
  appKey: '6a9xk1testkey',
  appSecret: 'tts_secret_0123456789abcdef',
  shopId: '7494049642642441621',
};
export const SHOPIFY = { domain: 'glow-shop.myshopify.com', secret: 'shpss_test_9f8e7d6c5b4a' };
export const WOO = { secret: 'wc_whsec_test_1a2b3c' };

/** The fixtures' world: a merchant at 15% on all three platforms, two influencers, the codes the fixtures name. */
export async function seedWorld(db: Kysely<Database>, currency = 'USD') {
  const merchant = await addMerchant(db, {
    name: 'Glow Cosmetics',
    currency,
    tiktokAppKey: TIKTOK.appKey,
    tiktokAppSecret: TIKTOK.appSecret,
    tiktokShopId: TIKTOK.shopId,
    shopifyDomain: SHOPIFY.domain,
    shopifySecret: SHOPIFY.secret,
    woocommerceSecret: WOO.secret,
    storeUrl: 'https://glow.example.com/',
  });
  const mia = await addInfluencer(db, { name: 'Mia', email: 'mia@example.com', iban: 'DE89370400440532013000' });
  const zed = await addInfluencer(db, { name: 'Zed', paypalEmail: 'zed@example.com' });
  await linkCreator(db, { influencerId: mia.id, creatorId: 'tiktok_creator_123', username: 'glowwithmia' });
  await addCode(db, { influencerId: mia.id, code: 'ABC12345' });
  await addCode(db, { influencerId: zed.id, code: 'ZX9Q77' });
  await addCode(db, { influencerId: zed.id, code: 'ZZZ00000' });
  await addCode(db, { influencerId: zed.id, code: 'QQQ11111' });
  return { merchant, mia, zed };
}
