import type { Command } from 'commander';
import { formatMajor } from '../../domain/money.js';
import { TracknowError, usage } from '../../errors.js';
import { contextFrom, withDb } from '../context.js';
import { defined, id, ids, oneOf, positiveInt } from '../flags.js';
import { table } from '../output.js';

interface ListFlags {
  platform?: string;
  merchant?: string;
  status?: string;
  limit: string;
}

export function register(program: Command): void {
  const events = program
    .command('events')
    .description('the webhook inbox: every delivery as received, and what processing made of it');

  events
    .command('list')
    .description('list stored webhook events, newest first')
    .option('--platform <platform>', 'only tiktok, shopify or woocommerce', oneOf(['tiktok', 'shopify', 'woocommerce']))
    .option('--merchant <id>', 'only this merchant', id)
    .option(
      '--status <status>',
      'only received, processed, ignored, failed or enriching',
      oneOf(['received', 'processed', 'ignored', 'failed', 'enriching']),
    )
    .option('--limit <n>', 'at most this many', positiveInt(), '50')
    .action(async (flags: ListFlags, command: Command) => {
      const ctx = contextFrom(command);
      const limit = Number(flags.limit);
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw usage(`--limit must be a positive integer, got ${flags.limit}`);
      const { listEvents } = await import('../../services/ingest/events.js');
      const rows = await withDb(ctx, (db) =>
        listEvents(db, {
          ...defined({ platform: flags.platform, merchantId: flags.merchant, status: flags.status }),
          limit,
        }),
      );
      // The contract's shape; event_type and outcome are for people reading the table.
      const view = rows.map(({ event_type: _type, outcome: _outcome, ...row }) => row);
      ctx.out.result(view, (c) =>
        table(
          ['id', 'platform', 'event', 'order', 'status', 'tries', 'received', 'outcome'],
          rows.map((r) => [
            r.id,
            r.platform,
            r.event_type ?? '-',
            r.order_id ?? '-',
            r.status,
            String(r.attempts),
            r.received_at.toISOString(),
            clip(r.last_error ?? r.outcome ?? ''),
          ]),
          c,
        ),
      );
    });

  events
    .command('replay')
    .description(
      're-run stored events through ingest, idempotently (a processed event changes nothing it already changed)',
    )
    .argument('<id...>', 'event ids (see `tracknow events list`)', ids)
    .action(async (ids: string[], _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { replayEvents } = await import('../../services/ingest/events.js');
      const results = await withDb(ctx, (db) => replayEvents(db, ids, ctx.config.encryptionKey));
      const view = results.map((r) => ({
        id: r.id,
        replay_id: r.replayId ?? null,
        outcome: r.outcome ?? null,
        message: r.message,
        sale_id: r.sale?.id ?? null,
        sale_status: r.sale?.status ?? null,
        commission:
          r.sale?.commissionMinor != null && r.sale.currency
            ? formatMajor(r.sale.commissionMinor, r.sale.currency)
            : null,
        currency: r.sale?.currency ?? null,
        error: r.error ?? null,
      }));
      ctx.out.result(view, (c) =>
        view
          .map((r) =>
            r.error
              ? `${r.id}  ${c.red('error')}  ${r.message}`
              : `${r.id}  ${c.green(r.outcome ?? '')}  ${r.message}${r.sale_id ? c.dim(`  (sale ${r.sale_id} ${r.sale_status})`) : ''}`,
          )
          .join('\n'),
      );
      const failed = results.filter((r) => r.error !== undefined).length;
      if (failed > 0)
        throw new TracknowError('invalid', `${failed} of ${results.length} events could not be replayed (see above)`);
    });
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
