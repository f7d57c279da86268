import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** One order's identity: a sale is unique per (merchant, platform, external order id). */
export interface OrderKey {
  readonly merchantId: string;
  readonly platform: string;
  readonly orderId: string;
}

export const orderKeyString = (k: OrderKey) => `${k.merchantId}|${k.platform}|${k.orderId}`;

/**
 * Serialises work on the same orders across transactions, processes and hosts: a
 * transaction-scoped advisory lock per order, taken in hash order so two batches never deadlock.
 */
export async function lockOrders(trx: Kysely<Database>, keys: readonly OrderKey[]): Promise<void> {
  if (keys.length === 0) return;
  const strings = [...new Set(keys.map(orderKeyString))];
  await sql`select pg_advisory_xact_lock(h) from (select distinct hashtextextended(k, 0) as h from unnest(${strings}::text[]) as k) as locks order by h`.execute(
    trx,
  );
}
