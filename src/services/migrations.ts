import type { Kysely } from 'kysely';
import { createMigrator, migrationStatus, unwrapMigrationResult, type MigrationStatus } from '../store/migrator.js';

export interface MigrateResult {
  readonly applied: string[];
  readonly reverted: string[];
  readonly status: MigrationStatus[];
}

/** Applies or reverts migrations; concurrent runs serialise on Kysely's migration lock. */
export async function runMigrations(
  db: Kysely<any>,
  action: 'latest' | 'up' | 'down' | 'status',
): Promise<MigrateResult> {
  const migrator = createMigrator(db);
  let applied: string[] = [];
  let reverted: string[] = [];
  if (action === 'latest') applied = unwrapMigrationResult(await migrator.migrateToLatest());
  if (action === 'up') applied = unwrapMigrationResult(await migrator.migrateUp());
  if (action === 'down') {
    const result = await migrator.migrateDown();
    unwrapMigrationResult(result);
    reverted = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }
  return { applied, reverted, status: await migrationStatus(db) };
}
