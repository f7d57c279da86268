import type { Command } from 'commander';
import { contextFrom, withDb } from '../context.js';
import { cron, timeZone } from '../flags.js';
import { payoutFlags, payoutOptions, type PayoutFlags } from './payout.js';

interface ScheduleFlags extends PayoutFlags {
  validateCron: string;
  payoutCron: string;
  timezone?: string;
}

export function register(program: Command): void {
  payoutFlags(
    program
      .command('schedule')
      .description('run validate and payout in-process on cron expressions, for hosts without cron; one JSON log line per run on stderr; stops on SIGTERM or SIGINT')
      .option('--validate-cron <expr>', 'when to validate (5 or 6 fields)', cron, '0 3 * * *')
      .option('--payout-cron <expr>', 'when to pay out (5 or 6 fields)', cron, '0 9 * * 5')
      .option('--timezone <tz>', "IANA time zone of the expressions (default: the host's)", timeZone),
  ).action(async (flags: ScheduleFlags, command: Command) => {
    const ctx = contextFrom(command);
    const options = payoutOptions(flags, ctx.config);
    const [{ runSchedule }, { validate }, { payout, payoutJson, payoutPolicy }] = await Promise.all([
      import('../../services/schedule.js'),
      import('../../services/validate.js'),
      import('../../services/payout.js'),
    ]);
    payoutPolicy({ ...options, asOf: new Date() }); // a bad --min fails now, not on Friday
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    try {
      const summary = await runSchedule({
        jobs: [
          // Each run opens the store and closes it, so other commands can use it between runs.
          { name: 'validate', cron: flags.validateCron, run: (asOf) => withDb(ctx, (db) => validate(db, { asOf })) },
          { name: 'payout', cron: flags.payoutCron, run: async (asOf) => payoutJson(await withDb(ctx, (db) => payout(db, { ...options, asOf }))) },
        ],
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
