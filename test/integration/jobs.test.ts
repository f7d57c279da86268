import { expect, it } from 'vitest';
import { JOB_STATUSES, PermanentJobError } from '../../src/domain/jobs.js';
import { runJobs, type Task, type TaskRegistry } from '../../src/services/jobs/job-runner.js';
import { listJobs, retryJobs } from '../../src/services/jobs/jobs-admin.js';
import { claimJobs, enqueueJobs } from '../../src/store/jobs-repo.js';
import { describeBackends } from '../helpers/db.js';

const task = (run: Task['run'], maxAttempts = 5): Task => ({ maxAttempts, run });

describeBackends('the job runner', (t) => {
  const enqueue = (name: string, n: number, extra: { maxAttempts?: number; key?: (i: number) => string } = {}) =>
    enqueueJobs(
      t().db,
      Array.from({ length: n }, (_, i) => ({
        task: name,
        payload: { i },
        maxAttempts: extra.maxAttempts ?? 5,
        key: extra.key?.(i),
      })),
    );
  const job = (id: string) => t().db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('runs every job exactly once between two workers at once', async () => {
    const ids = await enqueue('count', 300);
    const seen: string[] = [];
    const tasks: TaskRegistry = {
      count: task(async (payload) => {
        seen.push(String((payload as { i: number }).i));
        await new Promise((r) => setTimeout(r, Math.random() * 3));
      }),
    };
    const [a, b] = await Promise.all([
      runJobs(t().db, { tasks, concurrency: 6, batch: 20 }),
      runJobs(t().db, { tasks, concurrency: 6, batch: 20 }),
    ]);
    expect(seen).toHaveLength(300);
    expect(new Set(seen).size).toBe(300);
    expect(a.count!.done + b.count!.done).toBe(300);
    const rows = await t().db.selectFrom('jobs').select(['status', 'attempts']).where('id', 'in', ids).execute();
    expect(rows.every((r) => r.status === 'done' && r.attempts === 1)).toBe(true);
  });

  it('dedupes by key: a second job with the same key is not added', async () => {
    const first = await enqueue('dedupe', 2, { key: () => 'tick:2026-12-02T03:00:00.000Z' });
    expect(first).toHaveLength(1);
    expect(await enqueue('dedupe', 1, { key: () => 'tick:2026-12-02T03:00:00.000Z' })).toEqual([]);
  });

  it("takes a crashed worker's job again once its lease runs out, and runs it once more", async () => {
    const [id] = await enqueue('lease', 1);
    const crashed = await claimJobs(t().db, {
      workerId: 'crashed',
      now: new Date(),
      leaseMs: 60_000,
      limit: 10,
      tasks: ['lease'],
      skipLanes: [],
    });
    expect(crashed.map((j) => j.id)).toEqual([id]);
    let runs = 0;
    const tasks: TaskRegistry = { lease: task(async () => void runs++) };
    // Within the lease nobody else takes it.
    expect((await runJobs(t().db, { tasks, concurrency: 2, leaseMs: 60_000 })).lease?.claimed ?? 0).toBe(0);
    expect(runs).toBe(0);
    const later = () => new Date(Date.now() + 61_000);
    expect((await runJobs(t().db, { tasks, concurrency: 2, leaseMs: 60_000, now: later })).lease).toMatchObject({
      claimed: 1,
      done: 1,
    });
    expect(runs).toBe(1);
    expect(await job(id!)).toMatchObject({ status: 'done', attempts: 2, locked_by: null });
    expect(
      (await runJobs(t().db, { tasks, concurrency: 2, leaseMs: 60_000, now: () => new Date(Date.now() + 3_600_000) }))
        .lease?.claimed ?? 0,
    ).toBe(0);
    expect(runs).toBe(1);
  });

  it('backs off, then gives up: the failure is listed, and retry re-queues it', async () => {
    const [id] = await enqueue('flaky', 1, { maxAttempts: 3 });
    let ok = false;
    let calls = 0;
    const tasks: TaskRegistry = {
      flaky: task(async () => {
        calls++;
        if (!ok) throw new Error('receiver said 503');
      }),
    };
    let clock = new Date();
    const run = () => runJobs(t().db, { tasks, concurrency: 2, now: () => clock, random: () => 0.5 });
    expect((await run()).flaky).toMatchObject({ claimed: 1, retried: 1 });
    const first = await job(id!);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, last_error: 'receiver said 503', locked_by: null });
    expect(first.run_at.getTime() - clock.getTime()).toBe(30_000); // the one backoff: 30 s, then 60 s
    expect((await run()).flaky?.claimed ?? 0).toBe(0); // not due yet
    clock = new Date(clock.getTime() + 30_000);
    await run();
    expect((await job(id!)).run_at.getTime() - clock.getTime()).toBe(60_000);
    clock = new Date(clock.getTime() + 60_000);
    expect((await run()).flaky).toMatchObject({ failed: 1 });
    expect(await job(id!)).toMatchObject({
      status: 'failed',
      attempts: 3,
      last_error: 'receiver said 503 (gave up after 3 attempts)',
    });
    clock = new Date(clock.getTime() + 86_400_000);
    await run();
    expect(calls).toBe(3); // failed for good: never run again by itself

    const failed = await listJobs(t().db, { status: 'failed', limit: 100 });
    expect(failed.find((j) => j.id === id)).toMatchObject({
      task: 'flaky',
      status: 'failed',
      attempts: 3,
      max_attempts: 3,
      run_at: null,
      running: false,
    });
    expect(await retryJobs(t().db, [id!.toUpperCase()], clock)).toEqual([{ id, requeued: true }]);
    expect(await job(id!)).toMatchObject({ status: 'pending', attempts: 0 });
    ok = true;
    expect((await run()).flaky).toMatchObject({ done: 1 });
    expect(await job(id!)).toMatchObject({ status: 'done', attempts: 1, last_error: null });
    expect(await retryJobs(t().db, [id!])).toEqual([{ id, requeued: false }]);
    await expect(retryJobs(t().db, ['00000000-0000-4000-8000-000000000000'])).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(retryJobs(t().db, ['nope'])).rejects.toMatchObject({ code: 'not_found' });
  });

  it('fails a permanent error at once, and gives back unstarted work when stopped', async () => {
    const [bad] = await enqueue('permanent', 1);
    const tasks: TaskRegistry = { permanent: task(async () => Promise.reject(new PermanentJobError('HTTP 410'))) };
    expect((await runJobs(t().db, { tasks, concurrency: 1 })).permanent).toMatchObject({ failed: 1 });
    expect(await job(bad!)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'HTTP 410' });

    const ids = await enqueue('hang', 4);
    const stop = new AbortController();
    const hang: TaskRegistry = {
      hang: task(
        (_p, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
            setTimeout(() => stop.abort(), 50);
          }),
      ),
    };
    await runJobs(t().db, { tasks: hang, concurrency: 2, signal: stop.signal });
    const rows = await t().db.selectFrom('jobs').selectAll().where('id', 'in', ids).execute();
    expect(rows.every((r) => r.status === 'pending' && r.attempts === 0 && r.locked_by === null)).toBe(true);
    expect(JOB_STATUSES).toContain(rows[0]!.status);
  });

  it('beside a listener, spaces claims that find little, and works a backlog without pausing', async () => {
    // A trickle: the first job queues a second; the next claim waits out the gap.
    await enqueue('trickle', 1);
    const started: number[] = [];
    const stop = new AbortController();
    const trickle: TaskRegistry = {
      trickle: task(async (payload) => {
        started.push(Date.now());
        if ((payload as { i: number }).i === 0)
          await enqueueJobs(t().db, [{ task: 'trickle', payload: { i: 1 }, maxAttempts: 5 }]);
        else stop.abort();
      }),
    };
    await runJobs(t().db, { tasks: trickle, concurrency: 2, pollMs: 10, claimGapMs: 400, signal: stop.signal });
    expect(started).toHaveLength(2);
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(350);

    // A backlog: full claims follow each other at once; a pause of a minute would time the test out.
    await enqueue('backlog', 150);
    let done = 0;
    const drained = new AbortController();
    const backlog: TaskRegistry = {
      backlog: task(async () => {
        if (++done === 150) drained.abort();
      }),
    };
    const counts = await runJobs(t().db, {
      tasks: backlog,
      concurrency: 4,
      batch: 64,
      pollMs: 60_000,
      claimGapMs: 60_000,
      signal: drained.signal,
    });
    expect(counts.backlog).toMatchObject({ claimed: 150, done: 150 });
  });
});
