import { homedir } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { TracknowError } from './errors.js';

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
  /** TRACKNOW_TRUSTED_PROXIES: peers (addresses or CIDRs) whose X-Forwarded-For/-Proto are believed. */
  readonly trustedProxies: readonly TrustedProxy[];
  /** TRACKNOW_ENCRYPTION_KEY, decoded (32 bytes): platform secrets and tokens are stored sealed with it. */
  readonly encryptionKey: Buffer | undefined;
}

/** One TRACKNOW_TRUSTED_PROXIES entry: an address, or a network when `prefix` is set. */
export interface TrustedProxy {
  readonly address: string;
  readonly family: 'ipv4' | 'ipv6';
  readonly prefix?: number;
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
    trustedProxies: Object.freeze(parseTrustedProxies(env.TRACKNOW_TRUSTED_PROXIES ?? '')),
    encryptionKey: parseEncryptionKey(nonEmpty(env.TRACKNOW_ENCRYPTION_KEY)),
  });
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(nonEmpty(value) ?? fallback);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** Where the embedded PGlite data directory lives under a home. */
export const embeddedDataDir = (home: string) => join(home, 'db');

/** `10.0.0.1, 10.1.0.0/16, ::1`: each entry an IP address or a CIDR; anything else is an error naming it. */
export function parseTrustedProxies(text: string): TrustedProxy[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [address = '', prefixText, extra] = entry.split('/');
      const version = isIP(address);
      const max = version === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? undefined : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
      if (version === 0 || extra !== undefined || (prefix !== undefined && !(prefix >= 0 && prefix <= max))) {
        throw new TracknowError(
          'invalid',
          `TRACKNOW_TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an IP address or CIDR such as 10.0.0.0/8`,
        );
      }
      return { address, family: version === 4 ? 'ipv4' : 'ipv6', ...(prefix === undefined ? {} : { prefix }) };
    });
}

function parseEncryptionKey(text: string | undefined): Buffer | undefined {
  if (text === undefined) return undefined;
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()) ? Buffer.from(text.trim(), 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new TracknowError(
      'invalid',
      'TRACKNOW_ENCRYPTION_KEY must be base64 of 32 bytes: create one with `openssl rand -base64 32`',
    );
  }
  return key;
}
