import { sql, type RawBuilder } from 'kysely';
import { int8, jsonRows } from './json-rows.js';

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
 * several events) are summed into one entry. Unexecuted: ingest folds it into its one write.
 */
export function insertReversalsSql(reversals: readonly Reversal[]): RawBuilder<unknown> {
  const merged = new Map<string, Reversal>();
  for (const r of reversals) {
    const key = `${r.saleId}|${r.eventKey}`;
    const prev = merged.get(key);
    merged.set(key, prev ? { ...prev, amountMinor: prev.amountMinor + r.amountMinor } : r);
  }
  const rows = jsonRows([...merged.values()], {
    influencer_id: ['uuid', (r) => r.influencerId],
    currency: ['char(3)', (r) => r.currency],
    amount_minor: ['bigint', (r) => int8(-r.amountMinor)],
    sale_id: ['uuid', (r) => r.saleId],
    event_key: ['text', (r) => r.eventKey],
  });
  // A repeat of the same (sale, delivery) is a no-op: the first one already clawed it back.
  return sql`
    insert into ledger_entries (influencer_id, currency, amount_minor, kind, sale_id, event_key)
    select influencer_id, currency, amount_minor, 'reversal', sale_id, event_key from ${rows}
    on conflict do nothing`;
}
