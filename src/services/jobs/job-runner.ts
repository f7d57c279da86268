import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { BackoffPolicy } from '../../domain/backoff.js';
import { planAfterFailure, type JobPlan } from '../../domain/jobs.js';
import { claimJobs, releaseJobs, settleJobs, type ClaimedJob, type JobWrite } from '../../store/jobs-repo.js';
import type { Database } from '../../store/schema.js';

/** What a handler sees of its job. */
export interface JobContext {
  readonly job: ClaimedJob;
  /** Aborted when the runner stops: give up the work (the job goes back, unattempted). */
  readonly signal: AbortSignal;
  readonly now: () => Date;
  /** The job's receiver hangs: this runner leaves its lane alone for `ms`, and gives its queued jobs back, due then. */
  deferLane(ms: number): void;
}

/** A job's state after a write, handed to its task's `settle` (in the transaction that writes the job). */
export type Settled = JobWrite & { readonly attempted: boolean; readonly at: Date; readonly result?: unknown };
export interface SettledJob {
  readonly job: ClaimedJob;
  readonly state: Settled;
}

/**
 * One kind of background work. Adding a kind is one entry in the registry (src/services/job-tasks.ts).
 * `run` throws to fail the attempt: a `PermanentJobError` fails the job at once, a `RetryLaterError`
 * names its earliest retry, anything else retries with the backoff until `max_attempts`.
 */
export interface Task {
  /** Attempts a job of this kind gets (when enqueued from code; triggers write their own). */
  readonly maxAttempts: number;
  run(payload: unknown, ctx: JobContext): Promise<unknown>;
  /** Optional: runs all of this task's claimed jobs as one unit (one statement for many); they share the outcome. */
  runMany?(jobs: readonly ClaimedJob[], ctx: JobContext): Promise<unknown>;
  /** Mirrors jobs' new states into the task's own records (outbox deliveries, inbox rows); set-based, one batch. */
  settle?(trx: Kysely<Database>, settled: readonly SettledJob[]): Promise<void>;
}

export type TaskRegistry = Readonly<Record<string, Task>>;

export interface TaskCounts {
  claimed: number;
  done: number;
  retried: number;
  failed: number;
  deferred: number;
}

export interface RunnerOptions {
  readonly tasks: TaskRegistry;
  /** Serve only these tasks (default: all in the registry). */
  readonly only?: readonly string[] | undefined;
  readonly concurrency: number;
  /** A claim's lease: longer than a job's run plus its wait in the local queue. */
  readonly leaseMs?: number | undefined;
  /** Jobs claimed per claim (default: 4 × concurrency, at least 64). */
  readonly batch?: number | undefined;
  /** Claim once and run what was claimed (default: until nothing is due, or with `pollMs` until `signal`). */
  readonly once?: boolean | undefined;
  /** Keep going until `signal`, looking for due jobs this often when idle. */
  readonly pollMs?: number | undefined;
  /**
   * With `pollMs`: at least this long between two claims that found less than a full batch
   * (default 0). Beside a listener, work queued one job per request batch is then claimed, run and
   * settled in a few larger rounds a second instead of one round per batch, which took connections
   * and CPU from the requests. A backlog (full claims) is worked through without pauses.
   */
  readonly claimGapMs?: number | undefined;
  readonly payloadMatch?: Record<string, unknown> | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly now?: (() => Date) | undefined;
  readonly random?: (() => number) | undefined;
  readonly backoff?: BackoffPolicy | undefined;
  readonly workerId?: string | undefined;
  /** One entry per failed attempt. */
  readonly log?: ((entry: Record<string, unknown>) => void) | undefined;
}

export const DEFAULT_LEASE_MS = 300_000;
/** Results are written in batches: this many, or after this long. */
const FLUSH_SIZE = 64;
const FLUSH_MS = 50;

/**
 * The one worker loop: claims due jobs of every kind it serves (SKIP LOCKED, leased), runs them
 * with `concurrency` workers, and writes each result. Jobs in one lane (one receiver) get at most
 * half of the workers. Stopping gives back what was claimed and not finished.
 */
export class JobRunner {
  readonly counts: Record<string, TaskCounts> = {};
  private queue: ClaimedJob[] = [];
  private readonly busy = new Map<string, number>();
  private readonly slow = new Map<string, number>();
  private exhausted = false;
  private claimedOnce = false;
  private lastClaim = 0;
  private lastClaimFull = false;
  private claiming: Promise<void> | undefined;
  private waiters: (() => void)[] = [];
  private poll: NodeJS.Timeout | undefined;
  private error: unknown;
  private readonly perLane: number;
  private readonly batch: number;
  private readonly workerId: string;
  private readonly now: () => Date;
  private readonly names: string[];
  private readonly stopping: AbortController = new AbortController();
  private records: SettledJob[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private written: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly o: RunnerOptions,
  ) {
    this.perLane = Math.max(1, Math.floor(o.concurrency / 2));
    this.batch = o.batch ?? Math.max(64, o.concurrency * 4);
    this.workerId = o.workerId ?? `worker-${randomUUID()}`;
    this.now = o.now ?? (() => new Date());
    this.names = (o.only ?? Object.keys(o.tasks)).filter((name) => o.tasks[name] !== undefined);
  }

  async run(): Promise<Record<string, TaskCounts>> {
    const abort = () => (this.stopping.abort(), this.wake());
    if (this.o.signal?.aborted) abort();
    this.o.signal?.addEventListener('abort', abort, { once: true });
    try {
      await Promise.all(Array.from({ length: Math.max(1, this.o.concurrency) }, () => this.worker()));
    } finally {
      clearTimeout(this.poll);
      this.o.signal?.removeEventListener('abort', abort);
    }
    await this.flush();
    // Stopped early: what was claimed but not started is due again now, for any runner.
    await this.release(this.queue.splice(0), this.now(), false).catch((err: unknown) => (this.error ??= err));
    if (this.error !== undefined) throw this.error;
    return this.counts;
  }

  private stopped(): boolean {
    return this.error !== undefined || this.stopping.signal.aborted;
  }

  private async worker(): Promise<void> {
    while (!this.stopped()) {
      const i = this.queue.findIndex((j) => j.lane === null || (this.busy.get(j.lane) ?? 0) < this.perLane);
      if (i >= 0) {
        const first = this.queue.splice(i, 1)[0]!;
        // A task that runs many at once takes every queued job of its kind.
        const many = this.o.tasks[first.task]!.runMany ? this.queue.filter((j) => j.task === first.task) : [];
        if (many.length > 0) this.queue = this.queue.filter((j) => j.task !== first.task);
        await this.handle([first, ...many]).catch((err: unknown) => (this.error ??= err));
        this.wake();
      } else if (!this.exhausted && this.queue.length <= this.batch / 2) {
        // Refill in large claims only: jobs waiting on a busy lane do not each trigger one.
        await (this.claiming ??= this.claim().finally(() => (this.claiming = undefined)));
      } else if (this.exhausted && this.queue.length === 0 && this.o.pollMs === undefined && this.idle()) {
        return;
      } else {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
    }
  }

  private running = 0;
  private finished = 0;
  private idle(): boolean {
    return this.running === 0;
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private async claim(): Promise<void> {
    if (this.o.once && this.claimedOnce) {
      this.exhausted = true;
      return;
    }
    this.claimedOnce = true;
    const gap = (this.o.claimGapMs ?? 0) - (Date.now() - this.lastClaim);
    // Cut short (not failed) when the runner is stopped meanwhile.
    if (gap > 0 && !this.lastClaimFull && this.o.pollMs !== undefined)
      await sleep(gap, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    this.lastClaim = Date.now();
    const finishedBefore = this.finished;
    const now = this.now();
    const limit = this.batch - this.queue.length;
    const jobs = await claimJobs(this.db, {
      workerId: this.workerId,
      now,
      leaseMs: this.o.leaseMs ?? DEFAULT_LEASE_MS,
      limit,
      tasks: this.names,
      skipLanes: [...this.slow].filter(([, until]) => until > now.getTime()).map(([lane]) => lane),
      payloadMatch: this.o.payloadMatch,
    }).catch((err: unknown) => {
      this.error ??= err;
      return [];
    });
    this.lastClaimFull = jobs.length >= limit;
    for (const job of jobs) this.count(job.task).claimed++;
    // Empty, but a job finished meanwhile (it may have queued more, after this claim's snapshot): look again.
    const stale = jobs.length === 0 && this.finished !== finishedBefore && !this.o.once;
    if ((jobs.length === 0 && !stale) || this.o.once) {
      this.exhausted = true;
      if (this.o.pollMs !== undefined && !this.o.once) {
        this.poll = setTimeout(() => {
          this.exhausted = false;
          this.wake();
        }, this.o.pollMs);
      }
    }
    this.queue.push(...jobs);
    this.wake();
  }

  private count(task: string): TaskCounts {
    return (this.counts[task] ??= { claimed: 0, done: 0, retried: 0, failed: 0, deferred: 0 });
  }

  private async handle(jobs: readonly ClaimedJob[]): Promise<void> {
    const job = jobs[0]!;
    const task = this.o.tasks[job.task]!;
    const lane = job.lane;
    if (lane !== null) this.busy.set(lane, (this.busy.get(lane) ?? 0) + 1);
    this.running++;
    try {
      let error: unknown;
      let result: unknown;
      let ok = false;
      try {
        const ctx: JobContext = {
          job,
          signal: this.stopping.signal,
          now: this.now,
          deferLane: (ms) => this.deferLane(job, ms),
        };
        result = jobs.length > 1 && task.runMany ? await task.runMany(jobs, ctx) : await task.run(job.payload, ctx);
        ok = true;
      } catch (err) {
        if (this.stopping.signal.aborted) return await this.release(jobs, this.now(), false);
        error = err;
      }
      for (const j of jobs) {
        const plan: JobPlan = ok
          ? { status: 'done' }
          : planAfterFailure({
              error,
              attempts: j.attempts,
              maxAttempts: j.max_attempts,
              now: this.now(),
              random: this.o.random ?? Math.random,
              policy: this.o.backoff,
            });
        if (plan.status !== 'done')
          this.o.log?.({ job: j.id, task: j.task, attempt: j.attempts, status: plan.status, error: plan.error });
        await this.record({ job: j, state: { ...plan, attempted: true, at: this.now(), result } });
      }
    } finally {
      this.running--;
      // A finished job may have queued more (a fan-out its deliveries): look again before stopping.
      this.finished++;
      if (!this.o.once) this.exhausted = false;
      if (lane !== null) this.busy.set(lane, (this.busy.get(lane) ?? 1) - 1);
    }
  }

  /** Queues a result for the next batch write; waits only when writes fall far behind. */
  private async record(entry: SettledJob): Promise<void> {
    this.records.push(entry);
    if (this.records.length >= FLUSH_SIZE) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
    if (this.records.length >= 4 * FLUSH_SIZE) await this.written;
  }

  /** Writes what is queued, after any write in progress (one at a time): jobs and their tasks' records in one transaction. */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.written = this.written.then(async () => {
      const batch = this.records.splice(0);
      if (batch.length === 0) return;
      try {
        const held = await this.db.transaction().execute(async (trx) => {
          const ids = await settleJobs(
            trx,
            this.workerId,
            batch.map((e) => ({ id: e.job.id, write: e.state })),
          );
          await this.settleTasks(
            trx,
            batch.filter((e) => ids.has(e.job.id)),
          );
          return ids;
        });
        for (const e of batch)
          if (held.has(e.job.id)) this.count(e.job.task)[e.state.status === 'pending' ? 'retried' : e.state.status]++;
      } catch (err) {
        this.error ??= err;
        this.wake();
      }
    });
    return this.written;
  }

  private async settleTasks(db: Kysely<Database>, entries: readonly SettledJob[]): Promise<void> {
    const byTask = new Map<Task, SettledJob[]>();
    for (const e of entries) {
      const task = this.o.tasks[e.job.task]!;
      if (task.settle) byTask.set(task, [...(byTask.get(task) ?? []), e]);
    }
    for (const [task, list] of byTask) await task.settle!(db, list);
  }

  private async release(jobs: readonly ClaimedJob[], when: Date, deferred: boolean): Promise<void> {
    if (jobs.length === 0) return;
    const back = new Set(
      await releaseJobs(
        this.db,
        jobs.map((j) => j.id),
        this.workerId,
        when,
      ),
    );
    const released = jobs.filter((j) => back.has(j.id));
    if (deferred) for (const job of released) this.count(job.task).deferred++;
    const at = this.now();
    await this.settleTasks(
      this.db,
      released.map((job) => ({
        job: { ...job, attempts: job.attempts - 1 },
        state: { status: 'pending', runAt: when, error: null, attempted: false, at },
      })),
    );
  }

  private deferLane(job: ClaimedJob, ms: number): void {
    if (job.lane === null) return;
    const now = this.now();
    if ((this.slow.get(job.lane) ?? 0) > now.getTime()) return;
    this.slow.set(job.lane, now.getTime() + ms);
    const mine = this.queue.filter((j) => j.lane === job.lane);
    this.queue = this.queue.filter((j) => j.lane !== job.lane);
    void this.release(mine, new Date(now.getTime() + ms), true).catch((err: unknown) => (this.error ??= err));
  }
}

/** Runs the registry's due jobs until none is due (or once, or until `signal` with `pollMs`); returns counts per task. */
export function runJobs(db: Kysely<Database>, options: RunnerOptions): Promise<Record<string, TaskCounts>> {
  return new JobRunner(db, options).run();
}

export const noCounts = (): TaskCounts => ({ claimed: 0, done: 0, retried: 0, failed: 0, deferred: 0 });
