import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';

/** The PostgreSQL server the suite also runs against; unset: PGlite only. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL;
  return url && url.trim() !== '' ? url : undefined;
}

/** The same server, another database. */
export function databaseUrl(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

/** One statement on the admin database (CREATE/DROP DATABASE cannot run in a transaction). */
export async function adminQuery(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

export async function withDatabase<T>(base: string, database: string, fn: (db: Kysely<any>) => Promise<T>): Promise<T> {
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(base, database), max: 2 }) }),
  });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}
