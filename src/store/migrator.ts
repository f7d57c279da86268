import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { TracknowError } from '../errors.js';

export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

export interface MigrationStatus {
  readonly name: string;
  readonly executed_at: Date | null;
}

export async function migrationStatus(db: Kysely<any>): Promise<MigrationStatus[]> {
  const infos = await createMigrator(db).getMigrations();
  return infos.map((m) => ({ name: m.name, executed_at: m.executedAt ?? null }));
}

/** Throws the `migrations_pending` error that names the fix. */
export async function assertMigrated(db: Kysely<any>): Promise<void> {
  const pending = (await migrationStatus(db)).filter((m) => m.executed_at === null);
  if (pending.length > 0) {
    throw new TracknowError(
      'migrations_pending',
      `${pending.length} database migration(s) pending (${pending.map((m) => m.name).join(', ')}); run \`tracknow migrate\` first`,
    );
  }
}

/** Turns Kysely's result set into a thrown error or the list of applied names. */
export function unwrapMigrationResult({ error, results }: MigrationResultSet): string[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new TracknowError(
      'internal',
      `migration ${failed?.migrationName ?? ''} failed: ${String((error as Error).message ?? error)}`,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
