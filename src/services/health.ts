import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { pingStore } from '../store/health.js';

/** `/healthz`: resolves when the database answers a read of the schema; rejects when it does not. */
export async function checkDatabase(db: Kysely<Database>): Promise<void> {
  await pingStore(db);
}
