import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { Database } from '../../store/schema.js';
import type { TaskRegistry } from './job-runner.js';
import { notifyTasks } from '../notify/notify-jobs.js';
import type { Transports } from '../notify/notify-send.js';
import { enrichTasks } from '../tiktok/tiktok-enrich.js';

/** What the tasks need, built once by whoever runs the worker (serve, schedule, `jobs run`). */
export interface TaskDeps {
  readonly db: Kysely<Database>;
  readonly config: Config;
  readonly transports: Transports;
  /** Extra tasks of the caller (`schedule` adds its cron jobs). */
  readonly extra?: TaskRegistry | undefined;
}

/**
 * Every kind of background work, by task name. Adding a kind is one entry here: a function
 * that returns `{ 'my.task': { maxAttempts, run(payload, ctx), settle? } }`, and code (or a
 * trigger) that enqueues `{ task: 'my.task', payload, key? }` with `enqueueJobs`.
 */
export function allTasks(deps: TaskDeps): TaskRegistry {
  return {
    ...notifyTasks({ db: deps.db, transports: deps.transports, email: deps.config.smtpUrl !== undefined }),
    ...enrichTasks({ db: deps.db, config: deps.config }),
    ...deps.extra,
  };
}
