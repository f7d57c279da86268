import { sql, type RawBuilder } from 'kysely';
import { isoInstant } from '../domain/iso-instant.js';

/** A value as `jsonRows` carries it; the record type casts it (bigint and instants travel as strings). */
export type Cell = string | number | boolean | null;
/** A column: its SQL type (a constant of ours, never input) and how to read it from a row. */
export type Column<R> = readonly [type: string, read: (row: R) => Cell];

export const int8 = (v: bigint | null): Cell => (v === null ? null : v.toString());
/** ISO 8601 text (isoInstant: the builtin's text, faster, and a sale's repeated Date formatted once). */
export const instant = (v: Date | null): Cell => (v === null ? null : isoInstant(v));

/**
 * `json_to_recordset($1::json) as <alias>(col type, …)`: a whole batch as ONE parameter.
 * A VALUES list of 1,000 rows × 26 columns is 26,000 parameters to bind and plan, and pg's
 * array literals escape every string through regexes (slow on JSON bodies full of quotes);
 * JSON.stringify and PostgreSQL's JSON parser are native, and pg and PGlite pass text alike.
 */
export function jsonRows<R>(
  rows: readonly R[],
  columns: Readonly<Record<string, Column<R>>>,
  alias = 'v',
): RawBuilder<unknown> {
  // Plain indexed loops and one raw column list: this runs per webhook batch and per backfill
  // batch, and destructuring iterators or a query node per column showed up in the GC profile.
  const names = Object.keys(columns);
  const readers = names.map((name) => columns[name]![1]);
  const records = rows.map((row) => {
    const record: Record<string, Cell> = {};
    // A missing key reads as NULL: nulls are left out, less JSON to write and to parse.
    for (let i = 0; i < names.length; i++) {
      const value = readers[i]!(row);
      if (value !== null) record[names[i]!] = value;
    }
    return record;
  });
  const types = names.map((name) => `${quoteId(name)} ${columns[name]![0]}`).join(', ');
  return sql`json_to_recordset(${JSON.stringify(records)}::json) as ${sql.id(alias)}(${sql.raw(types)})`;
}

/** An identifier quoted as `sql.id` would (ours, constants; quoted all the same). */
export const quoteId = (name: string): string => `"${name.replace(/"/g, '""')}"`;
