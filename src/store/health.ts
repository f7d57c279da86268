import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** One cheap read of a migrated table: the database answers and the schema is there. */
export async function pingStore(db: Kysely<Database>): Promise<void> {
  await db.selectFrom('merchants').select('id').limit(1).execute();
}
