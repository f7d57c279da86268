import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface BackfillFileKey {
  readonly merchantId: string;
  readonly platform: string;
  readonly sha256: string;
  readonly name: string;
  readonly size: number;
  readonly format: string;
}

/**
 * The file's row (migration 0013): created on its first run, taken again by every later run of
 * the same content (a re-run, or the rest of a run that stopped midway). Returns its id.
 */
export async function recordBackfillFile(db: Kysely<Database>, file: BackfillFileKey): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into backfill_files (id, merchant_id, platform, sha256, name, size_bytes, format)
    values (${randomUUID()}, ${file.merchantId}, ${file.platform}, ${file.sha256}, ${file.name}, ${file.size}, ${file.format})
    on conflict (merchant_id, platform, sha256) do update set sha256 = excluded.sha256
    returning id`.execute(db);
  return rows[0]!.id;
}

export interface BackfillFileCounts {
  readonly rows: number;
  readonly orders: number;
  readonly rejectedRows: number;
}

/** Marks a file read to the end: its counts and when. */
export async function completeBackfillFile(
  db: Kysely<Database>,
  id: string,
  counts: BackfillFileCounts,
): Promise<void> {
  await db
    .updateTable('backfill_files')
    .set({ rows: counts.rows, orders: counts.orders, rejected_rows: counts.rejectedRows, completed_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}
