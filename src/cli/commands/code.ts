import type { Command } from 'commander';
import { contextFrom, withDb } from '../context.js';
import { defined, httpUrl, id, trackingCode } from '../flags.js';
import { required } from '../prompt.js';
import { table } from '../output.js';
import { codeView, detail } from '../views.js';

interface CodeFlags {
  influencer?: string;
  code?: string;
  merchant?: string;
  url?: string;
}

export function register(program: Command): void {
  const code = program
    .command('code')
    .description(
      'tracking codes: one code is the promo code, the utm_source value, the TRACK:CODE token and the /r/CODE link',
    );

  code
    .command('add')
    .description('create a tracking code for an influencer')
    .option('--influencer <id>', 'influencer id (required)', id)
    .option('--code <code>', 'the code, 3-64 of A-Z 0-9 _ - (default: 8 random characters)', trackingCode)
    .option('--merchant <id>', 'only count it for this merchant', id)
    .option('--url <destination>', 'where /r/CODE redirects (default: the merchant store URL)', httpUrl)
    .action(async (flags: CodeFlags, command: Command) => {
      const ctx = contextFrom(command);
      const influencerId = await required(flags.influencer, '--influencer', 'Influencer id', ctx.out);
      const { addCode } = await import('../../services/records/codes.js');
      const created = await withDb(ctx, (db) =>
        addCode(db, { influencerId, ...defined({ code: flags.code, merchantId: flags.merchant, url: flags.url }) }),
      );
      const view = codeView(created);
      ctx.out.result(view, (c) => `${c.green('created')} code ${c.bold(created.code)}\n${detail(view)}`);
    });

  code
    .command('disable')
    .description('stop a code (e.g. a leaked one): it attributes nothing from now on; earned commission stays')
    .argument('<code>', 'the tracking code')
    .action(async (value: string, _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { disableCode } = await import('../../services/records/codes.js');
      const disabled = await withDb(ctx, (db) => disableCode(db, value));
      const view = codeView(disabled);
      ctx.out.result(view, (c) => `${c.yellow('disabled')} code ${c.bold(disabled.code)}\n${detail(view)}`);
    });

  code
    .command('list')
    .description('list tracking codes')
    .option('--influencer <id>', 'only this influencer', id)
    .option('--merchant <id>', 'only this merchant', id)
    .action(async (flags: CodeFlags, command: Command) => {
      const ctx = contextFrom(command);
      const { listCodes } = await import('../../services/records/codes.js');
      const rows = (
        await withDb(ctx, (db) =>
          listCodes(db, defined({ influencerId: flags.influencer, merchantId: flags.merchant })),
        )
      ).map(codeView);
      ctx.out.result(rows, (c) =>
        table(
          ['code', 'influencer', 'merchant', 'url', 'disabled'],
          rows.map((r) => [r.code, r.influencer_id, r.merchant_id ?? '*', r.url ?? '', r.disabled_at ? 'yes' : '']),
          c,
        ),
      );
    });
}
