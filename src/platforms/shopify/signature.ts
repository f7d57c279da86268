import type { MerchantSecrets, Verification, WebhookRequest } from '../platform.js';
import { header, hmacSha256, missingSecret, noSecret, refused, safeEqual, verified } from '../signing.js';

const WHAT = 'Shopify webhook secret';
const FLAGS = '--shopify-secret SECRET';

/** Base64 HMAC-SHA256 of the raw body, key = the app's (or store's) webhook secret. */
export function shopifySignature(secret: string, rawBody: Buffer): string {
  return hmacSha256(secret, rawBody).toString('base64');
}

export function signShopify(rawBody: Buffer, merchant: MerchantSecrets): Record<string, string> {
  if (!merchant.shopifySecret) throw missingSecret(merchant.id, WHAT, FLAGS);
  return { 'X-Shopify-Hmac-Sha256': shopifySignature(merchant.shopifySecret, rawBody) };
}

export function verifyShopify(req: WebhookRequest, merchant: MerchantSecrets): Verification {
  if (!merchant.shopifySecret) return noSecret('X-Shopify-Hmac-Sha256', merchant.id, WHAT, FLAGS);
  const received = header(req, 'x-shopify-hmac-sha256');
  if (received === undefined) return refused('no_signature', 'missing X-Shopify-Hmac-Sha256 header');
  if (!safeEqual(received, shopifySignature(merchant.shopifySecret, req.rawBody))) {
    return refused(
      'bad_signature',
      'X-Shopify-Hmac-Sha256 does not match the body',
      `check merchant ${merchant.id}'s Shopify secret`,
    );
  }
  const domain = header(req, 'x-shopify-shop-domain')?.toLowerCase();
  const expected = merchant.shopifyDomain?.trim().toLowerCase();
  if (domain !== undefined && expected && domain !== expected) {
    return refused(
      'wrong_shop',
      `the webhook is from shop ${domain}, not this merchant's`,
      `merchant ${merchant.id}'s shop is ${expected}`,
    );
  }
  return verified;
}
