import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, type Store } from '../src/store/connect.js';
import { createMigrator, unwrapMigrationResult } from '../src/store/migrator.js';

/** The PostgreSQL server benches run against: DATABASE_URL, else TEST_DATABASE_URL, else the local `test`. */
export function benchServerUrl(): string {
  return process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://root@127.0.0.1:5432/test';
}

/** One statement on its own connection (CREATE/DROP DATABASE cannot run in a transaction). */
export async function admin(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated scratch database beside the server's; `drop()` removes it. */
export async function scratchDatabase(
  prefix: string,
  poolSize = 10,
): Promise<{ url: string; store: Store; drop(): Promise<void> }> {
  const base = benchServerUrl();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin(base, `create database ${name}`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  const store = await openPostgres(url, poolSize);
  unwrapMigrationResult(await createMigrator(store.db).migrateToLatest());
  return {
    url,
    store,
    async drop() {
      await store.close();
      await admin(base, `drop database if exists ${name} with (force)`);
    },
  };
}

/** p-th percentile of sorted milliseconds. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
