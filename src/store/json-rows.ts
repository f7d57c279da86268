import { sql, type RawBuilder } from 'kysely';

/** A value as `jsonRows` carries it; the record type casts it (bigint and instants travel as strings). */
export type Cell = string | number | boolean | null;
/** A column: its SQL type (a constant of ours, never input) and how to read it from a row. */
export type Column<R> = readonly [type: string, read: (row: R) => Cell];

export const int8 = (v: bigint | null): Cell => (v === null ? null : v.toString());
export const instant = (v: Date | null): Cell => (v === null ? null : v.toISOString());

/**
 * `json_to_recordset($1::json) as <alias>(col type, …)`: a whole batch as ONE parameter.
 * A VALUES list of 1,000 rows × 26 columns is 26,000 parameters to bind and plan, and pg's
 * array literals escape every string through regexes (slow on JSON bodies full of quotes);
 * JSON.stringify and PostgreSQL's JSON parser are native, and pg and PGlite pass text alike.
 */
export function jsonRows<R>(rows: readonly R[], columns: Readonly<Record<string, Column<R>>>, alias = 'v'): RawBuilder<unknown> {
  const entries = Object.entries(columns);
  const records = rows.map((row) => {
    const record: Record<string, Cell> = {};
    for (const [name, [, read]] of entries) record[name] = read(row);
    return record;
  });
  const types = sql.join(entries.map(([name, [type]]) => sql`${sql.id(name)} ${sql.raw(type)}`));
  return sql`json_to_recordset(${JSON.stringify(records)}::json) as ${sql.id(alias)}(${types})`;
}
