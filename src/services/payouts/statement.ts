import { sql, type Kysely } from 'kysely';
import type { LedgerKind } from '../../domain/balances.js';
import { formatMajor } from '../../domain/money.js';
import { buildStatement, parseMonth, type Statement } from '../../domain/statement.js';
import { usage } from '../../errors.js';
import { isUuid } from '../../store/pg-errors.js';
import type { Database, Influencer } from '../../store/schema.js';
import { getInfluencer } from '../records/influencers.js';

export interface StatementOptions {
  readonly influencerId: string;
  /** `YYYY-MM`, a UTC calendar month. */
  readonly month: string;
}

export interface InfluencerStatement {
  readonly influencer: Influencer;
  readonly statement: Statement;
}

/**
 * `statement`: the month's ledger lines for one influencer and, per currency, the opening balance
 * (the ledger's sum before the month) and the closing one. Read in one repeatable-read snapshot,
 * so the opening and the lines agree with each other and with `balance`.
 */
export async function statement(db: Kysely<Database>, options: StatementOptions): Promise<InfluencerStatement> {
  let month;
  try {
    month = parseMonth(options.month);
  } catch (err) {
    throw usage((err as Error).message);
  }
  if (!isUuid(options.influencerId))
    throw usage(`--influencer must be an influencer id (a UUID), got ${JSON.stringify(options.influencerId)}`);
  const influencer = await getInfluencer(db, options.influencerId);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const opening = await trx
        .selectFrom('ledger_entries')
        .select(['currency', sql<string>`sum(amount_minor)::text`.as('amount')])
        .where('influencer_id', '=', influencer.id)
        .where('created_at', '<', month.start)
        .groupBy('currency')
        .execute();
      const lines = await trx
        .selectFrom('ledger_entries as l')
        .leftJoin('sales as s', 's.id', 'l.sale_id')
        .select(['l.created_at', 'l.kind', 'l.currency', 'l.amount_minor', 's.external_order_id', 'l.payout_id'])
        .where('l.influencer_id', '=', influencer.id)
        .where('l.created_at', '>=', month.start)
        .where('l.created_at', '<', month.end)
        .orderBy('l.created_at')
        .orderBy('l.id')
        .execute();
      return {
        influencer,
        statement: buildStatement(
          month.label,
          opening.map((o) => ({ currency: o.currency, amountMinor: BigInt(o.amount) })),
          lines.map((l) => ({
            at: l.created_at,
            kind: l.kind as LedgerKind,
            currency: l.currency,
            amountMinor: l.amount_minor,
            orderId: l.external_order_id,
            payoutId: l.payout_id,
          })),
        ),
      };
    });
}

/** The `statement --json` document. */
export function statementJson({ influencer, statement: s }: InfluencerStatement) {
  const m = formatMajor;
  return {
    influencer_id: influencer.id,
    month: s.month,
    currencies: s.currencies.map((c) => ({
      currency: c.currency,
      opening: m(c.openingMinor, c.currency),
      credited: m(c.creditedMinor, c.currency),
      reversed: m(c.reversedMinor, c.currency),
      paid: m(c.paidMinor, c.currency),
      returned: m(c.returnedMinor, c.currency),
      closing: m(c.closingMinor, c.currency),
    })),
    lines: s.lines.map((l) => ({
      at: l.at.toISOString(),
      kind: l.kind,
      order_id: l.orderId,
      payout_id: l.payoutId,
      amount: m(l.amountMinor, l.currency),
      currency: l.currency,
    })),
  };
}
