import type { Kysely } from 'kysely';
import { PermanentJobError } from '../../domain/jobs.js';
import { fanOutNotifications, loadDelivery, recordDeliveries, type DeliveryToSend } from '../../store/notify-repo.js';
import type { Database } from '../../store/schema.js';
import type { Task, TaskRegistry } from '../jobs/job-runner.js';
import type { SendResult, Transports } from './notify-send.js';

/** About 24 h of the one backoff (30 s doubling, capped at 4 h). */
export const DELIVERY_MAX_ATTEMPTS = 14;
/** A receiver that hung gets its other deliveries back a minute later, not a worker each. */
const DEFER_MS = 60_000;

export interface NotifyTaskDeps {
  readonly db: Kysely<Database>;
  readonly transports: Transports;
  /** Whether this runner sends emails (an SMTP server is configured). */
  readonly email: boolean;
  /** Told how many outbox rows each fan-out turned into deliveries (a job carries many since 0015). */
  readonly onFannedOut?: (rows: number) => void;
}

/**
 * Notification delivery as jobs. The outbox rows (written with the change they report) get a
 * `notify.fanout` job from a trigger, one per statement (0015); that job plans one delivery row
 * per receiver and one job per delivery (`notify.webhook` in the endpoint's lane, `notify.email`
 * in 'smtp'). The job holds the retry state; the delivery row mirrors it as the record of what
 * was sent.
 */
export function notifyTasks(deps: NotifyTaskDeps): TaskRegistry {
  // One fan-out statement at a time per runner: its workers are for sending (16 by default), and
  // several fan-outs at once took as many database connections and CPU from the listener's
  // ingest, whose latency they made spike (issue #22).
  const fanOut = oneAtATime(async (ids: string[], now: Date) => {
    const rows = await fanOutNotifications(deps.db, {
      ids,
      now,
      email: deps.email,
      maxAttempts: DELIVERY_MAX_ATTEMPTS,
    });
    deps.onFannedOut?.(rows);
    return rows;
  });
  const fanout: Task = {
    maxAttempts: 25,
    run: (payload, ctx) => fanOut(notificationIds(payload), ctx.now()),
    // One statement for every outbox row this runner holds.
    runMany: (jobs, ctx) =>
      fanOut(
        jobs.flatMap((j) => notificationIds(j.payload)),
        ctx.now(),
      ),
  };
  const deliver: Task = {
    maxAttempts: DELIVERY_MAX_ATTEMPTS,
    async run(payload, ctx) {
      const delivery = await loadDelivery(deps.db, field(payload, 'delivery_id'));
      if (!delivery || delivery.status !== 'pending') return 'nothing to send';
      const result = await send(deps.transports, delivery);
      if (result.kind === 'delivered') return 'delivered';
      if (result.kind === 'fail') throw new PermanentJobError(result.error);
      if (result.timedOut) ctx.deferLane(DEFER_MS);
      throw new Error(result.error);
    },
    async settle(trx, settled) {
      await recordDeliveries(
        trx,
        settled.map(({ job, state }) => ({
          id: field(job.payload, 'delivery_id'),
          status: state.status === 'done' ? 'delivered' : state.status,
          attempts: job.attempts,
          attemptedAt: state.attempted ? state.at : undefined,
          nextAttemptAt: state.status === 'pending' ? state.runAt : undefined,
          error: state.status === 'done' ? null : state.attempted ? state.error : undefined,
        })),
      );
    },
  };
  return { 'notify.fanout': fanout, 'notify.webhook': deliver, ...(deps.email ? { 'notify.email': deliver } : {}) };
}

function send(transports: Transports, d: DeliveryToSend): Promise<SendResult> {
  const envelope = {
    entry: {
      id: d.notification_id,
      event: d.event,
      influencerId: d.influencer_id,
      createdAt: d.created_at,
      payload: d.payload,
    },
    ctx: { merchantName: d.merchant_name, influencerName: d.influencer_name },
  };
  if (d.channel === 'email') {
    return d.email
      ? transports.email(envelope, d.email)
      : Promise.resolve({ kind: 'fail', error: 'the influencer has no email address' });
  }
  if (d.endpoint_removed || !d.url || !d.secret) return Promise.resolve({ kind: 'fail', error: 'endpoint removed' });
  return transports.webhook(envelope, d.url, d.secret);
}

/** `fn`, but a call starts only once the previous call has settled (resolved or rejected). */
export function oneAtATime<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let previous: Promise<unknown> = Promise.resolve();
  return (...args) => {
    const run = previous.then(() => fn(...args));
    previous = run.catch(() => undefined);
    return run;
  };
}

/**
 * The outbox rows of a fan-out job: one per statement that wrote them (`notification_ids`,
 * migration 0015), or one (`notification_id`, jobs queued before it).
 */
export function notificationIds(payload: unknown): string[] {
  const ids = (payload as Record<string, unknown> | null)?.notification_ids;
  if (ids === undefined) return [field(payload, 'notification_id')];
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id !== ''))
    throw new PermanentJobError("the job's payload has no notification_ids");
  return ids as string[];
}

/** A payload's string field; a job without it cannot succeed by retrying. */
export function field(payload: unknown, name: string): string {
  const value = (payload as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' || value === '') throw new PermanentJobError(`the job's payload has no ${name}`);
  return value;
}
