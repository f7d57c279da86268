import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Keeps the planner statistics of the tables ingest looks up by key current during a bulk load.
 * Without them, on a new or small database, the planner once probed webhook_events through
 * (merchant, platform, order_id) and read every row of the merchant per key: quadratic. PGlite
 * has no autovacuum to catch up, and PostgreSQL's looks only once a minute. So: ANALYZE each
 * time the rows written since the last statistics outnumber the rows those were taken on.
 */
export class PlannerStats {
  #grown = 0;

  private constructor(
    private readonly db: Kysely<Database>,
    /** Rows the statistics were taken on; -1 when the table was never analyzed. */
    private basis: number,
  ) {}

  static async of(db: Kysely<Database>): Promise<PlannerStats> {
    const { rows } = await sql<{
      n: number;
    }>`select reltuples::float8 as n from pg_class where oid = 'webhook_events'::regclass`.execute(db);
    return new PlannerStats(db, Number(rows[0]?.n ?? -1));
  }

  /** Counts inbox rows just written. */
  grew(rows: number): void {
    this.#grown += rows;
  }

  /** Never analyzed, or doubled since (by at least 1,000 rows): duplicates are looked up by key too. */
  get stale(): boolean {
    return this.basis < 0 || this.#grown >= Math.max(1000, this.basis);
  }

  /** Not stale from the moment it is called: writes may go on while the ANALYZE runs beside them. */
  async refresh(): Promise<void> {
    this.basis = Math.max(0, this.basis) + this.#grown;
    this.#grown = 0;
    // The key columns only: sampling the raw bodies cost more than the rest together.
    await sql`analyze webhook_events (merchant_id, platform, dedupe_key, order_id), sales (merchant_id, platform, external_order_id)`.execute(
      this.db,
    );
  }
}
