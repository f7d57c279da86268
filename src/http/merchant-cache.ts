import type { Kysely } from 'kysely';
import type { MerchantSecrets } from '../platforms/platform.js';
import { findMerchantSecrets } from '../services/webhook-intake.js';
import type { Database } from '../store/schema.js';

/** Merchant credentials for a few seconds: one query per merchant, not per webhook. */
export class MerchantCache {
  readonly #entries = new Map<string, { at: number; value: Promise<MerchantSecrets> }>();
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ttlMs = 5000,
  ) {}

  /** The merchant a route's raw `:merchantId` segment names; bad percent-encoding is just an unknown merchant (404). */
  fromPath(segment: string): Promise<MerchantSecrets> {
    let id = segment;
    try {
      id = decodeURIComponent(segment);
    } catch {
      // URIError: left as sent, so it matches no merchant.
    }
    return this.get(id);
  }

  get(id: string): Promise<MerchantSecrets> {
    const hit = this.#entries.get(id);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value;
    const value = findMerchantSecrets(this.db, id);
    this.#entries.set(id, { at: Date.now(), value });
    // Failures (unknown merchant, database down) are not cached.
    value.catch(() => this.#entries.delete(id));
    if (this.#entries.size > 10_000) this.#entries.clear();
    return value;
  }
}
