/** SQLSTATE of a database error from pg or PGlite, if it has one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';

/** Serialization failure, deadlock: PostgreSQL undid the transaction, and running it again is safe. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Runs a whole transaction (`fn`) again when PostgreSQL undid it for a conflict, up to `attempts` times. */
export async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await fn();
    } catch (err) {
      const code = sqlState(err);
      if (n >= attempts || code === undefined || !RETRYABLE.has(code)) throw err;
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid column compared with a non-uuid string is a SQL error; callers check first. */
export const isUuid = (value: string) => UUID.test(value);
