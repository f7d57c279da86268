import type { Kysely } from 'kysely';
import { TracknowError } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { isSealed, keyId, open, seal, SECRET_COLUMNS, sealedKeyId } from '../../store/secret-box.js';

export interface EncryptSummary {
  readonly key_id: string;
  /** Merchants with at least one secret or token. */
  readonly merchants: number;
  /** Values sealed by this run. */
  readonly encrypted: number;
  /** Values that were sealed already (with this key). */
  readonly already: number;
  readonly dry_run: boolean;
}

/**
 * `tracknow secrets encrypt`: seals every plain platform secret and token with the key, in one
 * transaction. A value sealed with another key stops the run before anything is written (a
 * second key would leave the store needing two); re-running it changes nothing.
 */
export async function encryptSecrets(
  db: Kysely<Database>,
  key: Buffer | undefined,
  options: { dryRun?: boolean } = {},
): Promise<EncryptSummary> {
  if (!key)
    throw new TracknowError(
      'usage',
      'TRACKNOW_ENCRYPTION_KEY is not set: create a key with `openssl rand -base64 32`, keep it safe, and set it for every tracknow process',
    );
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('merchants')
      .select(['id', ...SECRET_COLUMNS])
      .orderBy('id')
      .forUpdate()
      .execute();
    let merchants = 0;
    let encrypted = 0;
    let already = 0;
    for (const row of rows) {
      const changes: Partial<Record<(typeof SECRET_COLUMNS)[number], string>> = {};
      for (const column of SECRET_COLUMNS) {
        const value = row[column];
        if (value === null) continue;
        if (isSealed(value)) {
          if (sealedKeyId(value) !== keyId(key)) open(value, key, { column, rowId: row.id }); // throws, naming both key ids
          already++;
        } else {
          changes[column] = seal(value, key, { column, rowId: row.id });
          encrypted++;
        }
      }
      if (SECRET_COLUMNS.some((c) => row[c] !== null)) merchants++;
      if (!options.dryRun && Object.keys(changes).length > 0) {
        await trx
          .updateTable('merchants')
          .set({ ...changes, updated_at: new Date() })
          .where('id', '=', row.id)
          .execute();
      }
    }
    return { key_id: keyId(key), merchants, encrypted, already, dry_run: Boolean(options.dryRun) };
  });
}
