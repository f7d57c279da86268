import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface Reversal {
  readonly saleId: string;
  readonly influencerId: string;
  readonly currency: string;
  /** The commission to claw back, positive; stored negated. */
  readonly amountMinor: bigint;
  /** The dedupe key of the delivery that caused it: a sale has one reversal per delivery (unique index). */
  readonly eventKey: string;
}

/**
 * Claws back credited commissions: all of it on a refund or cancellation after validation, a
 * share on a partial refund. Two reversals of one sale from one delivery (a delivery carrying
 * several events) are summed into one entry.
 */
export async function insertReversals(trx: Kysely<Database>, reversals: readonly Reversal[]): Promise<void> {
  if (reversals.length === 0) return;
  const merged = new Map<string, Reversal>();
  for (const r of reversals) {
    const key = `${r.saleId}|${r.eventKey}`;
    const prev = merged.get(key);
    merged.set(key, prev ? { ...prev, amountMinor: prev.amountMinor + r.amountMinor } : r);
  }
  await trx
    .insertInto('ledger_entries')
    .values(
      [...merged.values()].map((r) => ({ influencer_id: r.influencerId, currency: r.currency, amount_minor: -r.amountMinor, kind: 'reversal' as const, sale_id: r.saleId, event_key: r.eventKey })),
    )
    // A repeat of the same (sale, delivery) is a no-op: the first one already clawed it back.
    .onConflict((oc) => oc.doNothing())
    .execute();
}
