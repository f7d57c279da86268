import { Migrator, sql, type Kysely, type MigrationResultSet } from 'kysely';
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

/** Kysely's default migration table, where `createMigrator` records what ran. */
const MIGRATION_TABLE = 'kysely_migration';
const UNDEFINED_TABLE = '42P01';

/**
 * True when the database has run exactly the migrations this build knows, by one query. Anything
 * else (no migration table yet, one pending, one this build does not know) is false: the caller
 * then takes Kysely's migrator, with its lock and checks, as before.
 */
export async function migrationsCurrent(db: Kysely<any>): Promise<boolean> {
  let applied: string[];
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
    applied = rows.map((r) => r.name);
  } catch (err) {
    if ((err as { code?: unknown }).code === UNDEFINED_TABLE) return false;
    throw err;
  }
  const known = Object.keys(migrations);
  return applied.length === known.length && known.every((name) => applied.includes(name));
}

/** Applies every pending migration unless the one-query check finds none pending. */
export async function migrateIfNeeded(db: Kysely<any>): Promise<void> {
  if (await migrationsCurrent(db)) return;
  unwrapMigrationResult(await createMigrator(db).migrateToLatest());
}

/** Throws the `migrations_pending` error that names the fix. */
export async function assertMigrated(db: Kysely<any>): Promise<void> {
  if (await migrationsCurrent(db)) return;
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
