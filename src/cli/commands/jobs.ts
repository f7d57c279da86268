import type { Command } from 'commander';
import { JOB_STATUSES, type JobStatus } from '../../domain/jobs.js';
import { contextFrom, withDb } from '../context.js';
import { ids, oneOf, positiveInt } from '../flags.js';
import { table } from '../output.js';

export function register(program: Command): void {
  const jobs = program
    .command('jobs')
    .description(
      'background work (notification deliveries, TikTok enrichment, scheduled runs): list, re-queue, or run what is due',
    );

  jobs
    .command('list')
    .description('list jobs, most recently changed first, with their attempts and last error')
    .option('--status <status>', `only ${JOB_STATUSES.join(', ')}`, oneOf(JOB_STATUSES))
    .option('--task <name>', 'only this kind, e.g. notify.webhook or tiktok.enrich')
    .option('--limit <n>', 'at most this many', positiveInt(), '100')
    .action(async (flags: { status?: JobStatus; task?: string; limit: string }, command: Command) => {
      const ctx = contextFrom(command);
      const limit = Number(flags.limit);
      const { listJobs } = await import('../../services/jobs/jobs-admin.js');
      const rows = await withDb(ctx, (db) => listJobs(db, { status: flags.status, task: flags.task, limit }));
      ctx.out.result(rows, (c) =>
        table(
          ['id', 'task', 'status', 'tries', 'next run', 'last error'],
          rows.map((r) => [
            r.id,
            r.task,
            r.running ? 'running' : r.status,
            `${r.attempts}/${r.max_attempts}`,
            r.run_at?.toISOString() ?? '-',
            clip(r.last_error ?? ''),
          ]),
          c,
        ),
      );
    });

  jobs
    .command('retry')
    .description('re-queue failed jobs, due now, with a fresh attempt budget')
    .argument('<id...>', 'job ids (see `tracknow jobs list --status failed`)', ids)
    .action(async (ids: string[], _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { retryJobs } = await import('../../services/jobs/jobs-admin.js');
      const results = await withDb(ctx, (db) => retryJobs(db, ids));
      ctx.out.result(results, (c) =>
        results
          .map((r) => `${r.id}  ${r.requeued ? c.green('re-queued') : c.dim('not failed: nothing to re-queue')}`)
          .join('\n'),
      );
      if (results.some((r) => r.requeued))
        ctx.out.info('run `tracknow jobs run` (or let cron, `tracknow serve` or `tracknow schedule` do it)');
    });

  jobs
    .command('run')
    .description('run every due job (all kinds), then exit; for cron')
    .action(async (_flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { runDueJobs } = await import('../../services/jobs/job-worker.js');
      const counts = await withDb(ctx, (db) => runDueJobs(db, ctx.config));
      ctx.out.result(counts, (c) => {
        const names = Object.keys(counts);
        return names.length === 0
          ? c.dim('nothing due')
          : names
              .map((n) => `${n}: ${counts[n]!.done} done, ${counts[n]!.retried} retrying, ${counts[n]!.failed} failed`)
              .join('\n');
      });
    });
}

function clip(text: string): string {
  return text.length > 50 ? `${text.slice(0, 49)}…` : text;
}
