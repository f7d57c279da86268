import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface Reversal {
  readonly saleId: string;
  readonly influencerId: string;
  readonly currency: string;
  /** The commission credited earlier, positive; stored negated. */
  readonly amountMinor: bigint;
}

/** Claws back credited commissions; a sale has at most one reversal (unique index). */
export async function insertReversals(trx: Kysely<Database>, reversals: readonly Reversal[]): Promise<void> {
  if (reversals.length === 0) return;
  await trx
    .insertInto('ledger_entries')
    .values(reversals.map((r) => ({ influencer_id: r.influencerId, currency: r.currency, amount_minor: -r.amountMinor, kind: 'reversal' as const, sale_id: r.saleId })))
    .onConflict((oc) => oc.columns(['sale_id', 'kind']).where('sale_id', 'is not', null).doNothing())
    .execute();
}
