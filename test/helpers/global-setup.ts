import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { adminQuery, testDatabaseUrl, withDatabase } from './pg-admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteDump: string;
    pgliteHome: string;
    pgTemplate: string | null;
    runId: string;
  }
}

/**
 * Migrates once per run: a PGlite dump each test file loads (a fresh PGlite costs ~6 s, a load
 * ~1 s), a migrated embedded home the CLI tests copy, and a PostgreSQL template database each
 * test file clones.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'tracknow-test-'));
  const { PGlite } = await import('@electric-sql/pglite');
  const { Kysely } = await import('kysely');
  const { PGliteDialect } = await import('../../src/store/pglite-dialect.js');
  const { createMigrator, unwrapMigrationResult } = await import('../../src/store/migrator.js');

  const pglite = await PGlite.create();
  const db = new Kysely<any>({ dialect: new PGliteDialect(pglite) });
  unwrapMigrationResult(await createMigrator(db).migrateToLatest());
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  const dumpPath = join(dir, 'pglite.tar');
  await writeFile(dumpPath, Buffer.from(await dump.arrayBuffer()));
  const home = join(dir, 'home');
  await mkdir(home);
  const onDisk = await PGlite.create(join(home, 'db'), { loadDataDir: dump });
  await onDisk.close();

  let pgTemplate: string | null = null;
  const url = testDatabaseUrl();
  if (url) {
    pgTemplate = `tracknow_tpl_${runId}`;
    await adminQuery(url, `create database ${pgTemplate}`);
    await withDatabase(url, pgTemplate, async (pgDb) => {
      unwrapMigrationResult(await createMigrator(pgDb).migrateToLatest());
    });
  }

  project.provide('pgliteDump', dumpPath);
  project.provide('pgliteHome', home);
  project.provide('pgTemplate', pgTemplate);
  project.provide('runId', runId);

  return async () => {
    if (url) {
      const { rows } = await adminQuery(url, `select datname from pg_database where datname like $1`, [
        `tracknow_%${runId}%`,
      ]);
      for (const row of rows as { datname: string }[]) {
        await adminQuery(url, `drop database if exists ${row.datname} with (force)`).catch(() => undefined);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
}
