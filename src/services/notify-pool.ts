import type { Kysely } from 'kysely';
import { giveUpAt, planAfterAttempt, type RetryPolicy } from '../domain/notifications.js';
import { claimDeliveries, fanOutNotifications, recordAttempts, releaseDeliveries, type AttemptRecord, type ClaimedRow } from '../store/notify-repo.js';
import type { Database } from '../store/schema.js';
import { SendAborted, type SendResult, type Transports } from './notify-send.js';

export interface PoolOptions {
  readonly claimId: string;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly email: boolean;
  readonly now: () => Date;
  readonly random: () => number;
  readonly policy: RetryPolicy;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((entry: Record<string, unknown>) => void) | undefined;
  /** Keep going until the signal, looking for new work this often when idle (`serve`); unset: stop when nothing is due (cron). */
  readonly pollMs?: number | undefined;
}

export interface PoolCounts {
  /** Outbox rows turned into deliveries. */
  notifications: number;
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
  deferred: number;
}

/** A receiver that hung this run gets its other rows back a minute later, not a worker each. */
const DEFER_MS = 60_000;
const FAN_OUT_BATCH = 500;
/** Results are written in batches: this many, or after this long. */
const FLUSH_SIZE = 64;
const FLUSH_MS = 100;

/**
 * Sends claimed deliveries with `concurrency` workers. Each receiver (an endpoint, or the
 * SMTP server) gets at most half of the workers, and one that times out is dropped
 * for the rest of the run, so a hanging receiver never holds up the others.
 */
export class DeliveryPool {
  readonly counts: PoolCounts = { notifications: 0, attempted: 0, delivered: 0, retrying: 0, failed: 0, deferred: 0 };
  private queue: ClaimedRow[] = [];
  private readonly busy = new Map<string, number>();
  /** Endpoints that hung, and until when this run leaves them alone. */
  private readonly slow = new Map<string, number>();
  private exhausted = false;
  private claiming: Promise<void> | undefined;
  private waiters: (() => void)[] = [];
  private poll: NodeJS.Timeout | undefined;
  private records: AttemptRecord[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private written: Promise<void> = Promise.resolve();
  private error: unknown;
  private readonly perTarget: number;
  private readonly batch: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly transports: Transports,
    private readonly o: PoolOptions,
  ) {
    this.perTarget = Math.max(1, Math.floor(o.concurrency / 2));
    this.batch = Math.max(64, o.concurrency * 4);
  }

  async run(): Promise<PoolCounts> {
    this.o.signal?.addEventListener('abort', () => this.wake(), { once: true });
    await Promise.all(Array.from({ length: this.o.concurrency }, () => this.worker()));
    clearTimeout(this.poll);
    await this.flush();
    // Stopped early: what was claimed but not sent is due again now, for any runner.
    await releaseDeliveries(this.db, this.queue.splice(0).map((j) => j.id), this.o.claimId, this.o.now());
    if (this.error !== undefined) throw this.error;
    return this.counts;
  }

  private stopped(): boolean {
    return this.error !== undefined || this.o.signal?.aborted === true;
  }

  private async worker(): Promise<void> {
    while (!this.stopped()) {
      const i = this.queue.findIndex((j) => (this.busy.get(target(j)) ?? 0) < this.perTarget);
      if (i >= 0) {
        await this.handle(this.queue.splice(i, 1)[0]!).catch((err: unknown) => (this.error ??= err));
        this.wake();
      } else if (!this.exhausted && this.queue.length <= this.batch / 2) {
        // Refill in large claims only: jobs waiting on a busy receiver do not each trigger one.
        await (this.claiming ??= this.claim().finally(() => (this.claiming = undefined)));
      } else if (this.exhausted && this.queue.length === 0 && this.o.pollMs === undefined) {
        return;
      } else {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    }
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Fans new outbox rows out, then claims due deliveries; an empty claim means idle until the next poll (or done). */
  private async claim(): Promise<void> {
    const now = this.o.now();
    const rows = await this.fanOut(now).then(() => claimDeliveries(this.db, {
      claimId: this.o.claimId,
      now,
      // Long enough for a full queue to drain at the timeout; a crashed runner's rows come back after it.
      leaseUntil: new Date(now.getTime() + Math.max(300_000, this.o.timeoutMs * 30)),
      limit: this.batch - this.queue.length,
      channels: this.o.email ? ['webhook', 'email'] : ['webhook'],
      skipEndpoints: [...this.slow].filter(([, until]) => until > now.getTime()).map(([id]) => id),
    })).catch((err: unknown) => {
      this.error ??= err;
      return [];
    });
    if (rows.length === 0) {
      this.exhausted = true;
      if (this.o.pollMs !== undefined) {
        this.poll = setTimeout(() => {
          this.exhausted = false;
          this.wake();
        }, this.o.pollMs);
      }
    }
    this.queue.push(...rows);
    this.wake();
  }

  private async fanOut(now: Date): Promise<void> {
    for (;;) {
      const n = await fanOutNotifications(this.db, { now, giveUpAt: giveUpAt(now, this.o.policy), email: this.o.email, limit: FAN_OUT_BATCH });
      this.counts.notifications += n;
      if (n < FAN_OUT_BATCH) return;
    }
  }

  private async handle(job: ClaimedRow): Promise<void> {
    const key = target(job);
    this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
    try {
      const result = await this.send(job);
      const now = this.o.now();
      const plan = planAfterAttempt({ outcome: result, attempts: job.attempts + 1, now, giveUpAt: job.give_up_at, random: this.o.random, policy: this.o.policy });
      await this.record({ id: job.id, at: now, status: plan.status, error: plan.status === 'delivered' ? null : plan.error, nextAttemptAt: plan.status === 'pending' ? plan.nextAttemptAt : undefined });
      this.counts.attempted++;
      this.counts[plan.status === 'pending' ? 'retrying' : plan.status]++;
      if (plan.status !== 'delivered') this.o.log?.({ notification: job.notification_id, channel: job.channel, endpoint: job.endpoint_id, status: plan.status, error: plan.error });
      if (result.timedOut && job.endpoint_id) await this.dropSlow(job.endpoint_id, now);
    } catch (err) {
      if (!(err instanceof SendAborted)) throw err;
      await releaseDeliveries(this.db, [job.id], this.o.claimId, this.o.now());
    } finally {
      this.busy.set(key, (this.busy.get(key) ?? 1) - 1);
    }
  }

  /** Queues a result for the next batch write; waits only when writes fall far behind. */
  private async record(r: AttemptRecord): Promise<void> {
    this.records.push(r);
    if (this.records.length >= FLUSH_SIZE) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
    if (this.records.length >= 4 * FLUSH_SIZE) await this.written;
  }

  /** Writes what is queued, after any write in progress (one at a time). */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.written = this.written.then(async () => {
      const batch = this.records.splice(0);
      await recordAttempts(this.db, this.o.claimId, batch).catch((err: unknown) => {
        this.error ??= err;
        this.wake();
      });
    });
    return this.written;
  }

  private send(job: ClaimedRow): Promise<SendResult> {
    const envelope = {
      entry: { id: job.notification_id, event: job.event, influencerId: job.influencer_id, createdAt: job.created_at, payload: job.payload },
      ctx: { merchantName: job.merchant_name, influencerName: job.influencer_name },
    };
    if (job.channel === 'email') {
      return job.email ? this.transports.email(envelope, job.email) : Promise.resolve({ kind: 'fail', error: 'the influencer has no email address' });
    }
    if (job.endpoint_removed || !job.url || !job.secret) return Promise.resolve({ kind: 'fail', error: 'endpoint removed' });
    return this.transports.webhook(envelope, job.url, job.secret);
  }

  private async dropSlow(endpointId: string, now: Date): Promise<void> {
    if ((this.slow.get(endpointId) ?? 0) > now.getTime()) return;
    this.slow.set(endpointId, now.getTime() + DEFER_MS);
    const mine = this.queue.filter((j) => j.endpoint_id === endpointId);
    this.queue = this.queue.filter((j) => j.endpoint_id !== endpointId);
    this.counts.deferred += mine.length;
    await releaseDeliveries(this.db, mine.map((j) => j.id), this.o.claimId, new Date(now.getTime() + DEFER_MS));
  }
}

const target = (job: ClaimedRow) => job.endpoint_id ?? 'smtp';
