import type { Kysely } from 'kysely';
import { formatMajor } from '../../domain/money.js';
import { conflict, notFound, usage } from '../../errors.js';
import { enqueueNotificationsSql } from '../../store/notify-outbox.js';
import { isUuid } from '../../store/pg-errors.js';
import type { Database, Payout, PayoutStatus } from '../../store/schema.js';
import { lockLedger } from './balance.js';
import { getInfluencer } from '../records/influencers.js';

export interface ListPayoutsFilter {
  readonly influencerId?: string;
  readonly status?: string;
}

const STATUSES: readonly PayoutStatus[] = ['paid', 'returned'];

/** `payout list`: newest first. */
export async function listPayouts(db: Kysely<Database>, filter: ListPayoutsFilter = {}): Promise<Payout[]> {
  const { status, influencerId } = filter;
  if (status !== undefined && !STATUSES.includes(status as PayoutStatus))
    throw usage(`--status must be paid or returned, got ${JSON.stringify(status)}`);
  let query = db.selectFrom('payouts').selectAll();
  if (influencerId !== undefined) {
    if (!isUuid(influencerId))
      throw usage(`--influencer must be an influencer id (a UUID), got ${JSON.stringify(influencerId)}`);
    query = query.where('influencer_id', '=', (await getInfluencer(db, influencerId)).id);
  }
  if (status !== undefined) query = query.where('status', '=', status as PayoutStatus);
  return query.orderBy('created_at', 'desc').orderBy('id').execute();
}

export async function getPayout(db: Kysely<Database>, id: string): Promise<Payout> {
  const found = isUuid(id)
    ? await db.selectFrom('payouts').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!found) throw notFound(`no payout with id ${JSON.stringify(id)}; see \`tracknow payout list\``);
  return found;
}

export interface ReturnPayoutInput {
  readonly id: string;
  /** Why the bank sent it back ("account closed"); required. */
  readonly reason: string | undefined;
  readonly at?: Date;
}

/**
 * `payout return`: the bank sent the transfer back. In one transaction under the ledger lock:
 * marks the payout returned (only a paid one: the row lock makes a concurrent second return wait
 * and then find it returned), writes ONE `return` ledger entry of the payout's amount (a unique
 * index on (payout_id, kind) backs this up), and queues `payout.returned`. A second return is a
 * conflict (exit 1).
 */
export async function returnPayout(db: Kysely<Database>, input: ReturnPayoutInput): Promise<Payout> {
  const reason = input.reason?.trim() ?? '';
  if (reason === '' || reason.length > 500)
    throw usage(
      '--reason is required: say why the bank sent the payout back (at most 500 characters), e.g. --reason "account closed"',
    );
  const existing = await getPayout(db, input.id);
  const at = input.at ?? new Date();
  return db.transaction().execute(async (trx) => {
    await lockLedger(trx);
    const returned = await trx
      .updateTable('payouts')
      .set({ status: 'returned', returned_at: at, return_reason: reason })
      .where('id', '=', existing.id)
      .where('status', '=', 'paid')
      .returningAll()
      .executeTakeFirst();
    if (!returned) {
      const now = await trx
        .selectFrom('payouts')
        .select(['returned_at'])
        .where('id', '=', existing.id)
        .executeTakeFirstOrThrow();
      throw conflict(
        `payout ${existing.id} was already returned${now.returned_at ? ` at ${now.returned_at.toISOString()}` : ''}; its amount is back on the balance once, see \`tracknow payout show ${existing.id}\``,
      );
    }
    await trx
      .insertInto('ledger_entries')
      .values({
        influencer_id: returned.influencer_id,
        currency: returned.currency,
        amount_minor: returned.amount_minor,
        kind: 'return',
        payout_id: returned.id,
        created_at: at,
      })
      .execute();
    await enqueueNotificationsSql([
      {
        event: 'payout.returned',
        influencerId: returned.influencer_id,
        subjectId: returned.id,
        payload: {
          payout_id: returned.id,
          influencer_id: returned.influencer_id,
          currency: returned.currency,
          amount: formatMajor(returned.amount_minor, returned.currency),
          method: returned.method,
          reference: returned.reference,
          reason,
          returned_at: at.toISOString(),
        },
      },
    ]).execute(trx);
    return returned;
  });
}

/** The `payout list|show|return --json` row. */
export function payoutView(p: Payout) {
  return {
    id: p.id,
    influencer_id: p.influencer_id,
    currency: p.currency,
    amount: formatMajor(p.amount_minor, p.currency),
    method: p.method,
    status: p.status,
    created_at: p.created_at,
    returned_at: p.returned_at,
    reason: p.return_reason,
    reference: p.reference,
    batch_id: p.batch_id,
  };
}
