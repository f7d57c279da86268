import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { formatMajor } from '../../domain/money.js';
import { usage } from '../../errors.js';
import type { PayoutOptions, PayoutRun } from '../../services/payouts/payout.js';
import { contextFrom, withDb } from '../context.js';
import { amount, currencyAmount, isoTime } from '../flags.js';
import { table } from '../output.js';
import { parseAsOf } from './validate.js';
import { registerPayoutDesk } from './payout-desk.js';

export interface PayoutFlags {
  min?: string;
  minCurrency?: string[];
  out?: string;
}

/** The flags `payout` and `schedule` share. */
export function payoutFlags(command: Command): Command {
  return command
    .option(
      '--min <amount>',
      'minimum balance to pay in EUR, USD, GBP, CHF, CAD, AUD, NZD and SGD (major units)',
      amount,
      '50',
    )
    .option(
      '--min-currency <code=amount>',
      'minimum for one currency, e.g. JPY=5000 (repeatable; wins over stored ones)',
      currencyAmount,
    )
    .option('--out <dir>', 'where to write the payment files (default: $TRACKNOW_HOME/payouts)');
}

/** Flags → the payout service's options (minus the clock). */
export function payoutOptions(flags: PayoutFlags, config: Readonly<Config>): Omit<PayoutOptions, 'asOf'> {
  const minByCurrency: Record<string, string> = {};
  for (const pair of flags.minCurrency ?? []) {
    const m = /^\s*([A-Za-z]{3})\s*=\s*(\S+)\s*$/.exec(pair);
    if (!m) throw usage(`--min-currency takes CODE=AMOUNT, like EUR=25 or JPY=5000; got ${JSON.stringify(pair)}`);
    minByCurrency[m[1]!.toUpperCase()] = m[2]!;
  }
  return {
    minMajor: flags.min ?? '50',
    minByCurrency,
    outDir: flags.out ?? join(config.home, 'payouts'),
    sepaDebtor: config.sepaDebtor,
  };
}

/** The exact table of a run (or of what a dry run would pay), its totals, skipped balances and files. */
export function renderPayoutRun(run: PayoutRun, c: ChalkInstance): string {
  const { plan } = run;
  const lines: string[] = [];
  if (run.dryRun) lines.push(c.yellow('dry run: nothing is paid or written'));
  lines.push(
    table(
      ['influencer', 'name', 'currency', 'amount', 'method', 'payout'],
      plan.payouts.map((p, i) => [
        p.influencerId,
        p.payee.name,
        p.currency,
        formatMajor(p.amountMinor, p.currency),
        p.method,
        run.ids[i] ?? '-',
      ]),
      c,
    ),
  );
  for (const t of plan.totals)
    lines.push(`${c.bold('total')} ${t.currency} ${formatMajor(t.amountMinor, t.currency)} in ${t.count} payout(s)`);
  if (plan.skipped.length > 0) {
    lines.push(c.yellow(`skipped ${plan.skipped.length} balance(s) due but without usable payout details:`));
    for (const s of plan.skipped)
      lines.push(`  ${s.influencerId} ${s.currency} ${formatMajor(s.amountMinor, s.currency)}: ${s.reason}`);
  }
  for (const f of run.files) lines.push(`${c.green('wrote')} ${f}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  const command = payoutFlags(
    program
      .command('payout')
      .description(
        'pay every available balance at or above the minimum: payouts, ledger debits and payment files (cron: Fridays)',
      )
      .option('--as-of <iso8601>', 'record the run as of this time (default: now)', isoTime)
      .option('--dry-run', 'print the exact table of what would be paid; write nothing'),
  ).action(async (flags: PayoutFlags & { asOf?: string; dryRun?: boolean }, command: Command) => {
    const ctx = contextFrom(command);
    const options = { ...payoutOptions(flags, ctx.config), asOf: parseAsOf(flags.asOf), dryRun: Boolean(flags.dryRun) };
    const { payout, payoutJson } = await import('../../services/payouts/payout.js');
    const run = await withDb(ctx, (db) => payout(db, options));
    for (const w of run.warnings) ctx.out.warn(`the real run would fail: ${w}`);
    if (ctx.out.json && run.plan.skipped.length > 0)
      ctx.out.warn(`${run.plan.skipped.length} balance(s) skipped for lack of payout details (listed under "skipped")`);
    ctx.out.result(payoutJson(run), (c) => renderPayoutRun(run, c));
  });
  command.addHelpText(
    'after',
    `
Minimums: 50 by default for EUR, USD, GBP, CHF, CAD, AUD, NZD and SGD (--min changes it); any other
currency is skipped unless --min-currency CUR=AMOUNT or a stored minimum (\`payout minimum set\`) sets one.
Files in --out: a general CSV, a SEPA pain.001 file for SEPA payouts, and one PayPal Payouts batch CSV
per currency (PayPal's Payouts Web upload format) for PayPal payees.`,
  );
  registerPayoutDesk(command);
}
