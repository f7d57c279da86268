import type { MerchantSecrets, Verification, WebhookRequest } from '../platform.js';
import { header, hmacSha256, missingSecret, noSecret, refused, safeEqual, verified } from '../signing.js';

const WHAT = 'WooCommerce webhook secret';
const FLAGS = '--woocommerce-secret SECRET';
const PING_BODY = /^webhook_id=\d+$/;

/** Base64 HMAC-SHA256 of the raw body, key = the webhook's secret. */
export function woocommerceSignature(secret: string, rawBody: Buffer): string {
  return hmacSha256(secret, rawBody).toString('base64');
}

/** WooCommerce checks a new webhook's URL with an unsigned, form-encoded `webhook_id=N`. */
export function isWooCommercePing(req: WebhookRequest): boolean {
  return (
    header(req, 'x-wc-webhook-signature') === undefined &&
    req.rawBody.length < 64 &&
    PING_BODY.test(req.rawBody.toString('utf8').trim())
  );
}

export function signWooCommerce(rawBody: Buffer, merchant: MerchantSecrets): Record<string, string> {
  if (!merchant.woocommerceSecret) throw missingSecret(merchant.id, WHAT, FLAGS);
  return { 'X-WC-Webhook-Signature': woocommerceSignature(merchant.woocommerceSecret, rawBody) };
}

export function verifyWooCommerce(req: WebhookRequest, merchant: MerchantSecrets): Verification {
  if (!merchant.woocommerceSecret) return noSecret('X-WC-Webhook-Signature', merchant.id, WHAT, FLAGS);
  const received = header(req, 'x-wc-webhook-signature');
  if (received === undefined) return refused('no_signature', 'missing X-WC-Webhook-Signature header');
  if (!safeEqual(received, woocommerceSignature(merchant.woocommerceSecret, req.rawBody))) {
    return refused(
      'bad_signature',
      'X-WC-Webhook-Signature does not match the body',
      `check merchant ${merchant.id}'s WooCommerce secret`,
    );
  }
  return verified;
}
