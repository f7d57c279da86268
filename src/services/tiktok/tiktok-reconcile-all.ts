import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { Database } from '../../store/schema.js';
import { tiktokApiMerchantIds } from '../../store/tiktok-merchants.js';
import { reconcileTikTok, type ReconcileOptions } from './tiktok-reconcile.js';

/** One merchant's sweep as `schedule` logs it: counts only, never a token. */
export interface MerchantSweep {
  readonly merchant_id: string;
  readonly orders?: number;
  readonly created?: number;
  readonly updated?: number;
  readonly errors?: number;
  readonly affiliate?: { orders: number; created: number; updated: number; errors: number; skipped: string | null };
  /** The sweep failed as a whole (unreachable TikTok, a refused refresh token): why. */
  readonly error?: string;
}

/**
 * `reconcile tiktok` (orders, then the affiliate sweep) for every merchant with TikTok Open API
 * credentials, one after another; a merchant that fails is reported and the others still run.
 * Throws only when every merchant failed, so `schedule` logs the run as failed.
 */
export async function reconcileAllTikTok(
  db: Kysely<Database>,
  config: Config,
  options: Pick<ReconcileOptions, 'now' | 'retry' | 'session'> = {},
): Promise<MerchantSweep[]> {
  const results: MerchantSweep[] = [];
  for (const id of await tiktokApiMerchantIds(db)) {
    try {
      const s = await reconcileTikTok(db, config, { ...options, merchantId: id });
      const a = s.affiliate;
      results.push({
        merchant_id: id,
        orders: s.orders,
        created: s.created,
        updated: s.updated,
        errors: s.errors.length,
        affiliate: {
          orders: a.orders,
          created: a.created,
          updated: a.updated,
          errors: a.errors.length,
          skipped: a.skipped,
        },
      });
    } catch (err) {
      results.push({ merchant_id: id, error: (err as Error).message });
    }
  }
  if (results.length > 0 && results.every((r) => r.error !== undefined))
    throw new Error(`reconcile failed for every merchant: ${results[0]!.error}`);
  return results;
}
