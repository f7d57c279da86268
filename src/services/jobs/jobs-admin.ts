import type { Kysely } from 'kysely';
import type { JobStatus } from '../../domain/jobs.js';
import { notFound } from '../../errors.js';
import { requeueJobs, selectJobs, type JobRow } from '../../store/jobs-repo.js';
import type { Database } from '../../store/schema.js';

export interface JobView {
  id: string;
  task: string;
  key: string | null;
  status: JobStatus;
  /** True while a worker holds the job's lease. */
  running: boolean;
  attempts: number;
  max_attempts: number;
  /** When it is due next; null unless pending. */
  run_at: Date | null;
  last_error: string | null;
  payload: unknown;
  created_at: Date;
  updated_at: Date;
}

/** The job table, most recently changed first. */
export async function listJobs(
  db: Kysely<Database>,
  o: { status?: JobStatus | undefined; task?: string | undefined; limit: number },
): Promise<JobView[]> {
  return (await selectJobs(db, o)).map(view);
}

function view(r: JobRow): JobView {
  return {
    id: r.id,
    task: r.task,
    key: r.key,
    status: r.status,
    running: r.status === 'pending' && r.locked_by !== null,
    attempts: r.attempts,
    max_attempts: r.max_attempts,
    run_at: r.status === 'pending' ? r.run_at : null,
    last_error: r.last_error,
    payload: r.payload,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Re-queues failed jobs, due now, with a fresh attempt budget. Unknown ids change nothing and fail the call. */
export async function retryJobs(
  db: Kysely<Database>,
  ids: readonly string[],
  now = new Date(),
): Promise<{ id: string; requeued: boolean }[]> {
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  const malformed = unique.filter((id) => !UUID.test(id));
  if (malformed.length > 0) throw notFound(`no job ${malformed.join(', ')}; see \`tracknow jobs list\``);
  const found = await db.selectFrom('jobs').select('id').where('id', 'in', unique).execute();
  const missing = unique.filter((id) => !found.some((f) => f.id === id));
  if (missing.length > 0) throw notFound(`no job ${missing.join(', ')}; see \`tracknow jobs list\``);
  const requeued = new Set(await requeueJobs(db, { ids: unique }, now));
  return unique.map((id) => ({ id, requeued: requeued.has(id) }));
}
