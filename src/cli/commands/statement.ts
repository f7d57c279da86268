import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { usage } from '../../errors.js';
import { contextFrom, withDb } from '../context.js';
import { id, month, oneOf } from '../flags.js';

interface StatementFlags {
  influencer?: string;
  month?: string;
  format?: string;
  out?: string;
}

export function register(program: Command): void {
  program
    .command('statement')
    .description(
      "an influencer's monthly statement: opening, credited, reversed, paid, returned and closing per currency, and the lines behind them",
    )
    .option('--influencer <id>', 'influencer id (required)', id)
    .option('--month <YYYY-MM>', 'calendar month in UTC (required)', month)
    .option('--format <format>', 'text or html', oneOf(['text', 'html']), 'text')
    .option('--out <file>', 'write the statement to this file instead of stdout')
    .action(async (flags: StatementFlags, command: Command) => {
      const ctx = contextFrom(command);
      if (!flags.influencer)
        throw usage('--influencer is required: the influencer id (see `tracknow influencer list`)');
      if (!flags.month) throw usage('--month is required, like --month 2026-11');
      const format = flags.format ?? 'text';
      if (format !== 'text' && format !== 'html')
        throw usage(`--format must be text or html, got ${JSON.stringify(format)}`);
      const [{ statement, statementJson }, render] = await Promise.all([
        import('../../services/payouts/statement.js'),
        import('../../domain/statement-render.js'),
      ]);
      const result = await withDb(ctx, (db) =>
        statement(db, { influencerId: flags.influencer as string, month: flags.month as string }),
      );
      const doc = statementJson(result);
      const rendered =
        format === 'html'
          ? render.statementHtml(doc, result.influencer.name)
          : render.statementText(doc, result.influencer.name);
      if (flags.out !== undefined) {
        const path = resolve(flags.out);
        await writeFile(path, rendered);
        ctx.out.result(doc, (c) => `${c.green('wrote')} ${path}`);
      } else {
        ctx.out.result(doc, () => rendered);
      }
    });
}
