import type { Kysely } from 'kysely';
import type pg from 'pg';

/**
 * The pg Pool under a Kysely instance opened on a PostgreSQL server, for the few writers that
 * need the wire protocol itself (the backfill's COPY). Not set for a store shared over the
 * embedded socket, nor for a transaction's Kysely: those take the ordinary path.
 */
const pools = new WeakMap<object, pg.Pool>();

export function rememberPool(db: Kysely<any>, pool: pg.Pool): void {
  pools.set(db, pool);
}

export function poolOf(db: Kysely<any>): pg.Pool | undefined {
  return pools.get(db);
}
