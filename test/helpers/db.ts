import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import {
  openPostgres,
  openStore,
  pgliteStore,
  PGLITE_PARSERS,
  type Backend,
  type Store,
} from '../../src/store/connect.js';
import { runInProcess, type CliResult } from './cli.js';
import { adminQuery, databaseUrl, testDatabaseUrl } from './pg-admin.js';

export type { Backend };

/** The back ends every integration test runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const BACKENDS: readonly Backend[] = inject('pgTemplate') ? ['pglite', 'postgres'] : ['pglite'];

/** A fresh, migrated database of one back end, owned by one test file. */
export interface TestDb {
  readonly backend: Backend;
  readonly store: Store;
  readonly db: Store['db'];
  /** PostgreSQL: the database's URL (for spawning the CLI or a second process). */
  readonly url?: string;
  close(): Promise<void>;
}

/** A new PostgreSQL database cloned from the run's migrated template; returns its URL. */
export async function freshPostgresUrl(): Promise<string> {
  const base = testDatabaseUrl();
  const template = inject('pgTemplate');
  if (!base || !template) throw new Error('TEST_DATABASE_URL is not set');
  const name = `tracknow_t_${inject('runId')}_${randomBytes(4).toString('hex')}`;
  await adminQuery(base, `create database ${name} template ${template}`);
  return databaseUrl(base, name);
}

export async function dropPostgres(url: string): Promise<void> {
  const base = testDatabaseUrl();
  const name = new URL(url).pathname.slice(1);
  if (base) await adminQuery(base, `drop database if exists ${name} with (force)`);
}

export async function createTestDb(backend: Backend): Promise<TestDb> {
  if (backend === 'postgres') {
    const url = await freshPostgresUrl();
    const store = await openPostgres(url, 10);
    return {
      backend,
      store,
      db: store.db,
      url,
      async close() {
        await store.close();
        await dropPostgres(url);
      },
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const dump = new Blob([await readFile(inject('pgliteDump'))]);
  const store = await pgliteStore(await PGlite.create({ loadDataDir: dump, parsers: PGLITE_PARSERS }));
  return { backend, store, db: store.db, close: () => store.close() };
}

/** Runs a describe block once per back end, each with its own fresh database for the file. */
export function describeBackends(name: string, fn: (t: () => TestDb, backend: Backend) => void): void {
  for (const backend of BACKENDS) {
    describe(`${name} [${backend}]`, () => {
      let testDb: TestDb | undefined;
      beforeAll(async () => {
        testDb = await createTestDb(backend);
      });
      afterAll(async () => {
        await testDb?.close();
      });
      fn(() => {
        if (!testDb) throw new Error('test database not ready');
        return testDb;
      }, backend);
    });
  }
}

/** Environment for spawning the CLI on a fresh database: a copied embedded home, or a new PostgreSQL database. */
export interface CliTarget {
  readonly backend: Backend;
  readonly env: Record<string, string>;
  readonly home: string;
  readonly config: Readonly<Config>;
  /** The target's store, opened once (holding the embedded store's lock) and shared by `run`. */
  store(): Promise<Store>;
  /** Runs the program in-process on the shared store; `env` adds to the target's. */
  run(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /** Closes the shared store, so a spawned process can take the lock; `run` opens it again. */
  release(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createCliTarget(backend: Backend): Promise<CliTarget> {
  const home = await mkdtemp(join(tmpdir(), 'tracknow-cli-'));
  let url: string | undefined;
  if (backend === 'pglite') await cp(inject('pgliteHome'), home, { recursive: true });
  else url = await freshPostgresUrl();
  const env = { TRACKNOW_HOME: home, DATABASE_URL: url ?? '' };
  const config = loadConfig({}, env);
  let open: Promise<Store> | undefined;
  const store = () => (open ??= openStore(config));
  const release = async () => {
    const closing = open;
    open = undefined;
    await (await closing)?.close();
  };
  return {
    backend,
    env,
    home,
    config,
    store,
    release,
    run: async (args, extra = {}) => runInProcess(args, { ...env, ...extra }, await store()),
    async cleanup() {
      await release();
      if (url) await dropPostgres(url);
      await rm(home, { recursive: true, force: true });
    },
  };
}
