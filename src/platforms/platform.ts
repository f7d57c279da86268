import { TracknowError } from '../errors.js';
import { PLATFORMS } from '../domain/order-event.js';
import type { OrderEvent, PlatformId } from '../domain/order-event.js';
import type { CommissionBase } from '../domain/refunds.js';
import { shopifyAdapter } from './shopify/adapter.js';
import { tiktokShopAdapter } from './tiktok-shop/adapter.js';
import { woocommerceAdapter } from './woocommerce/adapter.js';

export type { PlatformId } from '../domain/order-event.js';

/** One webhook delivery as the listener received it. */
export interface WebhookRequest {
  /** Lower-case header names (see `normalizeHeaders`). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The exact bytes received: signatures are computed over these, never over re-serialized JSON. */
  readonly rawBody: Buffer;
  /** When the listener received it; the event time of payloads that carry none (a bare delete). */
  readonly receivedAt?: Date;
}

/** The merchant fields an adapter needs: its currency (a fallback) and its platform credentials. */
export interface MerchantSecrets {
  readonly id: string;
  readonly currency: string;
  readonly tiktokAppKey?: string | null;
  readonly tiktokAppSecret?: string | null;
  readonly tiktokShopId?: string | null;
  readonly shopifyDomain?: string | null;
  readonly shopifySecret?: string | null;
  readonly woocommerceSecret?: string | null;
  /** What commission is computed on (`--commission-base`); undefined is `net`. */
  readonly commissionBase?: CommissionBase;
  /** TikTok Open API access (app key and secret, and a token): returns are looked up, not guessed. */
  readonly tiktokApiAccess?: boolean;
}

/**
 * Why a delivery was refused; every problem is a 401 for the listener. `reason` says what failed
 * and is sent to the caller; `hint` says how the merchant is configured and how to fix it, for the
 * operator only (the listener's log, the CLI), never in a response.
 */
export type VerificationProblem = 'no_secret' | 'no_signature' | 'bad_signature' | 'wrong_shop';

export type Verification =
  | { readonly ok: true }
  | { readonly ok: false; readonly problem: VerificationProblem; readonly reason: string; readonly hint?: string };

/** What a verified body means: order events to ingest, or a delivery to store and answer 200. */
export type Parsed =
  | { readonly kind: 'events'; readonly eventType: string; readonly orderId?: string; readonly events: OrderEvent[] }
  | { readonly kind: 'ignored'; readonly eventType: string; readonly orderId?: string; readonly reason: string };

/**
 * One platform, the way Kysely builds a dialect: callers go through `getPlatform` and never
 * branch on the platform themselves. Every method is pure (no I/O, no clock).
 */
export interface PlatformAdapter {
  readonly id: PlatformId;
  /** The header that carries the signature, as the platform spells it. */
  readonly signatureHeader: string;
  /** A connectivity check the platform sends unsigned (WooCommerce); answer 200, touch nothing. */
  isPing?(req: WebhookRequest): boolean;
  /** Checks the signature over the raw body in constant time, and the shop it names. */
  verify(req: WebhookRequest, merchant: MerchantSecrets): Verification;
  /** The idempotency key of this delivery (DESIGN.md "Idempotency keys"). */
  dedupeKey(req: WebhookRequest): string;
  /** Normalizes a verified body. Throws TracknowError('invalid') on a malformed one. */
  parse(req: WebhookRequest, merchant: MerchantSecrets, dedupeKey: string): Parsed;
  /**
   * The signature header(s) the platform would send with this body; the test sender uses the
   * same code that verifies. Throws TracknowError('invalid') when the merchant has no secret.
   */
  sign(rawBody: Buffer, merchant: MerchantSecrets): Record<string, string>;
}

const ADAPTERS: Readonly<Record<PlatformId, PlatformAdapter>> = {
  tiktok: tiktokShopAdapter,
  shopify: shopifyAdapter,
  woocommerce: woocommerceAdapter,
};

export const platformIds: readonly PlatformId[] = PLATFORMS;

export function isPlatformId(value: string): value is PlatformId {
  return (platformIds as readonly string[]).includes(value);
}

/** The adapter for a platform id; an unknown id is `not_found` (a 404 on the listener). */
export function getPlatform(id: string): PlatformAdapter {
  if (!isPlatformId(id)) {
    throw new TracknowError(
      'not_found',
      `unknown platform ${JSON.stringify(id)}: use one of ${platformIds.join(', ')}`,
    );
  }
  return ADAPTERS[id];
}

/** Lower-cases header names and joins repeated values, as node:http's IncomingHttpHeaders need. */
export function normalizeHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
  }
  return out;
}
