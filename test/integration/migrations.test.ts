import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { runMigrations } from '../../src/services/migrations.js';
import { openPostgres } from '../../src/store/connect.js';
import { assertMigrated, migrationsCurrent } from '../../src/store/migrator.js';
import { describeBackends, dropPostgres } from '../helpers/db.js';
import { adminQuery, databaseUrl, testDatabaseUrl } from '../helpers/pg-admin.js';

const ALL = Object.keys(migrations);

describeBackends('migrations', (t, backend) => {
  it('are all applied, and applying again changes nothing', async () => {
    const again = await runMigrations(t().db, 'latest');
    expect(again.applied).toEqual([]);
    expect(again.status.map((m) => m.name)).toEqual(ALL);
    expect(again.status.every((m) => m.executed_at !== null)).toBe(true);
  });

  it('go all the way down and up again', async () => {
    for (let n = 0; n < ALL.length; n++) await runMigrations(t().db, 'down');
    const empty = await sql<{
      n: string;
    }>`select count(*) as n from information_schema.tables where table_schema = 'public' and table_name = 'sales'`.execute(
      t().db,
    );
    expect(Number(empty.rows[0]!.n)).toBe(0);
    expect((await runMigrations(t().db, 'latest')).applied).toEqual(ALL);
  });

  it('the one-query check is true only when exactly the known migrations have run', async () => {
    expect(await migrationsCurrent(t().db)).toBe(true);
    await assertMigrated(t().db);
    await runMigrations(t().db, 'down');
    expect(await migrationsCurrent(t().db)).toBe(false);
    await expect(assertMigrated(t().db)).rejects.toMatchObject({ code: 'migrations_pending' });
    await runMigrations(t().db, 'latest');
    expect(await migrationsCurrent(t().db)).toBe(true);
    // One this build does not know (a newer build ran it): not current, so the migrator decides.
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2026-01-01T00:00:00.000Z')`.execute(
      t().db,
    );
    try {
      expect(await migrationsCurrent(t().db)).toBe(false);
    } finally {
      await sql`delete from kysely_migration where name = '9999_from_the_future'`.execute(t().db);
    }
  });

  it.runIf(backend === 'postgres')('run from empty, concurrently, exactly once', async () => {
    const base = testDatabaseUrl()!;
    const name = `tracknow_mig_${process.pid}_${Date.now()}`;
    await adminQuery(base, `create database ${name}`);
    const url = databaseUrl(base, name);
    const stores = await Promise.all([openPostgres(url, 2), openPostgres(url, 2), openPostgres(url, 2)]);
    try {
      expect(await migrationsCurrent(stores[0]!.db)).toBe(false); // no migration table yet
      const results = await Promise.all(stores.map((s) => runMigrations(s.db, 'latest')));
      expect(results.flatMap((r) => r.applied).sort()).toEqual([...ALL].sort());
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await dropPostgres(url);
    }
  });
});
