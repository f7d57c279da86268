import type { PlatformAdapter, WebhookRequest } from '../platform.js';
import { asObject, idText } from '../payload.js';
import { sha256Hex } from '../signing.js';
import { parseTikTok } from './parse.js';
import { signTikTok, verifyTikTok } from './signature.js';

/** `tts_notification_id`, else the SHA-256 of the body (the seed's shape has no id). */
function dedupeKey(req: WebhookRequest): string {
  try {
    const id = idText(asObject(JSON.parse(req.rawBody.toString('utf8')))?.tts_notification_id, 'tts_notification_id');
    if (id !== undefined) return id;
  } catch {
    // Not JSON: parse() rejects it; the hash still names the delivery for the inbox.
  }
  return sha256Hex(req.rawBody);
}

export const tiktokShopAdapter: PlatformAdapter = {
  id: 'tiktok',
  signatureHeader: 'Authorization',
  verify: verifyTikTok,
  dedupeKey,
  parse: parseTikTok,
  sign: signTikTok,
};
