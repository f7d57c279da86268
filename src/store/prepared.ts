import { createHash } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';

/**
 * The marker that asks for a server-side prepared statement (see `prepareMarkedStatements`).
 * A comment: PGlite, which runs it as written, ignores it.
 */
const MARKER = '/*tracknow:prepare*/';

/**
 * Marks a statement to be prepared once per connection on PostgreSQL and its plan reused: the
 * ingest batch's read and write cost more to plan than to run at the batch sizes the listener
 * sees. Only for statements whose text depends on the shape of a batch, never on its values
 * (every value a parameter), and whose plan cannot go stale with the data: key probes that
 * cannot become a scan of a whole table (see `batch-read.ts`), and plain inserts.
 */
export function prepared(statement: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`${sql.raw(MARKER)} ${statement}`;
}

interface QueryClient {
  query: (...args: unknown[]) => unknown;
}

const names = new Map<string, string>();
/** A statement's name: the same text, the same name, on every connection. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `tracknow_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    // The shapes are few (which parts a batch has); a bound all the same.
    if (names.size > 1000) names.clear();
    names.set(text, name);
  }
  return name;
}

/**
 * Makes a pg client run marked statements as named prepared statements (parse and plan once per
 * connection, then bind and execute). Kysely's pg driver passes `client.query(text, values)`;
 * pg takes a `{ name, text }` config in its place. Everything else goes through untouched.
 */
export function prepareMarkedStatements(client: QueryClient): void {
  const query = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    const [text, values, ...rest] = args;
    if (typeof text === 'string' && text.startsWith(MARKER) && Array.isArray(values))
      return query({ name: nameOf(text), text }, values, ...rest);
    return query(...args);
  };
}
