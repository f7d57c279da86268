import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { Database } from '../../store/schema.js';
import { runJobs, type TaskCounts, type TaskRegistry } from './job-runner.js';
import { allTasks } from './job-tasks.js';
import { deliveryLeaseMs } from '../notify/notify.js';
import { createTransports } from '../notify/notify-send.js';

export interface Worker {
  /** Stops taking jobs, aborts the ones in flight (they go back, due now) and waits. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** Extra tasks (schedule's cron jobs). */
  readonly extra?: TaskRegistry | undefined;
  /** Look for due jobs this often when idle (default: TRACKNOW_NOTIFY_INTERVAL_MS). */
  readonly pollMs?: number | undefined;
  readonly log: (entry: Record<string, unknown>) => void;
}

/**
 * Between two claims that found less than a full batch: under webhook load, one fan-out job per
 * ingest batch is then run a few times a second, not after every batch (issue #22's p99).
 */
const CLAIM_GAP_MS = 250;

/**
 * The background worker of `serve` and `schedule`: one job runner for every kind of work, outside
 * any request. If the database fails, the error is logged and the runner restarts after an interval.
 */
export function startWorker(db: Kysely<Database>, config: Config, options: WorkerOptions): Worker {
  const stopping = new AbortController();
  const pollMs = options.pollMs ?? config.notify.intervalMs;
  const stamp = (entry: Record<string, unknown>) => options.log({ time: new Date().toISOString(), ...entry });
  const loop = (async () => {
    const smtp = config.smtpUrl ? { url: config.smtpUrl, from: config.smtpFrom } : undefined;
    const transports = await createTransports({
      timeoutMs: config.notify.timeoutMs,
      smtp,
      now: () => new Date(),
      signal: stopping.signal,
    });
    try {
      while (!stopping.signal.aborted) {
        try {
          await runJobs(db, {
            tasks: allTasks({ db, config, transports, extra: options.extra }),
            concurrency: config.notify.concurrency,
            leaseMs: deliveryLeaseMs(config.notify.timeoutMs),
            pollMs,
            claimGapMs: CLAIM_GAP_MS,
            signal: stopping.signal,
            log: (e) => stamp({ event: 'job', ...e }),
          });
        } catch (err) {
          if (stopping.signal.aborted) return;
          stamp({ event: 'job', error: String((err as Error)?.message ?? err).slice(0, 200) });
          // Cut short (not failed) by stop().
          await sleep(pollMs, undefined, { signal: stopping.signal }).catch(() => undefined);
        }
      }
    } finally {
      await transports.close();
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}

/** Runs every due job of every kind once through, then returns the counts per task (`tracknow jobs run`). */
export async function runDueJobs(db: Kysely<Database>, config: Config): Promise<Record<string, TaskCounts>> {
  const smtp = config.smtpUrl ? { url: config.smtpUrl, from: config.smtpFrom } : undefined;
  const transports = await createTransports({ timeoutMs: config.notify.timeoutMs, smtp, now: () => new Date() });
  try {
    return await runJobs(db, {
      tasks: allTasks({ db, config, transports }),
      concurrency: config.notify.concurrency,
      leaseMs: deliveryLeaseMs(config.notify.timeoutMs),
    });
  } finally {
    await transports.close();
  }
}
