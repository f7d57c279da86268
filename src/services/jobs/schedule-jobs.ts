import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import { enqueueJobs } from '../../store/jobs-repo.js';
import type { Database } from '../../store/schema.js';
import { runJobs, type Task, type TaskRegistry } from './job-runner.js';
import { field } from '../notify/notify-jobs.js';
import { deliverDue, deliverOptionsFrom } from '../notify/notify.js';
import { payout, payoutJson, type PayoutOptions } from '../payouts/payout.js';
import { reconcileAllTikTok } from '../tiktok/tiktok-reconcile-all.js';
import { validate } from '../payouts/validate.js';

/** The kinds of work `tracknow schedule` runs on cron expressions. */
export const SCHEDULED = ['validate', 'payout', 'reconcile', 'notify'] as const;
export type ScheduledName = (typeof SCHEDULED)[number];

/** A scheduled run that fails is retried by the backoff (30 s, 1 min) before its tick is given up. */
const SCHEDULE_MAX_ATTEMPTS = 3;

export interface ScheduleTaskDeps {
  readonly db: Kysely<Database>;
  readonly config: Config;
  readonly payout: Omit<PayoutOptions, 'asOf'>;
}

/** `schedule.<name>` jobs: payload `{ as_of }`, the cron tick's time. */
export function scheduleTasks(deps: ScheduleTaskDeps): TaskRegistry {
  const asOf = (payload: unknown) => new Date(field(payload, 'as_of'));
  const task = (run: (asOf: Date) => Promise<unknown>): Task => ({
    maxAttempts: SCHEDULE_MAX_ATTEMPTS,
    run: (payload) => run(asOf(payload)),
  });
  return {
    'schedule.validate': task((at) => validate(deps.db, { asOf: at })),
    'schedule.payout': task(async (at) => payoutJson(await payout(deps.db, { ...deps.payout, asOf: at }))),
    'schedule.reconcile': task((at) => reconcileAllTikTok(deps.db, deps.config, { now: at })),
    'schedule.notify': task(() => deliverDue(deps.db, deliverOptionsFrom(deps.config))),
  };
}

export interface TickResult {
  readonly job_id: string;
  /** False when another scheduler already enqueued this tick (the job key exists). */
  readonly enqueued: boolean;
  readonly status: 'pending' | 'done' | 'failed';
}

/**
 * One cron tick: enqueues `schedule.<name>` keyed by the tick's time, so two schedulers never
 * double-run it, then runs that kind's due jobs (this tick's, and an earlier tick's retry).
 * Throws when the tick's job did not succeed, with its error (it stays in `tracknow jobs list`).
 */
export async function runTick(deps: ScheduleTaskDeps, name: ScheduledName, tick: Date): Promise<TickResult> {
  const task = `schedule.${name}`;
  const key = `${task}:${tick.toISOString()}`;
  const [id] = await enqueueJobs(deps.db, [
    { task, payload: { as_of: tick.toISOString() }, key, maxAttempts: SCHEDULE_MAX_ATTEMPTS },
  ]);
  await runJobs(deps.db, { tasks: scheduleTasks(deps), only: [task], concurrency: 1 });
  const job = await deps.db
    .selectFrom('jobs')
    .select(['id', 'status', 'last_error', 'locked_by'])
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  if (job.status === 'done' || (job.locked_by !== null && id === undefined))
    return { job_id: job.id, enqueued: id !== undefined, status: job.status };
  throw new Error(
    `${task} job ${job.id} ${job.status === 'failed' ? 'failed' : 'will retry'}: ${job.last_error ?? 'unknown error'}`,
  );
}
