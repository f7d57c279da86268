import { Kysely, PostgresDialect } from 'kysely';
import { embeddedDataDir, type Config } from '../config.js';
import { TracknowError, isDbUnavailable } from '../errors.js';
import type { Database } from './schema.js';
import { acquireStoreLock, type StoreLock } from './store-lock.js';
import { assertMigrated, migrateIfNeeded } from './migrator.js';
import { rememberPool } from './pg-pools.js';
import { prepareMarkedStatements } from './prepared.js';

export type Backend = 'pglite' | 'postgres';

/** An open database and the one way to release everything it holds. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly backend: Backend;
  /** The embedded PGlite instance, when this process owns the store (serve shares it). */
  readonly pglite?: import('@electric-sql/pglite').PGlite;
  readonly lock?: StoreLock;
  /** Guards PGlite's one session; shared with the socket that serves other processes. */
  readonly gate?: import('./session-gate.js').SessionGate;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** `check` (default): fail if migrations are pending on PostgreSQL; the embedded store migrates itself. `none`: no check (for `migrate`). */
  readonly migrations?: 'check' | 'none';
  /** Pool size on PostgreSQL. */
  readonly poolSize?: number;
}

/** int8 as bigint on both back ends; everything else as the driver parses it. */
const INT8_OID = 20;

export async function openStore(config: Config, options: OpenStoreOptions = {}): Promise<Store> {
  const store = config.databaseUrl
    ? await openPostgres(config.databaseUrl, options.poolSize ?? 10)
    : await openEmbedded(config);
  if (options.migrations !== 'none' && store.backend === 'postgres') {
    try {
      await assertMigrated(store.db);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}

/** Opens PostgreSQL through a pg Pool and proves it answers. */
export async function openPostgres(url: string, poolSize: number, socketOwner?: string): Promise<Store> {
  const pg = (await import('pg')).default;
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, connectionTimeoutMillis: 5000 });
  pool.on('error', () => undefined); // an idle client dropped by the server; the next query reconnects
  // A checked-out client has no listener of the pool's: a server shutdown between two statements
  // (57P01) would be an unhandled 'error' event and kill the process. Its next query fails instead
  // (a 503 in the listener) and the pool discards it on release.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    // The ingest batch's statements, planned once per connection. Not through the embedded
    // store's socket: its clients share one session, where a name prepared by one is taken.
    if (!socketOwner) prepareMarkedStatements(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw unreachable(socketOwner ? `the embedded store shared by process ${socketOwner}` : describeUrl(url), err);
  }
  // The backfill's COPY needs the wire protocol: a real server only, not the embedded store's socket.
  if (socketOwner === undefined) rememberPool(db, pool);
  return { db, backend: 'postgres', close: () => db.destroy() };
}

function unreachable(what: string, err: unknown): TracknowError {
  const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new TracknowError(
    'db_unavailable',
    `cannot reach ${what} (${reason}); check that it is running and DATABASE_URL is right`,
    { cause: err },
  );
}

/** host:port/database of a connection string, without the password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `PostgreSQL at ${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL is not a valid URL)';
  }
}

async function openEmbedded(config: Config): Promise<Store> {
  const deadline = Date.now() + config.storeLockTimeoutMs;
  for (;;) {
    const claim = await acquireStoreLock(config.home, Math.max(0, deadline - Date.now()));
    if (claim.kind === 'acquired') return openOwned(config, claim.lock);
    // `tracknow serve` holds the store and shares it on a local socket, one client at a time.
    try {
      const store = await openPostgres(
        `postgres://tracknow@localhost/postgres?host=${encodeURIComponent(claim.socketDir)}`,
        1,
        String(claim.pid),
      );
      return { ...store, backend: 'pglite' };
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function openOwned(config: Config, lock: StoreLock): Promise<Store> {
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create(embeddedDataDir(config.home), { parsers: PGLITE_PARSERS });
    const store = await pgliteStore(pglite, lock);
    try {
      await migrateIfNeeded(store.db);
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/** int8 as bigint: PGlite would return a number for small values and a bigint for large ones. */
export const PGLITE_PARSERS = { [INT8_OID]: (v: string) => BigInt(v) };

/** Wraps an open PGlite (embedded store or a test's in-memory copy) as a Store that closes it. */
export async function pgliteStore(pglite: import('@electric-sql/pglite').PGlite, lock?: StoreLock): Promise<Store> {
  const { PGliteDialect } = await import('./pglite-dialect.js');
  const { SessionGate } = await import('./session-gate.js');
  const gate = new SessionGate();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, gate) });
  const close = async () => {
    await db.destroy();
    await pglite.close();
    await lock?.release();
  };
  return { db, backend: 'pglite', pglite, gate, ...(lock ? { lock } : {}), close };
}

/** Runs `fn` against an open store and always closes it; maps connection loss to db_unavailable. */
export async function withStore<T>(
  config: Config,
  fn: (store: Store) => Promise<T>,
  options?: OpenStoreOptions,
): Promise<T> {
  const store = await openStore(config, options);
  try {
    return await fn(store);
  } catch (err) {
    if (isDbUnavailable(err) && !(err instanceof TracknowError)) throw unreachable('the database', err);
    throw err;
  } finally {
    await store.close();
  }
}
