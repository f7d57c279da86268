import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { writeBatch, type BatchWrites } from './batch-write.js';
import { DECIDED_COLUMNS } from './inbox-repo.js';
import type { Cell } from './json-rows.js';
import { enqueueNotificationsSql } from './notify-outbox.js';
import { poolOf } from './pg-pools.js';
import { SALE_WRITE_COLUMNS } from './sales-repo.js';
import type { Database } from './schema.js';

/** The inbox columns, as `insertDecidedSql` writes them. */
const INBOX_COLUMNS = Object.entries(DECIDED_COLUMNS).map(([name, [, read]]) => [name, read] as const);

const SALES_STAGE = 'tracknow_stage_sales';
const INBOX_STAGE = 'tracknow_stage_inbox';
const names = (columns: readonly (readonly [string, unknown])[]) => columns.map(([n]) => `"${n}"`).join(', ');
const SALE_NAMES = names(SALE_WRITE_COLUMNS);
const INBOX_NAMES = names(INBOX_COLUMNS);

/** Sessions whose staging tables exist (temporary tables live as long as the session). */
const staged = new WeakSet<pg.PoolClient>();

/**
 * The backfill's write of a batch on PostgreSQL: the new sales and the inbox rows go to
 * session-local staging tables by COPY (text format: no JSON to build, escape or parse per row),
 * then ONE statement moves them into `sales` and `webhook_events`, writes any outbox rows, and
 * proves what the batch read is still true, exactly as `writeBatch` does: every new sale's order
 * still free, every delivery's key still unstored, else `tracknow_lost_race()` raises 40001, the
 * transaction rolls back and ingest retries the batch on its locked path. The staging tables empty
 * themselves at commit or rollback.
 *
 * Returns undefined where there is no server pool (the embedded store, a transaction): the
 * ordinary write then does everything. A batch that changes existing sales, reverses credits or
 * guards a deal tier goes through `writeBatch` too: history imports are new sales.
 */
export function copyWriter(
  db: Kysely<Database>,
): ((trx: Kysely<Database>, writes: BatchWrites, checked: boolean) => Promise<void>) | undefined {
  const pool = poolOf(db);
  if (!pool) return undefined;
  return async (trx, writes, checked) => {
    const plain =
      trx === db &&
      checked &&
      writes.changedSales.length === 0 &&
      writes.reversals.length === 0 &&
      !writes.tierGuards?.length &&
      writes.newSales.length + writes.deliveries.length > 0;
    if (!plain) return writeBatch(trx, writes, checked);
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin');
      // History is re-imported whole by running the file again, so a batch need not wait for its
      // WAL flush: a server crash can lose the last batches, never half of one. The file's row is
      // completed by an ordinary commit at the end, which flushes everything before it.
      await client.query('set local synchronous_commit = off');
      if (!staged.has(client)) {
        await client.query(
          `create temp table if not exists ${SALES_STAGE} on commit delete rows as select ${SALE_NAMES} from sales with no data`,
        );
        await client.query(
          `create temp table if not exists ${INBOX_STAGE} on commit delete rows as select ${INBOX_NAMES} from webhook_events with no data`,
        );
      }
      if (writes.newSales.length)
        await copyIn(client, SALES_STAGE, SALE_NAMES, copyText(writes.newSales, SALE_WRITE_COLUMNS));
      if (writes.deliveries.length)
        await copyIn(client, INBOX_STAGE, INBOX_NAMES, copyText(writes.deliveries, INBOX_COLUMNS));
      const statement = moveStatement(writes).compile(db);
      await client.query(statement.sql, [...statement.parameters]);
      await client.query('commit');
      staged.add(client);
    } catch (err) {
      await client.query('rollback').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw err;
    } finally {
      client.release(broken);
    }
  };
}

/** Staging into the tables, checked, in one statement (see `writeBatch` for the check). */
function moveStatement(writes: BatchWrites): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  const lost: RawBuilder<unknown>[] = [];
  if (writes.newSales.length) {
    parts.push(sql`sales_inserted as (
      insert into sales (${sql.raw(SALE_NAMES)}, updated_at)
      select ${sql.raw(SALE_NAMES)}, now() from ${sql.raw(SALES_STAGE)}
      on conflict (merchant_id, platform, external_order_id) do nothing
      returning id)`);
    lost.push(sql`(select count(*) from sales_inserted) <> ${sql.lit(writes.newSales.length)}`);
  }
  if (writes.deliveries.length) {
    parts.push(sql`deliveries_written as (
      insert into webhook_events (${sql.raw(INBOX_NAMES)}, processed_at, attempts)
      select ${sql.raw(INBOX_NAMES)}, now(), 1 from ${sql.raw(INBOX_STAGE)}
      on conflict (merchant_id, platform, dedupe_key) do nothing
      returning id)`);
    lost.push(sql`(select count(*) from deliveries_written) <> ${sql.lit(writes.deliveries.length)}`);
  }
  if (writes.messages.length) parts.push(sql`messages_written as (${enqueueNotificationsSql(writes.messages)})`);
  return sql`with ${sql.join(parts)} select tracknow_lost_race() where ${sql.join(lost, sql` or `)}`;
}

async function copyIn(client: pg.PoolClient, table: string, columns: string, text: string): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} (${columns}) from stdin`));
  await pipeline(Readable.from([Buffer.from(text, 'utf8')]), stream);
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY's text format: `\N` for null, backslash escapes for the four special characters. */
function field(value: Cell | object | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
}

/** Rows as COPY text: tab-separated fields, one line each. */
function copyText<R>(rows: readonly R[], columns: readonly (readonly [string, (r: R) => Cell])[]): string {
  const lines: string[] = new Array<string>(rows.length);
  const readers = columns.map(([, read]) => read);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const fields: string[] = new Array<string>(readers.length);
    for (let c = 0; c < readers.length; c++) fields[c] = field(readers[c]!(row));
    lines[r] = fields.join('\t');
  }
  return lines.join('\n') + '\n';
}
