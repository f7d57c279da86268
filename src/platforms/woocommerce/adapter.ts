import type { PlatformAdapter, WebhookRequest } from '../platform.js';
import { header, sha256Hex } from '../signing.js';
import { parseWooCommerce } from './parse.js';
import { isWooCommercePing, signWooCommerce, verifyWooCommerce } from './signature.js';

/** X-WC-Webhook-Delivery-ID, else the SHA-256 of the body. */
function dedupeKey(req: WebhookRequest): string {
  return header(req, 'x-wc-webhook-delivery-id') ?? sha256Hex(req.rawBody);
}

export const woocommerceAdapter: PlatformAdapter = {
  id: 'woocommerce',
  signatureHeader: 'X-WC-Webhook-Signature',
  isPing: isWooCommercePing,
  verify: verifyWooCommerce,
  dedupeKey,
  parse: parseWooCommerce,
  sign: signWooCommerce,
};
