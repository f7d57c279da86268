import { createHmac } from 'node:crypto';

/** Query parameters TikTok leaves out of the signature (202309 "Sign your API request", step 1). */
const UNSIGNED = new Set(['sign', 'access_token']);

/**
 * The string TikTok signs, before the secret wraps it: the path, then every query parameter
 * but `sign` and `access_token` as `{key}{value}` in key order, then the exact body bytes
 * sent (nothing for a GET or a multipart upload; tracknow sends neither multipart nor arrays).
 */
export function signatureBase(path: string, query: Readonly<Record<string, string>>, body = ''): string {
  const keys = Object.keys(query)
    .filter((k) => !UNSIGNED.has(k))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return path + keys.map((k) => `${k}${query[k]}`).join('') + body;
}

/** Lowercase hex HMAC-SHA256, keyed by the app secret, of the base wrapped in the secret on both sides. */
export function signRequest(
  appSecret: string,
  path: string,
  query: Readonly<Record<string, string>>,
  body = '',
): string {
  return createHmac('sha256', appSecret)
    .update(appSecret + signatureBase(path, query, body) + appSecret, 'utf8')
    .digest('hex');
}
