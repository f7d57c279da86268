import { Chalk, type ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { invalid, usage } from '../../errors.js';
import type { Report } from '../../services/report/report.js';
import { contextFrom, withDb } from '../context.js';
import { REPORT_GROUPINGS } from '../../domain/report.js';
import { defined, id, isoInstant, oneOf, parseInstant } from '../flags.js';

interface ReportFlags {
  from?: string;
  to?: string;
  merchant?: string;
  by?: string;
  format?: string;
  out?: string;
}

const FORMATS = ['table', 'csv', 'html'] as const;
type Format = (typeof FORMATS)[number];

/** The renderer of a format, imported only when used. */
async function renderer(format: Format): Promise<(report: Report, c: ChalkInstance) => string> {
  if (format === 'csv') return (await import('../../services/report/report-files/report-csv.js')).buildReportCsv;
  if (format === 'html') return (await import('../../services/report/report-files/report-html.js')).buildReportHtml;
  return (await import('../report-view.js')).renderReport;
}

export function register(program: Command): void {
  program
    .command('report')
    .description(
      'clicks, attributed orders, conversion, sales, commission and refunds per key and currency, with charts',
    )
    .option(
      '--from <iso8601>',
      'orders placed and clicks made from this time (a date is UTC midnight; default: the beginning)',
      isoInstant,
    )
    .option(
      '--to <iso8601>',
      'until this time, excluded (--from 2026-11-01 --to 2026-12-01 is November; default: no end)',
      isoInstant,
    )
    .option('--merchant <id>', "only this merchant's orders, and clicks on codes bound to it", id)
    .option(
      '--by <grouping>',
      'day, week (ISO, UTC), month, influencer, merchant, code or platform',
      oneOf(REPORT_GROUPINGS),
      'month',
    )
    .option(
      '--format <format>',
      'table (with a chart), csv or html (one self-contained page with charts)',
      oneOf(FORMATS),
      'table',
    )
    .option('--out <file>', 'write the table, CSV or HTML to this file instead of stdout')
    .action(async (flags: ReportFlags, command: Command) => {
      const ctx = contextFrom(command);
      const format = (flags.format ?? 'table') as Format;
      if (ctx.out.json && format !== 'table' && flags.out === undefined) {
        throw usage(
          `--json prints the report as JSON on stdout: add --out FILE to also write the ${format}, or drop --json`,
        );
      }
      const from = flags.from === undefined ? undefined : parseInstant(flags.from);
      const to = flags.to === undefined ? undefined : parseInstant(flags.to);
      const { buildReport, checkReportOptions } = await import('../../services/report/report.js');
      const scope = checkReportOptions(defined({ by: flags.by, from, to, merchantId: flags.merchant }));
      const report = await withDb(ctx, (db) => buildReport(db, scope));
      const render = await renderer(format);
      if (flags.out === undefined) {
        ctx.out.result(report, (c) => render(report, c));
        return;
      }
      await writeFile(flags.out, render(report, new Chalk({ level: 0 }))).catch((err: unknown) => {
        throw invalid(
          `cannot write ${flags.out}: ${(err as Error).message}; check that its folder exists and is writable`,
          err,
        );
      });
      ctx.out.result(report, () => `wrote ${flags.out} (${format}, ${report.rows.length} row(s))`);
    });
}
