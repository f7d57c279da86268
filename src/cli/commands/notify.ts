import type { Command } from 'commander';
import { usage } from '../../errors.js';
import { contextFrom, withDb } from '../context.js';
import { ids, oneOf, positiveInt } from '../flags.js';
import { table } from '../output.js';

const STATUSES = ['pending', 'delivered', 'failed'] as const;
type Status = (typeof STATUSES)[number];

export function register(program: Command): void {
  const notify = program
    .command('notify')
    .description('deliver the due notifications (signed webhooks and emails), then exit; for cron')
    .addHelpText(
      'after',
      `
Delivers at least once, with the same webhook-id on every attempt. Retries 5xx, 408, 429,
timeouts and refused connections with exponential backoff and jitter for up to 24 h; other
4xx fail at once. Any number of runs (and \`tracknow serve\`) can deliver at the same time.
Exit 0 also when nothing was due; receivers failing is not an error of this command.

Environment:
  TRACKNOW_SMTP_URL            SMTP server for emails to influencers (unset: no emails)
  TRACKNOW_SMTP_FROM           sender address of those emails
  TRACKNOW_NOTIFY_TIMEOUT_MS   per-request timeout (default 10000)
  TRACKNOW_NOTIFY_CONCURRENCY  sends in flight at once (default 16)

Cron:  * * * * *  tracknow notify --json >> /var/log/tracknow-notify.log 2>&1`,
    )
    .action(async (_flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { deliverDue, deliverOptionsFrom } = await import('../../services/notify/notify.js');
      // --verbose: one JSON line on stderr per attempt that did not deliver.
      const log = ctx.out.options.verbose
        ? (entry: Record<string, unknown>) => ctx.out.info(JSON.stringify(entry))
        : undefined;
      const summary = await withDb(ctx, (db) =>
        deliverDue(db, { ...deliverOptionsFrom(ctx.config), ...(log ? { log } : {}) }),
      );
      ctx.out.result(summary, (c) =>
        summary.attempted === 0 && summary.notifications === 0 && summary.deferred === 0
          ? c.dim('nothing to deliver')
          : `${c.green(`delivered ${summary.delivered}`)}, retrying ${summary.retrying}, ${summary.failed > 0 ? c.red(`failed ${summary.failed}`) : 'failed 0'}` +
            c.dim(
              ` (${summary.attempted} attempts; ${summary.notifications} new notifications${summary.deferred > 0 ? `; ${summary.deferred} deferred from hanging receivers` : ''})`,
            ),
      );
    });

  notify
    .command('list')
    .description('list notifications, newest first, with their attempts and last error')
    .option('--status <status>', 'only pending, delivered or failed', oneOf(STATUSES))
    .option('--limit <n>', 'at most this many', positiveInt(), '1000')
    .action(async (flags: { status?: string; limit: string }, command: Command) => {
      const ctx = contextFrom(command);
      if (flags.status !== undefined && !(STATUSES as readonly string[]).includes(flags.status))
        throw usage(`--status must be one of ${STATUSES.join(', ')}, got ${flags.status}`);
      const limit = Number(flags.limit);
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw usage(`--limit must be a positive integer, got ${flags.limit}`);
      const { listNotifications } = await import('../../services/notify/notify-admin.js');
      const rows = await withDb(ctx, (db) =>
        listNotifications(db, { ...(flags.status ? { status: flags.status as Status } : {}), limit }),
      );
      ctx.out.result(rows, (c) =>
        table(
          ['id', 'event', 'status', 'tries', 'next attempt', 'receivers', 'last error'],
          rows.map((r) => [
            r.id,
            r.event,
            r.status,
            String(r.attempts),
            r.next_attempt_at?.toISOString() ?? '-',
            r.deliveries.length === 0
              ? 'none'
              : r.deliveries.map((d) => (d.channel === 'email' ? 'email' : 'webhook')).join(','),
            clip(r.last_error ?? ''),
          ]),
          c,
        ),
      );
    });

  notify
    .command('retry')
    .description('re-queue the failed deliveries of notifications, due now, with a new 24 h window')
    .argument('<id...>', 'notification ids (see `tracknow notify list --status failed`)', ids)
    .action(async (ids: string[], _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { retryNotifications } = await import('../../services/notify/notify-admin.js');
      const results = await withDb(ctx, (db) => retryNotifications(db, ids));
      ctx.out.result(results, (c) =>
        results
          .map(
            (r) =>
              `${r.id}  ${r.requeued > 0 ? c.green(`re-queued ${r.requeued}`) : c.dim('nothing failed to re-queue')}`,
          )
          .join('\n'),
      );
      if (results.some((r) => r.requeued > 0))
        ctx.out.info('run `tracknow notify` (or let cron or `tracknow serve` do it) to send them');
    });
}

function clip(text: string): string {
  return text.length > 50 ? `${text.slice(0, 49)}…` : text;
}
