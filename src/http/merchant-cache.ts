import type { Kysely } from 'kysely';
import { getPlatform, type MerchantSecrets, type PlatformId } from '../platforms/platform.js';
import { findMerchantSecrets } from '../services/ingest/webhook-intake.js';
import type { Database } from '../store/schema.js';

/**
 * Merchant credentials for a few seconds: one query per merchant and platform, not per webhook.
 * An entry holds only what its platform's adapter needs (a Shopify entry has no TikTok secret and
 * no tokens at all), opened with the encryption key when stored sealed.
 */
export class MerchantCache {
  readonly #entries = new Map<string, { at: number; value: Promise<MerchantSecrets> }>();
  constructor(
    private readonly db: Kysely<Database>,
    private readonly encryptionKey?: Buffer,
    private readonly ttlMs = 5000,
  ) {}

  /**
   * The merchant a route's raw `:merchantId` segment names, for one platform; an unknown platform
   * is `not_found`, bad percent-encoding just an unknown merchant (404).
   */
  fromPath(platform: string, segment: string): Promise<MerchantSecrets> {
    const adapter = getPlatform(platform);
    let id = segment;
    try {
      id = decodeURIComponent(segment);
    } catch {
      // URIError: left as sent, so it matches no merchant.
    }
    return this.get(adapter.id, id);
  }

  get(platform: PlatformId, id: string): Promise<MerchantSecrets> {
    const key = `${platform}:${id}`;
    const hit = this.#entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = findMerchantSecrets(this.db, id, { platform, encryptionKey: this.encryptionKey });
    this.#entries.set(key, { at: Date.now(), value });
    // Failures (unknown merchant, database down, a key that does not open the secret) are not cached.
    value.catch(() => this.#entries.delete(key));
    if (this.#entries.size > 10_000) this.#entries.clear();
    return value;
  }
}
