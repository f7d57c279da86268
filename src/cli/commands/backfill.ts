import { Option, type Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import { invalid } from '../../errors.js';
import type { BackfillSummary } from '../../services/backfill/backfill.js';
import { contextFrom, withDb } from '../context.js';
import { id, timeZone } from '../flags.js';
import { progressBar } from '../progress.js';
import { required } from '../prompt.js';

interface BackfillFlags {
  merchant?: string;
  dryRun?: boolean;
  notify?: boolean;
  dateFormat?: 'us' | 'day-first';
  timezone?: string;
}

/** Errors listed in the human summary; --json lists them all. */
const SHOWN_ERRORS = 20;

export function register(program: Command): void {
  const backfill = program
    .command('backfill')
    .description('replay platform exports through the ingest pipeline; re-running changes nothing');
  backfill
    .command('tiktok')
    .description(
      'replay TikTok Seller Center "All orders" and Affiliate Center orders exports (told apart by their headers)',
    )
    .argument('<file...>', 'CSV exports, in any order')
    .option('--merchant <id>', 'merchant id (required)', id)
    .option('--dry-run', 'report what would change; write nothing')
    .option('--notify', 'send "new sale" notifications for the imported orders (default: history imports silently)')
    .addOption(
      new Option(
        '--date-format <format>',
        'date cells: us = MM/DD/YYYY h:mm:ss AM/PM, day-first = DD/MM/YYYY HH:mm:ss (default: us for Seller Center, day-first for Affiliate Center)',
      ).choices(['us', 'day-first']),
    )
    .option(
      '--timezone <zone>',
      'IANA zone of the shop-local times in the export, e.g. America/Los_Angeles (default: UTC)',
      timeZone,
    )
    .addHelpText(
      'after',
      `
Every file's header is checked before anything is written. Each file is recorded once (name,
SHA-256, size, rows); each order keeps its parsed form in the inbox. Imported orders send no
"new sale" notification unless --notify; validation and payout notifications go out as usual. A bad row (no Order ID, money or
date that cannot be read) is reported with its file and line, and the rest is imported.
Exit codes: 0 all rows imported; 1 some rows failed, or a file is not a TikTok export; 2 usage.
Example:
  tracknow backfill tiktok --merchant ID orders.csv affiliate-orders.csv --dry-run`,
    )
    .action(async (files: string[], flags: BackfillFlags, command: Command) => {
      const ctx = contextFrom(command);
      const merchantId = await required(flags.merchant, '--merchant', 'Merchant id', ctx.out);
      const { backfillTikTok } = await import('../../services/backfill/backfill.js');
      const bar = await progressBar();
      let summary: BackfillSummary;
      try {
        const { dateFormat, timezone } = flags;
        summary = await withDb(ctx, (db) =>
          backfillTikTok(db, {
            merchantId,
            files,
            dryRun: Boolean(flags.dryRun),
            notify: Boolean(flags.notify),
            dateFormat,
            timezone,
            onProgress: bar?.update,
          }),
        );
      } finally {
        bar?.stop();
      }
      ctx.out.result(summaryView(summary), (c) => renderSummary(summary, c));
      const failed = summary.errors.length + summary.errorsOmitted;
      if (failed > 0)
        throw invalid(
          `${failed} row${failed === 1 ? '' : 's'} not imported (see ${ctx.out.json ? '"errors"' : 'above'}); fix them and run the same command again`,
        );
    });
}

/** The JSON contract: {rows, orders, created, updated, unchanged, unattributed, errors:[{file, line, message}]}. */
function summaryView(s: BackfillSummary) {
  const { rows, orders, created, updated, unchanged, unattributed, errors } = s;
  return {
    rows,
    orders,
    created,
    updated,
    unchanged,
    unattributed,
    errors,
    dry_run: s.dryRun,
    ...(s.errorsOmitted > 0 ? { errors_omitted: s.errorsOmitted } : {}),
  };
}

function renderSummary(s: BackfillSummary, c: ChalkInstance): string {
  const head = s.dryRun ? c.yellow('dry run: nothing written; this is what would change') : c.green('backfill done');
  const counts = `${s.rows} rows, ${s.orders} orders: ${s.created} created, ${s.updated} updated, ${s.unchanged} unchanged; ${s.unattributed} unattributed`;
  const lines = [head, counts];
  const failed = s.errors.length + s.errorsOmitted;
  if (failed > 0) {
    lines.push(c.red(`${failed} row${failed === 1 ? '' : 's'} not imported:`));
    for (const e of s.errors.slice(0, SHOWN_ERRORS)) lines.push(`  ${e.file}:${e.line}: ${e.message}`);
    if (failed > SHOWN_ERRORS)
      lines.push(
        c.dim(
          `  … and ${failed - SHOWN_ERRORS} more (--json lists ${s.errorsOmitted > 0 ? 'the first 10,000' : 'them all'})`,
        ),
      );
  }
  return lines.join('\n');
}
