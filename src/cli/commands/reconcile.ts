import type { Command } from 'commander';
import { parseDuration } from '../../domain/duration.js';
import { invalid, usage } from '../../errors.js';
import { contextFrom, withDb } from '../context.js';
import { duration, id } from '../flags.js';
import { required } from '../prompt.js';

export function register(program: Command): void {
  const reconcile = program
    .command('reconcile')
    .description('sweep a platform for orders whose webhooks never arrived');

  reconcile
    .command('tiktok')
    .description('search TikTok Shop orders updated since the last sweep (or --since) and ingest them, idempotently')
    .option('--merchant <id>', 'merchant id (required)', id)
    .option(
      '--since <duration>',
      'look back this far instead of to the last sweep, e.g. 2h or 7d (first sweep: 24h)',
      duration,
    )
    .option('--dry-run', 'fetch and decide, write nothing and keep the sweep mark')
    .action(async (flags: { merchant?: string; since?: string; dryRun?: boolean }, command: Command) => {
      const ctx = contextFrom(command);
      const merchantId = await required(flags.merchant, '--merchant', 'Merchant id', ctx.out);
      if (flags.since !== undefined && parseDuration(flags.since) === undefined)
        throw usage(`--since ${JSON.stringify(flags.since)} is not a duration: use e.g. 30m, 2h or 7d`);
      const { reconcileTikTok } = await import('../../services/tiktok/tiktok-reconcile.js');
      const s = await withDb(ctx, (db) =>
        reconcileTikTok(db, ctx.config, { merchantId, since: flags.since, dryRun: Boolean(flags.dryRun) }),
      );
      const a = s.affiliate;
      for (const e of [...s.errors, ...a.errors]) ctx.out.warn(`order ${e.order_id ?? '?'}: ${e.message}`);
      if (a.skipped !== null) ctx.out.warn(a.skipped);
      const affiliate = {
        orders: a.orders,
        created: a.created,
        updated: a.updated,
        unchanged: a.unchanged,
        errors: a.errors,
        skipped: a.skipped,
        since: a.since,
      };
      const view = {
        orders: s.orders,
        created: s.created,
        updated: s.updated,
        unchanged: s.unchanged,
        errors: s.errors,
        since: s.since,
        until: s.until,
        dry_run: s.dry_run,
        affiliate,
      };
      ctx.out.result(view, (c) =>
        [
          `${s.dry_run ? c.yellow('dry run: ') : ''}${s.orders} orders updated ${s.since.toISOString()} – ${s.until.toISOString()}`,
          `${c.green(String(s.created))} created, ${s.updated} updated, ${s.unchanged} unchanged, ${s.errors.length ? c.red(`${s.errors.length} errors`) : '0 errors'}`,
          a.skipped !== null
            ? `affiliate orders: ${c.yellow('skipped')} (no affiliate scope)`
            : `affiliate orders created ${a.since.toISOString()} on: ${a.orders}, ${a.created} created, ${a.updated} updated, ${a.unchanged} unchanged, ${a.errors.length} errors`,
        ].join('\n'),
      );
      const failed = s.errors.length + a.errors.length;
      if (failed > 0)
        throw invalid(
          `${failed} order${failed === 1 ? '' : 's'} not ingested (see the warnings above); run the same command again`,
        );
    });
}
