import type { Command } from 'commander';
import { usage } from '../../errors.js';
import { contextFrom, withDb } from '../context.js';
import { isoTime } from '../flags.js';

/** `--as-of ISO8601` → a Date (default now); anything else is a usage error. */
export function parseAsOf(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const asOf = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(asOf.getTime())) {
    throw usage(
      `--as-of must be an ISO 8601 date or time, like 2024-03-15 or 2024-03-15T09:00:00Z; got ${JSON.stringify(value)}`,
    );
  }
  return asOf;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('validate pending sales past their hold and credit their commission to the ledger (cron: daily)')
    .option('--as-of <iso8601>', 'validate as if it were this time (default: now)', isoTime)
    .option('--dry-run', 'show what would be validated and credited; write nothing')
    .action(async (flags: { asOf?: string; dryRun?: boolean }, command: Command) => {
      const ctx = contextFrom(command);
      const asOf = parseAsOf(flags.asOf);
      const { validate } = await import('../../services/payouts/validate.js');
      const result = await withDb(ctx, (db) => validate(db, { asOf, dryRun: Boolean(flags.dryRun) }));
      if (result.skipped > 0) {
        ctx.out.warn(
          `${result.skipped} sale(s) past their hold stay pending (unpaid, unattributed or amount unknown); see \`tracknow sales list --status pending\``,
        );
      }
      const { validated, cancelled, credited, dry_run } = result;
      ctx.out.result({ validated, cancelled, credited, dry_run }, (c) => {
        const verb = dry_run ? 'would validate' : 'validated';
        const money = credited.map((x) => `${x.amount} ${x.currency}`).join(', ') || 'nothing';
        const head = `${dry_run ? c.yellow('dry run: ') : ''}${verb} ${c.bold(String(validated))} sale(s), ${dry_run ? 'would credit' : 'credited'} ${money}`;
        return cancelled > 0
          ? `${head}; ${dry_run ? 'would cancel' : 'cancelled'} ${cancelled} cancelled or refunded order(s)`
          : head;
      });
    });
}
