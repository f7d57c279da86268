import type { Command } from 'commander';
import { contextFrom, withDb } from '../context.js';
import { cron, timeZone } from '../flags.js';
import { payoutFlags, payoutOptions, type PayoutFlags } from './payout.js';

interface ScheduleFlags extends PayoutFlags {
  validateCron: string;
  payoutCron: string;
  reconcileCron: string;
  notifyCron: string;
  timezone?: string;
}

export function register(program: Command): void {
  payoutFlags(
    program
      .command('schedule')
      .description(
        'run validate, payout, TikTok reconcile and notification delivery on cron expressions, for hosts without cron; each tick is a job keyed by its time, so two schedulers never run it twice; one JSON log line per run on stderr; stops on SIGTERM or SIGINT',
      )
      .option('--validate-cron <expr>', 'when to validate (5 or 6 fields)', cron, '0 3 * * *')
      .option('--payout-cron <expr>', 'when to pay out (5 or 6 fields)', cron, '0 9 * * 5')
      .option(
        '--reconcile-cron <expr>',
        'when to sweep TikTok orders and affiliate orders, every merchant with API access (5 or 6 fields)',
        cron,
        '*/15 * * * *',
      )
      .option('--notify-cron <expr>', 'when to deliver due notifications (5 or 6 fields)', cron, '* * * * *')
      .option('--timezone <tz>', "IANA time zone of the expressions (default: the host's)", timeZone),
  ).action(async (flags: ScheduleFlags, command: Command) => {
    const ctx = contextFrom(command);
    const options = payoutOptions(flags, ctx.config);
    const [{ runSchedule }, { runTick, SCHEDULED }, { payoutPolicy }] = await Promise.all([
      import('../../services/jobs/schedule.js'),
      import('../../services/jobs/schedule-jobs.js'),
      import('../../services/payouts/payout.js'),
    ]);
    payoutPolicy({ ...options, asOf: new Date() }); // a bad --min fails now, not on Friday
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      const summary = await runSchedule({
        // Each tick opens the store and closes it, so other commands can use it between runs.
        jobs: SCHEDULED.map((name) => ({
          name,
          cron: flags[`${name}Cron`],
          run: (asOf: Date) => withDb(ctx, (db) => runTick({ db, config: ctx.config, payout: options }, name, asOf)),
        })),
        ...(flags.timezone ? { timezone: flags.timezone } : {}),
        signal: controller.signal,
        log: (entry) => ctx.out.info(JSON.stringify(entry)),
      });
      ctx.out.result(summary, () => `stopped after ${summary.runs} run(s), ${summary.failures} failed`);
    } finally {
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
    }
  });
}
