import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { writeBatch, type BatchWrites } from './batch-write.js';
import { DECIDED_COLUMNS, type DecidedDelivery } from './inbox-repo.js';
import type { Cell, Column } from './json-rows.js';
import { enqueueNotificationsSql } from './notify-outbox.js';
import { isUniqueViolation } from './pg-errors.js';
import { poolOf } from './pg-pools.js';
import { SALE_WRITE_COLUMNS } from './sales-repo.js';
import type { Database } from './schema.js';

/** A column as COPY writes it: name, SQL type, and how to read it from a row. */
type CopyColumn<R> = readonly [name: string, type: string, read: (row: R) => Cell];
const copyColumns = <R>(columns: Readonly<Record<string, Column<R>>>): CopyColumn<R>[] =>
  Object.entries(columns).map(([name, [type, read]]) => [name, type, read] as const);

const SALE_COLUMNS = copyColumns(SALE_WRITE_COLUMNS);
/**
 * The inbox columns, as `insertDecidedSql` writes them, and the two it sets itself: `now` is
 * PostgreSQL's input for the transaction's start, the `now()` of the webhooks' insert.
 */
const INBOX_COLUMNS: CopyColumn<DecidedDelivery>[] = [
  ...copyColumns(DECIDED_COLUMNS),
  ['processed_at', 'timestamptz', () => 'now'],
  ['attempts', 'integer', () => 1],
];

const names = (columns: readonly CopyColumn<never>[]) => columns.map(([n]) => `"${n}"`).join(', ');
const SALE_NAMES = names(SALE_COLUMNS);
const INBOX_NAMES = names(INBOX_COLUMNS);

/** A unique key taken since the batch read it: ingest retries the batch on its locked path. */
class LostRace extends Error {
  readonly code = '40001';
}

/**
 * The backfill's write of a batch on PostgreSQL: the new sales and the inbox rows go straight
 * into `sales` and `webhook_events` by COPY (text format: no JSON to build, escape or parse per
 * row), in one transaction with any outbox rows. The check `writeBatch` makes by counting (every
 * new sale's order still free, every delivery's key still unstored) is here the tables' unique
 * keys: a row that another writer stored since the read fails the COPY with 23505, the
 * transaction rolls back whole, and the batch is retried as after a lost race (40001), on
 * ingest's locked path, which reads what the winner wrote.
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
      if (writes.newSales.length) await copyIn(client, 'sales', SALE_NAMES, copyBytes(writes.newSales, SALE_COLUMNS));
      if (writes.deliveries.length)
        await copyIn(client, 'webhook_events', INBOX_NAMES, copyBytes(writes.deliveries, INBOX_COLUMNS));
      if (writes.messages.length) {
        const statement = enqueueNotificationsSql(writes.messages).compile(db);
        await client.query(statement.sql, [...statement.parameters]);
      }
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      if (isUniqueViolation(err)) throw new LostRace('a key of this batch was stored meanwhile', { cause: err });
      throw err;
    } finally {
      client.release(broken);
    }
  };
}

async function copyIn(client: pg.PoolClient, table: string, columns: string, bytes: Buffer): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} (${columns}) from stdin`));
  await pipeline(Readable.from([bytes]), stream);
}

/**
 * COPY's four special characters, escaped. A search per character, then a plain replace of each
 * one found: four `includes` scans cost a sixth of one regular expression test over a body,
 * and a replace with a callback per match cost more than all the rest of the escaping.
 */
function escaped(text: string): string {
  let out = text;
  if (out.includes('\\')) out = out.replaceAll('\\', '\\\\');
  if (out.includes('\t')) out = out.replaceAll('\t', '\\t');
  if (out.includes('\n')) out = out.replaceAll('\n', '\\n');
  if (out.includes('\r')) out = out.replaceAll('\r', '\\r');
  return out;
}

/**
 * Types whose values tracknow formats itself (uuids checked or made here, numbers, ISO instants,
 * ISO 4217 codes, booleans): they never hold a tab, newline or backslash, so they skip the escape.
 */
const FORMATTED = new Set(['uuid', 'bigint', 'integer', 'timestamptz', 'char(3)', 'boolean']);

/** One value in COPY's text format: `\N` for null, backslash escapes for the four special characters. */
function field(value: Cell | object, formatted: boolean): string {
  switch (typeof value) {
    case 'string':
      return formatted ? value : escaped(value);
    case 'number':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      return value === null ? '\\N' : escaped(JSON.stringify(value));
  }
}

/**
 * Rows as COPY text (tab-separated fields, one line each) in UTF-8, written into one buffer a row
 * at a time. The batch as one string was a rope of two pieces a field, whose flattening for the
 * socket cost as much as building it; each row is joined flat from one reused array instead.
 */
function copyBytes<R>(rows: readonly R[], columns: readonly CopyColumn<R>[]): Buffer {
  const readers = columns.map(([, , read]) => read);
  const formatted = columns.map(([, type]) => FORMATTED.has(type));
  // The fields, then '' so that the join ends the line with a tab that becomes its newline.
  const fields: string[] = new Array<string>(readers.length + 1).fill('');
  let out = Buffer.allocUnsafe(rows.length * 512);
  let length = 0;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < readers.length; c++) fields[c] = field(readers[c]!(row), formatted[c]!);
    const line = fields.join('\t');
    // At most 3 bytes of UTF-8 per UTF-16 code unit.
    if (length + line.length * 3 > out.length) {
      const larger = Buffer.allocUnsafe(Math.max(out.length * 2, length + line.length * 3));
      out.copy(larger, 0, 0, length);
      out = larger;
    }
    length += out.write(line, length);
    out[length - 1] = 0x0a; // the trailing tab
  }
  return out.subarray(0, length);
}
