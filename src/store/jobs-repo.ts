import { sql, type Kysely } from 'kysely';
import type { JobStatus } from '../domain/jobs.js';
import { instant, jsonRows } from './json-rows.js';
import type { Database } from './schema.js';

const at = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const textList = (values: readonly string[]) =>
  sql`(select value from json_array_elements_text(${JSON.stringify(values)}::json))`;

export interface NewJob {
  readonly task: string;
  readonly payload: Record<string, unknown>;
  /** Dedupe: a second job with the same key is not added (one per cron tick, per outbox row, …). */
  readonly key?: string | undefined;
  readonly lane?: string | undefined;
  readonly runAt?: Date | undefined;
  readonly maxAttempts: number;
}

/** Adds jobs in one statement; a job whose key exists is skipped. Returns the ids added. */
export async function enqueueJobs(db: Kysely<Database>, jobs: readonly NewJob[], now = new Date()): Promise<string[]> {
  if (jobs.length === 0) return [];
  const rows = jsonRows(jobs, {
    task: ['text', (j) => j.task],
    payload: ['text', (j) => JSON.stringify(j.payload)],
    key: ['text', (j) => j.key ?? null],
    lane: ['text', (j) => j.lane ?? null],
    run_at: ['timestamptz', (j) => instant(j.runAt ?? now)],
    max_attempts: ['int4', (j) => j.maxAttempts],
  });
  const { rows: added } = await sql<{ id: string }>`
    insert into jobs (task, payload, key, lane, run_at, max_attempts)
    select task, payload::jsonb, key, lane, run_at, max_attempts from ${rows}
    on conflict (key) do nothing
    returning id`.execute(db);
  return added.map((r) => r.id);
}

export interface ClaimOptions {
  readonly workerId: string;
  readonly now: Date;
  /** A lock older than this is a crashed worker's: its job is taken again. */
  readonly leaseMs: number;
  readonly limit: number;
  readonly tasks: readonly string[];
  /** Lanes this worker leaves alone for now (their receiver hangs). */
  readonly skipLanes: readonly string[];
  /** Only jobs whose payload contains this (`tiktok enrich --merchant`). */
  readonly payloadMatch?: Record<string, unknown> | undefined;
}

/** A job as a worker holds it; `attempts` counts this one. */
export interface ClaimedJob {
  id: string;
  task: string;
  payload: unknown;
  key: string | null;
  lane: string | null;
  attempts: number;
  max_attempts: number;
}

/**
 * Claims due jobs in ONE committed statement: FOR UPDATE SKIP LOCKED, so concurrent workers
 * never wait on or take each other's rows, and a lease (`locked_by`, `locked_at`) so the job
 * runs outside any transaction and nobody else takes it until the lease runs out.
 */
export async function claimJobs(db: Kysely<Database>, o: ClaimOptions): Promise<ClaimedJob[]> {
  if (o.limit <= 0 || o.tasks.length === 0) return [];
  const lanes = o.skipLanes.length > 0 ? sql`and (lane is null or lane not in ${textList(o.skipLanes)})` : sql``;
  const match = o.payloadMatch ? sql`and payload @> ${JSON.stringify(o.payloadMatch)}::jsonb` : sql``;
  const expired = new Date(o.now.getTime() - o.leaseMs);
  const { rows } = await sql<ClaimedJob>`
    with due as materialized (
      select id from jobs
      where status = 'pending' and run_at <= ${at(o.now)}
        and (locked_at is null or locked_at <= ${at(expired)})
        and task in ${textList(o.tasks)} ${lanes} ${match}
      order by run_at, id limit ${o.limit}
      for update skip locked
    )
    update jobs j set locked_by = ${o.workerId}, locked_at = ${at(o.now)}, attempts = j.attempts + 1, updated_at = now()
    from due where j.id = due.id
    returning j.id, j.task, j.payload, j.key, j.lane, j.attempts, j.max_attempts`.execute(db);
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts), max_attempts: Number(r.max_attempts) }));
}

export type JobWrite =
  | { readonly status: 'done' }
  | { readonly status: 'pending'; readonly runAt: Date; readonly error: string | null }
  | { readonly status: 'failed'; readonly error: string };

/**
 * Writes attempts' results, one statement for the batch and only while our lease holds (a job
 * retaken after our lease ran out, or failed by hand meanwhile, is left alone). Returns the ids written.
 */
export async function settleJobs(
  db: Kysely<Database>,
  workerId: string,
  writes: readonly { id: string; write: JobWrite }[],
): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  const rows = jsonRows(writes, {
    id: ['uuid', (w) => w.id],
    status: ['text', (w) => w.write.status],
    run_at: ['timestamptz', (w) => (w.write.status === 'pending' ? instant(w.write.runAt) : null)],
    error: ['text', (w) => (w.write.status === 'done' ? null : w.write.error)],
  });
  const { rows: written } = await sql<{ id: string }>`
    update jobs j set status = v.status, run_at = coalesce(v.run_at, j.run_at),
      last_error = case when v.status = 'done' then null else coalesce(v.error, j.last_error) end,
      locked_by = null, locked_at = null, updated_at = now()
    from ${rows}
    where j.id = v.id and j.locked_by = ${workerId} and j.status = 'pending'
    returning j.id`.execute(db);
  return new Set(written.map((r) => r.id));
}

/** Gives claimed jobs back unattempted (their claim does not count), due at `when`. */
export async function releaseJobs(
  db: Kysely<Database>,
  ids: readonly string[],
  workerId: string,
  when: Date,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    update jobs set locked_by = null, locked_at = null, attempts = greatest(attempts - 1, 0), run_at = ${at(when)}, updated_at = now()
    where id in (select value::uuid from json_array_elements_text(${JSON.stringify(ids)}::json))
      and locked_by = ${workerId} and status = 'pending'
    returning id`.execute(db);
  return rows.map((r) => r.id);
}

export interface JobRow {
  id: string;
  task: string;
  key: string | null;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: Date;
  locked_by: string | null;
  locked_at: Date | null;
  last_error: string | null;
  payload: unknown;
  created_at: Date;
  updated_at: Date;
}

/** Jobs, the most recently changed first. */
export async function selectJobs(
  db: Kysely<Database>,
  o: { status?: JobStatus | undefined; task?: string | undefined; limit: number },
): Promise<JobRow[]> {
  let q = db
    .selectFrom('jobs')
    .select([
      'id',
      'task',
      'key',
      'status',
      'attempts',
      'max_attempts',
      'run_at',
      'locked_by',
      'locked_at',
      'last_error',
      'payload',
      'created_at',
      'updated_at',
    ])
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit);
  if (o.status) q = q.where('status', '=', o.status);
  if (o.task) q = q.where('task', '=', o.task);
  return q.execute();
}

/**
 * Puts failed jobs back in the queue, due `now`, with their attempts reset (a fresh give-up
 * budget). Jobs matched by `where` (ids or keys). Returns the ids re-queued.
 */
export async function requeueJobs(
  db: Kysely<Database>,
  by: { ids?: readonly string[]; keys?: readonly string[] },
  now: Date,
): Promise<string[]> {
  const ids = by.ids ?? [];
  const keys = by.keys ?? [];
  if (ids.length === 0 && keys.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    update jobs set status = 'pending', attempts = 0, run_at = ${at(now)}, locked_by = null, locked_at = null, updated_at = now()
    where status = 'failed'
      and (id in (select value::uuid from json_array_elements_text(${JSON.stringify(ids)}::json)) or key in ${textList(keys)})
    returning id`.execute(db);
  return rows.map((r) => r.id);
}

/** Ends pending jobs by key without running them (their work was done another way), or fails them. */
export async function closeJobs(
  db: Kysely<Database>,
  keys: readonly string[],
  end: { status: 'done' } | { status: 'failed'; error: string },
): Promise<number> {
  if (keys.length === 0) return 0;
  const error = end.status === 'failed' ? end.error : null;
  const { rows } = await sql`
    update jobs set status = ${end.status}, last_error = ${error}, locked_by = null, locked_at = null, updated_at = now()
    where status = 'pending' and key in ${textList(keys)}
    returning id`.execute(db);
  return rows.length;
}
