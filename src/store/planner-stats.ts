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
    private basis: number,
  ) {}

  static async of(db: Kysely<Database>): Promise<PlannerStats> {
    const { rows } = await sql<{ n: number }>`select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'webhook_events'::regclass`.execute(db);
    return new PlannerStats(db, Number(rows[0]?.n ?? 0));
  }

  /** Counts inbox rows just written. */
  grew(rows: number): void {
    this.#grown += rows;
  }

  /** Whether the table has doubled since its statistics (and by at least 1,000 rows). */
  get stale(): boolean {
    return this.#grown >= Math.max(1000, this.basis);
  }

  async refresh(): Promise<void> {
    await sql`analyze webhook_events, sales`.execute(this.db);
    this.basis += this.#grown;
    this.#grown = 0;
  }
}
