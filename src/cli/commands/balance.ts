import type { Command } from 'commander';
import { contextFrom, withDb } from '../context.js';
import { id } from '../flags.js';
import { table } from '../output.js';

export function register(program: Command): void {
  program
    .command('balance')
    .description('pending, available and paid commission per influencer and currency (sums of the ledger)')
    .option('--influencer <id>', 'only this influencer', id)
    .action(async (flags: { influencer?: string }, command: Command) => {
      const ctx = contextFrom(command);
      const { balances } = await import('../../services/payouts/balance.js');
      const rows = await withDb(ctx, (db) =>
        balances(db, flags.influencer === undefined ? {} : { influencerId: flags.influencer }),
      );
      ctx.out.result(rows, (c) =>
        table(
          ['influencer', 'currency', 'pending', 'available', 'paid'],
          rows.map((r) => [
            r.influencer_id,
            r.currency,
            r.pending,
            r.available.startsWith('-') ? c.red(r.available) : r.available,
            r.paid,
          ]),
          c,
        ),
      );
    });
}
