import type { Command } from 'commander';
import { contextFrom, withDb } from '../context.js';
import { parseTiers } from '../../domain/deals.js';
import { amount, checked, currency, defined, id, isoInstant, percent, trackingCode } from '../flags.js';
import { table } from '../output.js';
import { detail } from '../views.js';

interface DealFlags {
  merchant?: string;
  rate?: string;
  fixed?: string;
  currency?: string;
  influencer?: string;
  code?: string;
  product?: string;
  from?: string;
  until?: string;
  tiers?: string;
  name?: string;
  all?: boolean;
  at?: string;
}

type View = Awaited<ReturnType<typeof import('../../services/deals/deals.js').addDeal>>;

const scope = (d: View) =>
  [d.influencer_id && `influencer ${d.influencer_id}`, d.code && `code ${d.code}`, d.product && `product ${d.product}`]
    .filter(Boolean)
    .join(', ') || 'all sales';
const terms = (d: View) =>
  d.fixed !== null
    ? `${d.fixed} ${d.currency} per order`
    : `${d.rate}%${d.tiers ? ` (${d.tiers.map((t) => `${t.sales}:${t.rate}%`).join(', ')})` : ''}`;
const when = (d: View) =>
  `${d.from?.toISOString().slice(0, 10) ?? '…'} – ${(d.ended_at ?? d.until)?.toISOString().slice(0, 10) ?? '…'}`;
const shown = (d: View) => detail({ ...d, tiers: d.tiers?.map((t) => `${t.sales}:${t.rate}`).join(',') ?? null });

export function register(program: Command): void {
  const deal = program
    .command('deal')
    .description('commission deals: rates or fixed amounts per influencer, code or product, for a period, tiered');

  deal
    .command('add')
    .description('agree a deal (deals are never edited: end one and add another)')
    .option('--merchant <id>', 'the merchant (required)', id)
    .option('--rate <percent>', 'commission in percent, 0 to 100', percent)
    .option('--fixed <amount>', 'a fixed commission per order (with --currency)', amount)
    .option('--currency <code>', 'the currency of --fixed; orders in other currencies fall to the next rule', currency)
    .option('--influencer <id>', "only this influencer's sales", id)
    .option('--code <code>', 'only sales attributed by this tracking code', trackingCode)
    .option('--product <id>', 'only order lines with this product id or SKU id (applies per line)')
    .option('--from <iso8601>', 'orders placed from this time', isoInstant)
    .option('--until <iso8601>', 'orders placed before this time', isoInstant)
    .option(
      '--tiers <N:PCT,...>',
      'once the influencer has N sales with the merchant in the month (UTC), later sales get PCT',
      checked(parseTiers),
    )
    .option('--name <text>', 'a name for the deal')
    .action(async (flags: DealFlags, command: Command) => {
      const ctx = contextFrom(command);
      const { addDeal } = await import('../../services/deals/deals.js');
      const { merchant, influencer, all: _all, at: _at, ...rest } = flags;
      const created = await withDb(ctx, (db) =>
        addDeal(db, defined({ ...rest, merchantId: merchant, influencerId: influencer })),
      );
      ctx.out.result(created, (c) => `${c.green('created')} deal ${c.bold(created.id)}\n${shown(created)}`);
    });

  deal
    .command('list')
    .description('deals in force (with --all: ended and expired ones too)')
    .option('--merchant <id>', 'only this merchant', id)
    .option('--influencer <id>', 'only this influencer', id)
    .option('--all', 'ended and expired deals too')
    .action(async (flags: DealFlags, command: Command) => {
      const ctx = contextFrom(command);
      const { listDeals } = await import('../../services/deals/deals.js');
      const rows = await withDb(ctx, (db) =>
        listDeals(db, defined({ merchantId: flags.merchant, influencerId: flags.influencer, all: flags.all })),
      );
      ctx.out.result(rows, (c) =>
        table(
          ['id', 'name', 'merchant', 'applies to', 'terms', 'orders'],
          rows.map((d) => [d.id, d.name ?? '', d.merchant_id, scope(d), terms(d), when(d)]),
          c,
        ),
      );
    });

  deal
    .command('end')
    .description('end a deal: orders placed from then on fall to the next rule; sales already made keep its terms')
    .argument('<id>', 'deal id (see `tracknow deal list --all`)', id)
    .option('--at <iso8601>', 'when it ends (default: now)', isoInstant)
    .action(async (id: string, flags: DealFlags, command: Command) => {
      const ctx = contextFrom(command);
      const { endDeal } = await import('../../services/deals/deals.js');
      const ended = await withDb(ctx, (db) => endDeal(db, id, flags.at));
      ctx.out.result(ended, (c) => `${c.green('ended')} deal ${c.bold(ended.id)}\n${shown(ended)}`);
    });
}
