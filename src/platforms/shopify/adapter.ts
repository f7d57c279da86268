import type { PlatformAdapter, WebhookRequest } from '../platform.js';
import { header, sha256Hex } from '../signing.js';
import { parseShopify } from './parse.js';
import { signShopify, verifyShopify } from './signature.js';

/**
 * X-Shopify-Webhook-Id (one per delivery, repeated on retries), else X-Shopify-Event-Id with
 * the topic (one event fires several topics, e.g. orders/create and orders/paid), else the body hash.
 */
function dedupeKey(req: WebhookRequest): string {
  const eventId = header(req, 'x-shopify-event-id');
  const topic = header(req, 'x-shopify-topic')?.toLowerCase() ?? 'unknown';
  return header(req, 'x-shopify-webhook-id') ?? (eventId && `${eventId}:${topic}`) ?? sha256Hex(req.rawBody);
}

export const shopifyAdapter: PlatformAdapter = {
  id: 'shopify',
  signatureHeader: 'X-Shopify-Hmac-Sha256',
  verify: verifyShopify,
  dedupeKey,
  parse: parseShopify,
  sign: signShopify,
};
