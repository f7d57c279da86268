import { sql, type Kysely, type RawBuilder } from 'kysely';
import { tierGuardSql, type TierKey } from './deals-repo.js';
import { insertDecidedSql, type DecidedDelivery } from './inbox-repo.js';
import { insertReversalsSql, type Reversal } from './ledger-repo.js';
import { enqueueNotificationsSql, type OutboxMessage } from './notify-outbox.js';
import { insertNewSalesSql, updateReadSalesSql, upsertSalesSql, type SaleWrite } from './sales-repo.js';
import { prepared } from './prepared.js';
import type { Database } from './schema.js';

/** Everything an ingest batch decided to write. */
export interface BatchWrites {
  /** Sales for orders that had none when read. */
  readonly newSales: readonly SaleWrite[];
  /** Sales that were read, with the row version read. */
  readonly changedSales: readonly (SaleWrite & { readonly version: string })[];
  readonly reversals: readonly Reversal[];
  readonly messages: readonly OutboxMessage[];
  readonly deliveries: readonly DecidedDelivery[];
  /** Deals (#19): the months whose sale count a tiered rate was decided on, with the guard version read. */
  readonly tierGuards?: readonly (TierKey & { readonly version: bigint })[];
}

/**
 * Writes a batch's decisions in ONE statement (one round trip): each non-empty part is a
 * data-modifying CTE, and PostgreSQL runs every one of them whether or not it is referenced.
 * The parts touch different tables, so the shared snapshot changes nothing; foreign keys are
 * checked at the end of the statement.
 *
 * `checked`: the statement also proves that what the batch read is still true: every new sale's
 * order is still free, every read sale still at the version read, every delivery's key still
 * unstored. If not, `tracknow_lost_race()` (migration 0005) raises 40001 and the whole statement,
 * and so its transaction, is undone. That makes the write safe without locks held since the read.
 * Unchecked (a rehearsal, which commits nothing), sales are plainly upserted.
 */
export async function writeBatch(trx: Kysely<Database>, writes: BatchWrites, checked: boolean): Promise<void> {
  const parts: RawBuilder<unknown>[] = [];
  const counted: [cte: string, expected: number][] = [];
  const part = (name: string, statement: RawBuilder<unknown>, expected?: number) => {
    parts.push(sql`${sql.table(name)} as (${statement})`);
    if (expected !== undefined) counted.push([name, expected]);
  };
  if (checked) {
    if (writes.newSales.length) part('sales_inserted', insertNewSalesSql(writes.newSales), writes.newSales.length);
    if (writes.changedSales.length)
      part('sales_updated', updateReadSalesSql(writes.changedSales), writes.changedSales.length);
  } else if (writes.newSales.length || writes.changedSales.length) {
    part('sales_written', upsertSalesSql([...writes.newSales, ...writes.changedSales]));
  }
  if (writes.reversals.length) part('reversals_written', insertReversalsSql(writes.reversals));
  if (writes.messages.length) part('messages_written', enqueueNotificationsSql(writes.messages));
  if (checked && writes.tierGuards?.length)
    part('tiers_guarded', tierGuardSql(writes.tierGuards), writes.tierGuards.length);
  if (writes.deliveries.length)
    part('deliveries_written', insertDecidedSql(writes.deliveries), checked ? writes.deliveries.length : undefined);
  if (parts.length === 0) return;
  // The counts are parameters: the text depends only on which parts the batch has.
  const lost = counted.map(
    ([name, expected]) => sql`(select count(*) from ${sql.table(name)}) <> ${String(expected)}::bigint`,
  );
  const tail = lost.length ? sql`select tracknow_lost_race() where ${sql.join(lost, sql` or `)}` : sql`select 1`;
  const statement = sql`with ${sql.join(parts)} ${tail}`;
  // Prepared (planned once per connection) when it only inserts: the update of read sales joins
  // the batch to the table, a plan better made with the statistics of the day.
  await (writes.changedSales.length ? statement : prepared(statement)).execute(trx);
}
