import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Everything tracknow reads from its environment, resolved once: flags > env > defaults. */
export interface Config {
  /** PostgreSQL connection string; undefined selects the embedded PGlite store. */
  readonly databaseUrl: string | undefined;
  /** Where the embedded store and local state live. */
  readonly home: string;
  /** TRACKNOW_HOME was set explicitly (the demo then uses it instead of a temporary folder). */
  readonly homeFromEnv: boolean;
  /** How long a command waits for another process to release the embedded store. */
  readonly storeLockTimeoutMs: number;
  readonly tiktokApiUrl: string;
  readonly tiktokAuthUrl: string;
  readonly smtpUrl: string | undefined;
  readonly sepaDebtor: { readonly name?: string; readonly iban?: string; readonly bic?: string };
  /** NO_COLOR is set: no colour in any output. */
  readonly noColor: boolean;
  /** Salt for hashing click IPs; never stored beside the hash. */
  readonly clickSalt: string | undefined;
  /** Sender address of notification emails (TRACKNOW_SMTP_FROM). */
  readonly smtpFrom: string;
  /** Notification delivery: per-request timeout, sends in flight, and `serve`'s polling interval. */
  readonly notify: { readonly timeoutMs: number; readonly concurrency: number; readonly intervalMs: number };
}

export interface ConfigFlags {
  readonly databaseUrl?: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The one reader of `process.env`. */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const home = resolve(nonEmpty(env.TRACKNOW_HOME) ?? join(homedir(), '.tracknow'));
  const lockTimeout = Number(env.TRACKNOW_LOCK_TIMEOUT_MS ?? '15000');
  return Object.freeze({
    databaseUrl: nonEmpty(flags.databaseUrl) ?? nonEmpty(env.DATABASE_URL),
    home,
    homeFromEnv: nonEmpty(env.TRACKNOW_HOME) !== undefined,
    storeLockTimeoutMs: Number.isFinite(lockTimeout) && lockTimeout >= 0 ? lockTimeout : 15000,
    tiktokApiUrl: nonEmpty(env.TRACKNOW_TIKTOK_API_URL) ?? 'https://open-api.tiktokglobalshop.com',
    tiktokAuthUrl: nonEmpty(env.TRACKNOW_TIKTOK_AUTH_URL) ?? 'https://auth.tiktok-shops.com',
    smtpUrl: nonEmpty(env.TRACKNOW_SMTP_URL),
    sepaDebtor: Object.freeze({
      name: nonEmpty(env.TRACKNOW_SEPA_DEBTOR_NAME),
      iban: nonEmpty(env.TRACKNOW_SEPA_DEBTOR_IBAN),
      bic: nonEmpty(env.TRACKNOW_SEPA_DEBTOR_BIC),
    }),
    noColor: nonEmpty(env.NO_COLOR) !== undefined,
    clickSalt: nonEmpty(env.TRACKNOW_CLICK_SALT),
    smtpFrom: nonEmpty(env.TRACKNOW_SMTP_FROM) ?? 'tracknow <notifications@tracknow.invalid>',
    notify: Object.freeze({
      timeoutMs: positiveInt(env.TRACKNOW_NOTIFY_TIMEOUT_MS, 10_000),
      concurrency: positiveInt(env.TRACKNOW_NOTIFY_CONCURRENCY, 16),
      intervalMs: positiveInt(env.TRACKNOW_NOTIFY_INTERVAL_MS, 5_000),
    }),
  });
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(nonEmpty(value) ?? fallback);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** Where the embedded PGlite data directory lives under a home. */
export const embeddedDataDir = (home: string) => join(home, 'db');
