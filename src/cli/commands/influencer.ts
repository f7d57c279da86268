import type { Command } from 'commander';
import { contextFrom, withDb } from '../context.js';
import { required } from '../prompt.js';
import { bic, defined, email, iban, id } from '../flags.js';
import { usage } from '../../errors.js';
import { table } from '../output.js';
import { creatorLinkView, detail, influencerView } from '../views.js';

interface SetFlags {
  name?: string;
  email?: string;
  /** false: --no-iban. */
  iban?: string | false;
  bic?: string;
  paypalEmail?: string | false;
  inactive?: boolean;
  active?: boolean;
}

interface InfluencerFlags {
  name?: string;
  email?: string;
  iban?: string;
  bic?: string;
  paypalEmail?: string;
}

export function register(program: Command): void {
  const influencer = program.command('influencer').description('influencers and their payout details');

  influencer
    .command('add')
    .description('create an influencer')
    .option('--name <name>', 'display name (required)')
    .option('--email <email>', 'where notifications go', email)
    .option('--iban <iban>', 'bank account for SEPA payouts (checked with mod-97)', iban)
    .option('--bic <bic>', 'the bank BIC', bic)
    .option('--paypal-email <email>', 'PayPal account for payouts', email)
    .action(async (flags: InfluencerFlags, command: Command) => {
      const ctx = contextFrom(command);
      const name = await required(flags.name, '--name', 'Influencer name', ctx.out);
      const { addInfluencer } = await import('../../services/records/influencers.js');
      const created = await withDb(ctx, (db) =>
        addInfluencer(db, {
          name,
          ...defined({ email: flags.email, iban: flags.iban, bic: flags.bic, paypalEmail: flags.paypalEmail }),
        }),
      );
      const view = influencerView(created);
      ctx.out.result(view, (c) => `${c.green('created')} influencer ${c.bold(created.id)}\n${detail(view)}`);
    });

  influencer
    .command('set')
    .description(
      'change an influencer: payout details, or --inactive (codes and creator links attribute nothing from now on)',
    )
    .argument('<id>', 'influencer id', id)
    .option('--name <name>', 'display name')
    .option('--email <email>', 'where notifications go', email)
    .option('--iban <iban>', 'bank account for SEPA payouts (checked with mod-97); the next payout uses it', iban)
    .option('--no-iban', 'remove the IBAN (and the BIC)')
    .option('--bic <bic>', 'the bank BIC', bic)
    .option('--paypal-email <email>', 'PayPal account for payouts', email)
    .option('--no-paypal-email', 'remove the PayPal email')
    .option('--inactive', 'stop attributing: earned commission stays and is still paid')
    .option('--active', 'attribute again from now on')
    .action(async (id: string, flags: SetFlags, command: Command) => {
      const ctx = contextFrom(command);
      if (flags.inactive && flags.active) throw usage('--inactive and --active contradict each other; give one');
      const { setInfluencer } = await import('../../services/records/influencers.js');
      const changes = {
        ...defined({
          name: flags.name,
          email: flags.email,
          bic: flags.bic,
          iban: typeof flags.iban === 'string' ? flags.iban : undefined,
          paypalEmail: typeof flags.paypalEmail === 'string' ? flags.paypalEmail : undefined,
          active: flags.inactive ? false : flags.active ? true : undefined,
        }),
        clearIban: flags.iban === false,
        clearPaypalEmail: flags.paypalEmail === false,
      };
      const updated = await withDb(ctx, (db) => setInfluencer(db, id, changes));
      const view = influencerView(updated);
      ctx.out.result(view, (c) => `${c.green('updated')} influencer ${c.bold(updated.id)}\n${detail(view)}`);
    });

  influencer
    .command('list')
    .description('list influencers')
    .action(async (_flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { listInfluencers } = await import('../../services/records/influencers.js');
      const rows = (await withDb(ctx, listInfluencers)).map(influencerView);
      ctx.out.result(rows, (c) =>
        table(
          ['id', 'name', 'email', 'payout', 'active'],
          rows.map((i) => [
            i.id,
            i.name,
            i.email ?? '',
            i.iban ? 'iban' : i.paypal_email ? 'paypal' : '-',
            i.active ? 'yes' : 'no',
          ]),
          c,
        ),
      );
    });

  influencer
    .command('show')
    .description('show one influencer with creator links and codes')
    .argument('<id>', 'influencer id', id)
    .action(async (id: string, _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { showInfluencer } = await import('../../services/records/influencers.js');
      const found = await withDb(ctx, (db) => showInfluencer(db, id));
      const view = {
        ...influencerView(found.influencer),
        creators: found.creators.map(creatorLinkView),
        codes: found.codes,
      };
      ctx.out.result(view, () =>
        [
          detail(influencerView(found.influencer)),
          `creators    ${found.creators.map((l) => l.creator_id + (l.username ? ` (@${l.username})` : '')).join(', ') || '-'}`,
          `codes       ${found.codes.join(', ') || '-'}`,
        ].join('\n'),
      );
    });
}
