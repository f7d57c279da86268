import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { TracknowError } from '../errors.js';
import type { Verification, VerificationProblem, WebhookRequest } from './platform.js';

/** HMAC-SHA256 of the given parts, concatenated as bytes. */
export function hmacSha256(secret: string, ...parts: Buffer[]): Buffer {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Constant-time equality; unequal lengths are refused before comparing (only length leaks). */
export function safeEqual(received: string, expected: string): boolean {
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A header value, trimmed; empty counts as absent. */
export function header(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export const verified: Verification = Object.freeze({ ok: true });

export function refused(problem: VerificationProblem, reason: string, hint?: string): Verification {
  return hint === undefined ? { ok: false, problem, reason } : { ok: false, problem, reason, hint };
}

/** The error `sign` throws when the merchant lacks a credential; the message names the fix. */
export function missingSecret(merchantId: string, what: string, flags: string): TracknowError {
  return new TracknowError(
    'invalid',
    `merchant ${merchantId} has no ${what}: set it with \`tracknow merchant set ${merchantId} ${flags}\``,
  );
}

/**
 * `verify` for a merchant without the credential: to the caller it is a signature that does not
 * verify (saying the merchant has no secret would describe its configuration); the hint names the fix.
 */
export function noSecret(header: string, merchantId: string, what: string, flags: string): Verification {
  return refused('no_secret', `${header} does not verify`, missingSecret(merchantId, what, flags).message);
}
