import type { Command } from 'commander';
import { contextFrom, withDb } from '../context.js';
import { amount, currency, defined, id, oneOf } from '../flags.js';
import { table } from '../output.js';
import { detail } from '../views.js';

/** `payout list|show|return` and `payout minimum set|list|unset`: the payout history desk. */
export function registerPayoutDesk(payout: Command): void {
  payout
    .command('list')
    .description('payouts, newest first')
    .option('--influencer <id>', 'only this influencer', id)
    .option('--status <status>', 'paid or returned', oneOf(['paid', 'returned']))
    .action(async (flags: { influencer?: string; status?: string }, command: Command) => {
      const ctx = contextFrom(command);
      const { listPayouts, payoutView } = await import('../../services/payouts/payout-records.js');
      const rows = (
        await withDb(ctx, (db) => listPayouts(db, defined({ influencerId: flags.influencer, status: flags.status })))
      ).map(payoutView);
      const json = rows.map(({ reference: _r, batch_id: _b, ...row }) => row);
      ctx.out.result(json, (c) =>
        table(
          ['id', 'influencer', 'currency', 'amount', 'method', 'status', 'created'],
          rows.map((p) => [
            p.id,
            p.influencer_id,
            p.currency,
            p.amount,
            p.method,
            p.status,
            p.created_at.toISOString(),
          ]),
          c,
        ),
      );
    });

  payout
    .command('show')
    .description('one payout: amount, method, status, and why it was returned')
    .argument('<id>', 'payout id', id)
    .action(async (id: string, _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { getPayout, payoutView } = await import('../../services/payouts/payout-records.js');
      const view = payoutView(await withDb(ctx, (db) => getPayout(db, id)));
      ctx.out.result(view, () => detail(view));
    });

  payout
    .command('return')
    .description('the bank sent a transfer back: put its amount back on the available balance (once) and notify')
    .argument('<id>', 'payout id', id)
    .option('--reason <text>', 'why it came back, e.g. "account closed" (required)')
    .action(async (id: string, flags: { reason?: string }, command: Command) => {
      const ctx = contextFrom(command);
      const { returnPayout, payoutView } = await import('../../services/payouts/payout-records.js');
      const view = payoutView(await withDb(ctx, (db) => returnPayout(db, { id, reason: flags.reason })));
      ctx.out.result(
        view,
        (c) =>
          `${c.yellow('returned')} payout ${c.bold(view.id)}: ${view.currency} ${view.amount} is available again\n${detail(view)}`,
      );
    });

  const minimum = payout
    .command('minimum')
    .description('stored payout minimums per currency (so cron lines need no --min-currency)')
    .addHelpText(
      'after',
      `
Precedence: --min-currency on the command line, then a stored minimum, then --min (default 50) for
EUR, USD, GBP, CHF, CAD, AUD, NZD and SGD. A balance in any other currency without a minimum is skipped.`,
    );
  minimum
    .command('set')
    .description('store the minimum for one currency, in its major units')
    .argument('<currency>', 'ISO 4217 code, e.g. JPY', currency)
    .argument('<amount>', 'e.g. 5000 (JPY) or 25.50 (EUR)', amount)
    .action(async (currency: string, amount: string, _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { setMinimum } = await import('../../services/payouts/payout-minimums.js');
      const row = await withDb(ctx, (db) => setMinimum(db, currency, amount));
      ctx.out.result(row, (c) => `${c.green('stored')} payout minimum ${row.currency} ${row.amount}`);
    });
  minimum
    .command('list')
    .description('the minimums a payout run uses without flags')
    .action(async (_flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { listMinimums } = await import('../../services/payouts/payout-minimums.js');
      const rows = await withDb(ctx, (db) => listMinimums(db));
      ctx.out.result(
        rows,
        (c) =>
          `${table(
            ['currency', 'minimum', 'source'],
            rows.map((r) => [r.currency, r.amount, r.source]),
            c,
          )}\nany other currency: skipped until a minimum is set`,
      );
    });
  minimum
    .command('unset')
    .description('forget a stored minimum (back to the default)')
    .argument('<currency>', 'ISO 4217 code', currency)
    .action(async (currency: string, _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { unsetMinimum } = await import('../../services/payouts/payout-minimums.js');
      const row = await withDb(ctx, (db) => unsetMinimum(db, currency));
      ctx.out.result(row, (c) => `${c.green('removed')} stored payout minimum for ${row.currency}`);
    });
}
