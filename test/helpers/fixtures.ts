import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AttributionLookup } from '../../src/domain/attribution.js';
import type { MerchantSecrets, WebhookRequest } from '../../src/platforms/platform.js';

/** The fixtures in test/fixtures (see its README): read-only inputs for adapter tests. */
const FIXTURES = new URL('../fixtures/', import.meta.url);

/** A fixture's file URL. */
export const fixtureUrl = (path: string): URL => new URL(path, FIXTURES);

/** A fixture's path on disk, for code that reads files itself (the backfill, the XSD validator). */
export function fixturePath(path: string): string {
  return fileURLToPath(new URL(path, FIXTURES));
}

export function fixture(path: string): Buffer {
  return readFileSync(new URL(path, FIXTURES));
}

export function fixtureJson(path: string): Record<string, unknown> {
  return JSON.parse(fixture(path).toString('utf8')) as Record<string, unknown>;
}

export interface SignatureVector {
  platform: 'tiktok' | 'shopify' | 'woocommerce';
  body_file: string;
  app_key?: string;
  secret: string;
  header: string;
  signature: string;
}

export const signatureVectors = fixtureJson('signature-vectors.json').vectors as SignatureVector[];

export const merchant: MerchantSecrets = {
  id: 'm-1',
  currency: 'USD',
  tiktokAppKey: '6a9xk1testkey',
  tiktokAppSecret: 'tts_secret_0123456789abcdef',
  tiktokShopId: '7494049642642441621',
  shopifyDomain: 'glow-shop.myshopify.com',
  shopifySecret: 'shpss_test_9f8e7d6c5b4a',
  woocommerceSecret: 'wc_whsec_test_1a2b3c',
};

/** A request as the listener builds it: lower-case header names. */
export function request(
  rawBody: Buffer | string,
  headers: Record<string, string> = {},
  receivedAt?: Date,
): WebhookRequest {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    headers: lower,
    rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody),
    ...(receivedAt && { receivedAt }),
  };
}

/** The codes the fixtures' README assumes exist, each for its own influencer. */
export const lookup: AttributionLookup = {
  creatorsById: new Map([['tiktok_creator_123', 'inf-creator']]),
  creatorsByUsername: new Map([['glowwithmia', 'inf-mia']]),
  codes: new Map([
    ['ABC12345', { influencerId: 'inf-abc', merchantId: null }],
    ['ZX9Q77', { influencerId: 'inf-zx', merchantId: null }],
    ['ZZZ00000', { influencerId: 'inf-utm', merchantId: null }],
    ['QQQ11111', { influencerId: 'inf-track', merchantId: null }],
  ]),
  clicks: new Map(),
};
