import type { MerchantSecrets, Verification, WebhookRequest } from '../platform.js';
import { asObject, idText } from '../payload.js';
import { header, hmacSha256, missingSecret, noSecret, refused, safeEqual, verified } from '../signing.js';

/** Where TikTok Shop puts the signature; the x-* names are seen from some gateways and older apps. */
const SIGNATURE_HEADERS = ['authorization', 'x-tt-signature', 'x-tts-signature'] as const;

/** Names only the credentials that are missing, and the flags that set them. */
function missing(m: MerchantSecrets): [what: string, flags: string] {
  const parts: [string, string][] = [];
  if (!m.tiktokAppKey) parts.push(['TikTok app key', '--tiktok-app-key KEY']);
  if (!m.tiktokAppSecret) parts.push(['TikTok app secret', '--tiktok-app-secret SECRET']);
  return [parts.map((p) => p[0]).join(' and '), parts.map((p) => p[1]).join(' ')];
}

/** Lower-case hex HMAC-SHA256, key = app secret, message = app key followed by the raw body. */
export function tiktokSignature(appKey: string, appSecret: string, rawBody: Buffer): string {
  return hmacSha256(appSecret, Buffer.from(appKey, 'utf8'), rawBody).toString('hex');
}

export function signTikTok(rawBody: Buffer, merchant: MerchantSecrets): Record<string, string> {
  const { tiktokAppKey: key, tiktokAppSecret: secret } = merchant;
  if (!key || !secret) throw missingSecret(merchant.id, ...missing(merchant));
  return { Authorization: tiktokSignature(key, secret, rawBody) };
}

export function verifyTikTok(req: WebhookRequest, merchant: MerchantSecrets): Verification {
  const { tiktokAppKey: key, tiktokAppSecret: secret } = merchant;
  if (!key || !secret) return noSecret('the TikTok signature', merchant.id, ...missing(merchant));
  const received = SIGNATURE_HEADERS.map((name) => header(req, name)).find((v) => v !== undefined);
  if (received === undefined) return refused('no_signature', 'missing TikTok signature: no Authorization header');
  if (!safeEqual(received.toLowerCase(), tiktokSignature(key, secret, req.rawBody))) {
    return refused(
      'bad_signature',
      'the TikTok signature does not match the body',
      `check merchant ${merchant.id}'s TikTok app key and app secret`,
    );
  }
  // The shop check applies to a merchant with a shop id; only then is the body read for it.
  if (!merchant.tiktokShopId) return verified;
  const shopId = bodyShopId(req.rawBody);
  if (shopId === INEXACT)
    return refused('wrong_shop', 'the notification names its TikTok shop by an inexact number; shop ids must be exact');
  if (shopId !== undefined && shopId !== merchant.tiktokShopId) {
    return refused(
      'wrong_shop',
      `the notification is for TikTok shop ${shopId}, not this merchant's`,
      `merchant ${merchant.id}'s shop id is ${merchant.tiktokShopId}`,
    );
  }
  return verified;
}

/** A `shop_id` given as a number JSON cannot hold exactly (19-digit ids): it could name any shop. */
const INEXACT = Symbol('inexact shop id');

/** The body's `shop_id`, if it is readable JSON; a malformed body is left for `parse` to reject. */
function bodyShopId(rawBody: Buffer): string | undefined | typeof INEXACT {
  let body: Record<string, unknown> | undefined;
  try {
    body = asObject(JSON.parse(rawBody.toString('utf8')));
  } catch {
    return undefined;
  }
  try {
    return idText(body?.shop_id, 'shop_id');
  } catch {
    return INEXACT;
  }
}
