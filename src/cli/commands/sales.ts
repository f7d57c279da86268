import type { Command } from 'commander';
import { usage } from '../../errors.js';
import { contextFrom, withDb } from '../context.js';
import { defined, id, oneOf, positiveInt } from '../flags.js';
import { table } from '../output.js';

interface SalesFlags {
  merchant?: string;
  influencer?: string;
  status?: string;
  limit?: string;
}

export function register(program: Command): void {
  const sales = program.command('sales').description('attributed and unattributed sales');
  sales
    .command('list')
    .description('list sales, newest order first')
    .option('--merchant <id>', 'only this merchant', id)
    .option('--influencer <id>', 'only this influencer', id)
    .option(
      '--status <status>',
      'pending, validated, cancelled or reversed',
      oneOf(['pending', 'validated', 'cancelled', 'reversed']),
    )
    .option('--limit <n>', 'at most this many (default: all)', positiveInt())
    .action(async (flags: SalesFlags, command: Command) => {
      const ctx = contextFrom(command);
      if (flags.limit !== undefined && !/^\d+$/.test(flags.limit))
        throw usage(`--limit must be a whole number, got ${JSON.stringify(flags.limit)}`);
      const { listSales } = await import('../../services/records/sales.js');
      const filter = defined({
        merchantId: flags.merchant,
        influencerId: flags.influencer,
        status: flags.status,
        limit: flags.limit === undefined ? undefined : Number(flags.limit),
      });
      const rows = await withDb(ctx, (db) => listSales(db, filter));
      ctx.out.result(rows, (c) =>
        table(
          ['id', 'ordered', 'platform', 'order', 'influencer', 'via', 'amount', 'commission', 'status'],
          rows.map((s) => [
            s.id,
            s.ordered_at.toISOString().slice(0, 16).replace('T', ' '),
            s.platform,
            s.order_id,
            s.influencer_id ?? '-',
            s.attribution ?? '-',
            s.amount === null ? '?' : `${s.amount} ${s.currency}`,
            s.commission === null ? '?' : `${s.commission} ${s.currency}`,
            s.estimated ? `${s.status} (estimated)` : s.status,
          ]),
          c,
        ),
      );
    });
}
