import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { computeBalances } from '../../domain/balances.js';
import { formatMajor } from '../../domain/money.js';
import { retryOnConflict } from '../../store/pg-errors.js';
import type { Database } from '../../store/schema.js';
import { ledgerSums, lockLedger } from './balance.js';

export interface ValidateOptions {
  readonly asOf: Date;
  readonly dryRun?: boolean;
  /** Sales per statement (default 100,000): keeps each statement's working set in memory. */
  readonly batchSize?: number;
}

export interface ValidateResult {
  readonly validated: number;
  readonly cancelled: number;
  /** Past their hold but left pending: unpaid, unattributed or amount unknown. */
  readonly skipped: number;
  /** Credits per currency (non-zero), sorted by currency, in exact major units. */
  readonly credited: { currency: string; amount: string }[];
  readonly dry_run: boolean;
}

/** What one run moves, per influencer and currency. */
interface MovedRow {
  influencer_id: string;
  currency: string;
  sales: number;
  credited: string;
}

/**
 * A sale (alias `s`, its merchant `m`) whose hold is over: a hold day is 24 h of UTC time. The
 * first term is implied by the second (holds are ≥ 0) and lets the pending index bound the scan.
 */
const pastHold = (asOf: string) =>
  sql`s.ordered_at <= ${asOf}::timestamptz and s.ordered_at + m.hold_days * interval '24 hours' <= ${asOf}::timestamptz`;

/** Pending, paid, attributed, amount known, past its hold: the one definition both the run and the dry run use. */
const due = (asOf: string) => sql`s.status = 'pending' and s.order_status = 'paid' and s.influencer_id is not null
  and s.currency is not null and s.commission_minor is not null and ${pastHold(asOf)}`;

const cancellable = sql`s.status = 'pending' and s.order_status in ('cancelled', 'refunded')`;

/** Where the previous batch stopped, in (ordered_at, id) order; ordered_at as text keeps microseconds. */
interface Cursor {
  readonly at: string;
  readonly id: string;
}

/** influencer_id is null on the one row of a batch whose sales all changed under us. */
type BatchRow = Omit<MovedRow, 'influencer_id'> & { influencer_id: string | null; last_at: string; last_id: string };

/**
 * One statement per batch: the next `limit` due sales in (ordered_at, id) order become validated
 * and get exactly one ledger credit each (commissions of 0 validate without one; the unique
 * one-credit-per-sale index makes a repeat a no-op). The update finds its rows by ctid (a TID scan;
 * a join on id made the planner scan the whole table per batch) and re-checks `due`, so a sale
 * changed by ingest meanwhile is left alone. Returns per influencer and currency, plus the cursor.
 */
function validateBatch(asOf: string, after: Cursor | undefined, limit: number): RawBuilder<BatchRow> {
  const from = after
    ? sql`and s.ordered_at >= ${after.at}::timestamptz and (s.ordered_at, s.id) > (${after.at}::timestamptz, ${after.id}::uuid)`
    : sql``;
  return sql<BatchRow>`
    with batch as (
      select s.ctid as tid, s.id, s.ordered_at from sales s join merchants m on m.id = s.merchant_id
       where ${due(asOf)} ${from}
       order by s.ordered_at, s.id limit ${limit}
    ), moved as (
      update sales s set status = 'validated', validated_at = now(), updated_at = now()
        from merchants m
       where s.ctid = any(array(select tid from batch)) and m.id = s.merchant_id and ${due(asOf)}
      returning s.id, s.influencer_id, s.currency, s.commission_minor
    ), credits as (
      insert into ledger_entries (influencer_id, currency, amount_minor, kind, sale_id)
      select influencer_id, currency, commission_minor, 'credit', id from moved where commission_minor > 0
      on conflict do nothing
      returning influencer_id, currency, amount_minor
    ), last as (
      select ordered_at::text as last_at, id::text as last_id from batch order by ordered_at desc, id desc limit 1
    )
    select v.influencer_id, v.currency, v.sales::int as sales, coalesce(c.credited, 0)::text as credited, last.last_at, last.last_id
      from last left join (
        (select influencer_id, currency, count(*) as sales from moved group by 1, 2) v
        left join (select influencer_id, currency, sum(amount_minor) as credited from credits group by 1, 2) c
        using (influencer_id, currency)
      ) on true`;
}

/** Validates every due sale, batch after batch, inside the caller's transaction. */
async function validateDueSales(trx: Transaction<Database>, asOf: string, batchSize: number): Promise<MovedRow[]> {
  const merged = new Map<string, MovedRow>();
  for (let after: Cursor | undefined, done = false; !done;) {
    const { rows } = await validateBatch(asOf, after, batchSize).execute(trx);
    const first = rows[0];
    done = first === undefined;
    if (first) after = { at: first.last_at, id: first.last_id };
    for (const r of rows) {
      if (r.influencer_id === null) continue;
      const key = `${r.influencer_id} ${r.currency}`;
      const prev = merged.get(key);
      merged.set(key, {
        influencer_id: r.influencer_id,
        currency: r.currency,
        sales: (prev?.sales ?? 0) + r.sales,
        credited: String(BigInt(prev?.credited ?? '0') + BigInt(r.credited)),
      });
    }
  }
  return [...merged.values()];
}

/** The same selection as `validateDueSales`, read only: what a run would move and credit. */
function previewDueSales(asOf: string): RawBuilder<MovedRow> {
  return sql<MovedRow>`
    select s.influencer_id, s.currency, count(*)::int as sales,
           coalesce(sum(s.commission_minor) filter (where s.commission_minor > 0 and not exists (
             select 1 from ledger_entries l where l.sale_id = s.id and l.kind = 'credit')), 0)::text as credited
      from sales s join merchants m on m.id = s.merchant_id
     where ${due(asOf)}
     group by 1, 2`;
}

const countPendingPastHold = (asOf: string) =>
  sql<{ n: number }>`select count(*)::int as n from sales s join merchants m on m.id = s.merchant_id
    where s.status = 'pending' and s.order_status not in ('cancelled', 'refunded') and ${pastHold(asOf)}`;

/**
 * `validate`: pending sales past their hold become validated and credited; pending sales whose
 * order was cancelled or refunded become cancelled; each credited influencer gets one
 * `sale.validated` notification. One transaction under the ledger lock; a second run does nothing.
 * A dry run reads the same selection and writes nothing.
 */
export async function validate(db: Kysely<Database>, options: ValidateOptions): Promise<ValidateResult> {
  const asOf = options.asOf.toISOString();
  if (options.dryRun) {
    // One snapshot for the three reads, so the numbers agree with each other.
    return db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const moved = (await previewDueSales(asOf).execute(trx)).rows;
        const { rows: cancel } = await sql<{
          n: number;
        }>`select count(*)::int as n from sales s where ${cancellable}`.execute(trx);
        const { rows: pending } = await countPendingPastHold(asOf).execute(trx);
        return summarize(moved, cancel[0]?.n ?? 0, (pending[0]?.n ?? 0) - countSales(moved), true);
      });
  }
  // Ingest updates sales while this runs; two multi-row updates can deadlock, and PostgreSQL then
  // undoes one of them whole. If it picks this run, run it again rather than fail the cron job.
  return retryOnConflict(() =>
    db.transaction().execute(async (trx) => {
      await lockLedger(trx);
      const moved = await validateDueSales(trx, asOf, Math.max(1, Math.floor(options.batchSize ?? 100_000)));
      const cancelled =
        await sql`update sales s set status = 'cancelled', cancelled_at = now(), updated_at = now() where ${cancellable}`.execute(
          trx,
        );
      const { rows: left } = await countPendingPastHold(asOf).execute(trx);
      await notifyValidated(trx, moved, options.asOf);
      return summarize(moved, Number(cancelled.numAffectedRows ?? 0n), left[0]?.n ?? 0, false);
    }),
  );
}

const countSales = (rows: readonly MovedRow[]) => rows.reduce((n, r) => n + r.sales, 0);

function creditTotals(rows: readonly MovedRow[]): { currency: string; amount: string }[] {
  const totals = new Map<string, bigint>();
  for (const r of rows) totals.set(r.currency, (totals.get(r.currency) ?? 0n) + BigInt(r.credited));
  return [...totals]
    .filter(([, minor]) => minor !== 0n)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, minor]) => ({ currency, amount: formatMajor(minor, currency) }));
}

function summarize(rows: readonly MovedRow[], cancelled: number, skipped: number, dryRun: boolean): ValidateResult {
  return { validated: countSales(rows), cancelled, skipped, credited: creditTotals(rows), dry_run: dryRun };
}

const NOTIFY_BATCH = 1000;

/** One `sale.validated` outbox row per influencer: what this run credited and the new available balance. */
async function notifyValidated(trx: Transaction<Database>, rows: readonly MovedRow[], asOf: Date): Promise<void> {
  const byInfluencer = new Map<string, MovedRow[]>();
  for (const r of rows) byInfluencer.set(r.influencer_id, [...(byInfluencer.get(r.influencer_id) ?? []), r]);
  const ids = [...byInfluencer.keys()].sort();
  for (let i = 0; i < ids.length; i += NOTIFY_BATCH) {
    const chunk = ids.slice(i, i + NOTIFY_BATCH);
    const available = new Map<string, { currency: string; amount: string }[]>();
    for (const b of computeBalances(await ledgerSums(trx, chunk))) {
      available.set(b.influencerId, [
        ...(available.get(b.influencerId) ?? []),
        { currency: b.currency, amount: formatMajor(b.availableMinor, b.currency) },
      ]);
    }
    const values = chunk.map((id) => {
      const moved = [...(byInfluencer.get(id) ?? [])].sort((a, b) => (a.currency < b.currency ? -1 : 1));
      const credited = moved.map((r) => ({
        currency: r.currency,
        amount: formatMajor(BigInt(r.credited), r.currency),
        sales: r.sales,
      }));
      const payload = {
        influencer_id: id,
        as_of: asOf.toISOString(),
        sales: countSales(moved),
        credited,
        available: available.get(id) ?? [],
      };
      // Per run and influencer: the subject is a fresh id, so a later run notifies again.
      return {
        id: randomUUID(),
        event: 'sale.validated' as const,
        influencer_id: id,
        subject_id: randomUUID(),
        payload: JSON.stringify(payload),
      };
    });
    await trx.insertInto('notifications').values(values).execute();
  }
}
