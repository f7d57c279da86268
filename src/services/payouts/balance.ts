import { sql, type Kysely, type Transaction } from 'kysely';
import {
  balanceJson,
  computeBalances,
  type LedgerKind,
  type LedgerSum,
  type PendingSum,
} from '../../domain/balances.js';
import type { PayoutCandidate } from '../../domain/payout-plan.js';
import { usage } from '../../errors.js';
import { isUuid } from '../../store/pg-errors.js';
import type { Database } from '../../store/schema.js';
import { getInfluencer } from '../records/influencers.js';

type Db = Kysely<Database> | Transaction<Database>;

/** 'trknledg': the one advisory lock every writer of ledger credits and debits (validate, payout) takes. */
export const LEDGER_LOCK_KEY = 0x74726b6e6c656467n;

/**
 * Serialises ledger writers until the transaction ends. Overlapping cron runs on any number of
 * hosts queue here; whoever comes second re-reads what the first committed.
 */
export async function lockLedger(trx: Transaction<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${LEDGER_LOCK_KEY.toString()}::bigint)`.execute(trx);
}

/** Ledger sums per influencer, currency and kind (sum() is numeric, a string on both back ends). */
export async function ledgerSums(db: Db, influencerIds?: readonly string[]): Promise<LedgerSum[]> {
  if (influencerIds?.length === 0) return [];
  let query = db
    .selectFrom('ledger_entries')
    .select(['influencer_id', 'currency', 'kind', sql<string>`sum(amount_minor)::text`.as('amount')])
    .groupBy(['influencer_id', 'currency', 'kind']);
  if (influencerIds) query = query.where('influencer_id', 'in', [...influencerIds]);
  const rows = await query.execute();
  return rows.map((r) => ({
    influencerId: r.influencer_id,
    currency: r.currency,
    kind: r.kind as LedgerKind,
    amountMinor: BigInt(r.amount),
  }));
}

/**
 * Commission of pending, attributed sales with a known amount. Orders already cancelled or
 * refunded are left out: they will never become available.
 */
export async function pendingSums(db: Db, influencerId?: string): Promise<PendingSum[]> {
  let query = db
    .selectFrom('sales')
    .select(['influencer_id', 'currency', sql<string>`sum(commission_minor)::text`.as('amount')])
    .where('status', '=', 'pending')
    .where('order_status', 'not in', ['cancelled', 'refunded'])
    .where('commission_minor', 'is not', null)
    .where('currency', 'is not', null)
    .where('influencer_id', 'is not', null)
    .groupBy(['influencer_id', 'currency']);
  if (influencerId !== undefined) query = query.where('influencer_id', '=', influencerId);
  const rows = await query.execute();
  return rows.map((r) => ({
    influencerId: r.influencer_id as string,
    currency: r.currency as string,
    amountMinor: BigInt(r.amount),
  }));
}

/**
 * Positive available balances with their payee, for planning payouts. Read inside the ledger
 * lock when paying, so a second run sees the first one's debits.
 */
export async function payableBalances(db: Db): Promise<PayoutCandidate[]> {
  const { rows } = await sql<{
    influencer_id: string;
    currency: string;
    available: string;
    name: string;
    email: string | null;
    iban: string | null;
    bic: string | null;
    paypal_email: string | null;
  }>`
    select l.influencer_id, l.currency, sum(l.amount_minor)::text as available,
           i.name, i.email, i.iban, i.bic, i.paypal_email
      from ledger_entries l
      join influencers i on i.id = l.influencer_id
     group by l.influencer_id, l.currency, i.id
    having sum(l.amount_minor) > 0`.execute(db);
  return rows.map((r) => ({
    influencerId: r.influencer_id,
    currency: r.currency,
    availableMinor: BigInt(r.available),
    payee: { name: r.name, email: r.email, iban: r.iban, bic: r.bic, paypalEmail: r.paypal_email },
  }));
}

export interface BalanceOptions {
  readonly influencerId?: string;
}

export type BalanceRow = ReturnType<typeof balanceJson>;

/** `balance`: pending, available and paid per influencer and currency, from sums (never counters). */
export async function balances(db: Kysely<Database>, options: BalanceOptions = {}): Promise<BalanceRow[]> {
  const { influencerId } = options;
  if (influencerId !== undefined) {
    if (!isUuid(influencerId))
      throw usage(`must be an influencer id (a UUID), got ${JSON.stringify(influencerId)}`, 'influencerId');
    await getInfluencer(db, influencerId);
  }
  const [ledger, pending] = await Promise.all([
    ledgerSums(db, influencerId === undefined ? undefined : [influencerId]),
    pendingSums(db, influencerId),
  ]);
  return computeBalances(ledger, pending).map(balanceJson);
}
