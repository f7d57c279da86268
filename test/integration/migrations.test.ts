import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { runMigrations } from '../../src/services/migrations.js';
import { openPostgres } from '../../src/store/connect.js';
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

  it.runIf(backend === 'postgres')('run from empty, concurrently, exactly once', async () => {
    const base = testDatabaseUrl()!;
    const name = `tracknow_mig_${process.pid}_${Date.now()}`;
    await adminQuery(base, `create database ${name}`);
    const url = databaseUrl(base, name);
    const stores = await Promise.all([openPostgres(url, 2), openPostgres(url, 2), openPostgres(url, 2)]);
    try {
      const results = await Promise.all(stores.map((s) => runMigrations(s.db, 'latest')));
      expect(results.flatMap((r) => r.applied).sort()).toEqual([...ALL].sort());
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await dropPostgres(url);
    }
  });
});
