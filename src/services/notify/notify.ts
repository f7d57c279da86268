import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { Database } from '../../store/schema.js';
import { DEFAULT_LEASE_MS, noCounts, runJobs, type TaskCounts } from '../jobs/job-runner.js';
import { notifyTasks } from './notify-jobs.js';
import { createTransports, type Transports } from './notify-send.js';

export interface DeliverOptions {
  /** Per-request timeout. */
  readonly timeoutMs: number;
  /** Sends in flight at once. */
  readonly concurrency: number;
  /** Emails go out only with an SMTP server; without one, email deliveries are neither planned nor taken. */
  readonly smtp?: { readonly url: string; readonly from: string } | undefined;
  /** The clock (tests drive retries with it). */
  readonly now?: () => Date;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
  /** Stops the run: nothing new is sent, sends in flight are aborted and given back. */
  readonly signal?: AbortSignal;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Replaces the real HTTP and SMTP senders (tests). */
  readonly transports?: Transports;
}

export interface DeliverSummary {
  /** Outbox rows turned into deliveries. */
  notifications: number;
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
  /** Deliveries given back for a minute because their receiver hangs. */
  deferred: number;
}

/** A lease long enough for a full local queue to drain at the timeout. */
export const deliveryLeaseMs = (timeoutMs: number) => Math.max(DEFAULT_LEASE_MS, timeoutMs * 30);

/**
 * `tracknow notify`: runs the notification jobs that are due (fan-outs and deliveries), then
 * returns. Safe to run in any number of processes at once: jobs are claimed with SKIP LOCKED
 * and leased while they are sent.
 */
export async function deliverDue(db: Kysely<Database>, options: DeliverOptions): Promise<DeliverSummary> {
  const now = options.now ?? (() => new Date());
  const transports =
    options.transports ??
    (await createTransports({ timeoutMs: options.timeoutMs, smtp: options.smtp, now, signal: options.signal }));
  try {
    let fannedOut = 0;
    const counts = await runJobs(db, {
      tasks: notifyTasks({ db, transports, email: options.smtp !== undefined, onFannedOut: (n) => (fannedOut += n) }),
      concurrency: Math.max(1, options.concurrency),
      leaseMs: deliveryLeaseMs(options.timeoutMs),
      now,
      random: options.random,
      signal: options.signal,
      log: options.log,
    });
    return deliverSummary(counts, fannedOut);
  } finally {
    if (!options.transports) await transports.close();
  }
}

/**
 * The notification counts of a run's per-task counts, and the outbox rows its fan-outs turned
 * into deliveries (not its fan-out jobs: one job carries every row of the statement that wrote them).
 */
export function deliverSummary(counts: Readonly<Record<string, TaskCounts>>, fannedOut: number): DeliverSummary {
  const sends = [counts['notify.webhook'], counts['notify.email']].reduce<TaskCounts>((a, b) => {
    const c = b ?? noCounts();
    return {
      claimed: a.claimed + c.claimed,
      done: a.done + c.done,
      retried: a.retried + c.retried,
      failed: a.failed + c.failed,
      deferred: a.deferred + c.deferred,
    };
  }, noCounts());
  return {
    notifications: fannedOut,
    attempted: sends.done + sends.retried + sends.failed,
    delivered: sends.done,
    retrying: sends.retried,
    failed: sends.failed,
    deferred: sends.deferred,
  };
}

/** The delivery settings from the configuration. */
export function deliverOptionsFrom(config: Config): DeliverOptions {
  return {
    timeoutMs: config.notify.timeoutMs,
    concurrency: config.notify.concurrency,
    smtp: config.smtpUrl ? { url: config.smtpUrl, from: config.smtpFrom } : undefined,
  };
}
