import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../domain/notifications.js';
import type { Database } from '../store/schema.js';
import { DeliveryPool, type PoolCounts } from './notify-pool.js';
import { createTransports, type Transports } from './notify-send.js';

export interface DeliverOptions {
  /** Per-request timeout. */
  readonly timeoutMs: number;
  /** Sends in flight at once. */
  readonly concurrency: number;
  /** Emails go out only with an SMTP server; without one, email deliveries are neither planned nor claimed. */
  readonly smtp?: { readonly url: string; readonly from: string } | undefined;
  /** The clock (tests drive retries with it). */
  readonly now?: () => Date;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
  readonly policy?: RetryPolicy;
  /** Stops the run: nothing new is sent, sends in flight are aborted and given back. */
  readonly signal?: AbortSignal;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Keep delivering until `signal`, looking for new work this often when idle (`serve`). */
  readonly pollMs?: number;
  /** Replaces the real HTTP and SMTP senders (tests). */
  readonly transports?: Transports;
}

export type DeliverSummary = PoolCounts;

/**
 * Delivers what is due, then returns: fans new outbox rows out to their receivers, then
 * claims, sends and records deliveries until none is due (with `pollMs`: until `signal`).
 * Safe to run in any number of processes at once: rows are claimed with SKIP LOCKED and
 * leased while they are sent.
 */
export async function deliverDue(db: Kysely<Database>, options: DeliverOptions): Promise<DeliverSummary> {
  const now = options.now ?? (() => new Date());
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const transports = options.transports ?? (await createTransports({ timeoutMs: options.timeoutMs, smtp: options.smtp, now, signal: options.signal }));
  try {
    const pool = new DeliveryPool(db, transports, {
      claimId: randomUUID(),
      concurrency: Math.max(1, options.concurrency),
      timeoutMs: options.timeoutMs,
      email: options.smtp !== undefined,
      now,
      random: options.random ?? Math.random,
      policy,
      signal: options.signal,
      log: options.log,
      pollMs: options.pollMs,
    });
    return await pool.run();
  } finally {
    if (!options.transports) await transports.close();
  }
}

/** The delivery settings from the configuration. */
export function deliverOptionsFrom(config: Config): DeliverOptions {
  return {
    timeoutMs: config.notify.timeoutMs,
    concurrency: config.notify.concurrency,
    smtp: config.smtpUrl ? { url: config.smtpUrl, from: config.smtpFrom } : undefined,
  };
}
