import { Cron } from 'croner';
import { usage } from '../../errors.js';

/** A job `schedule` runs on its cron expression; `run` gets the tick's scheduled time as its as-of. */
export interface ScheduledJob {
  readonly name: string;
  readonly cron: string;
  run(asOf: Date): Promise<unknown>;
}

/** One JSON log line: the schedule starting or stopping, or one run of a job. */
export type ScheduleLogEntry =
  | {
      time: string;
      event: 'started';
      jobs: { job: string; cron: string; next_run: string | null }[];
      timezone: string | null;
    }
  | { time: string; event: 'run'; job: string; ok: true; duration_ms: number; result: unknown; next_run: string | null }
  | { time: string; event: 'run'; job: string; ok: false; duration_ms: number; error: string; next_run: string | null }
  | { time: string; event: 'stopped'; runs: number; failures: number };

export interface ScheduleOptions {
  readonly jobs: readonly ScheduledJob[];
  /** IANA time zone for the expressions (default: the host's). */
  readonly timezone?: string;
  /** Aborting stops the timers; a run in progress finishes first. */
  readonly signal: AbortSignal;
  log(entry: ScheduleLogEntry): void;
}

export interface ScheduleSummary {
  readonly runs: number;
  readonly failures: number;
}

/** Checks an expression (5 or 6 fields) before anything starts: a typo is a usage error. */
export function checkCron(expression: string, flag: string, timezone?: string): void {
  try {
    new Cron(expression, { paused: true, ...(timezone ? { timezone } : {}) }).stop();
  } catch (err) {
    throw usage(`${flag} ${JSON.stringify(expression)} is not a cron expression: ${(err as Error).message}`);
  }
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Runs each job on its cron expression until `signal` aborts, one run at a time (the jobs share
 * the ledger lock anyway, and a queue keeps the log in order). A failed run is logged, never
 * fatal: the next tick tries again. Resolves once stopped and idle.
 */
export async function runSchedule(options: ScheduleOptions): Promise<ScheduleSummary> {
  const { jobs, timezone, signal, log } = options;
  for (const job of jobs) checkCron(job.cron, `--${job.name}-cron`, timezone);
  let queue: Promise<void> = Promise.resolve();
  let runs = 0;
  let failures = 0;
  const crons = jobs.map((job) => {
    const cron: Cron = new Cron(job.cron, { protect: true, ...(timezone ? { timezone } : {}) }, () => {
      // The tick's scheduled time, the same in every scheduler (it keys the tick's job).
      const fired = new Date();
      const asOf = cron.previousRuns(1, new Date(fired.getTime() + 1))[0] ?? fired;
      queue = queue.then(async () => {
        if (signal.aborted) return;
        const started = performance.now();
        const base = { time: new Date().toISOString(), event: 'run' as const, job: job.name };
        try {
          const result = await job.run(asOf);
          runs++;
          log({
            ...base,
            ok: true,
            duration_ms: Math.round(performance.now() - started),
            result,
            next_run: iso(cron.nextRun()),
          });
        } catch (err) {
          runs++;
          failures++;
          log({
            ...base,
            ok: false,
            duration_ms: Math.round(performance.now() - started),
            error: (err as Error).message ?? String(err),
            next_run: iso(cron.nextRun()),
          });
        }
      });
      return queue;
    });
    return { job, cron };
  });
  log({
    time: new Date().toISOString(),
    event: 'started',
    jobs: crons.map(({ job, cron }) => ({ job: job.name, cron: job.cron, next_run: iso(cron.nextRun()) })),
    timezone: timezone ?? null,
  });
  await new Promise<void>((done) => {
    if (signal.aborted) done();
    else signal.addEventListener('abort', () => done(), { once: true });
  });
  for (const { cron } of crons) cron.stop();
  await queue;
  log({ time: new Date().toISOString(), event: 'stopped', runs, failures });
  return { runs, failures };
}
