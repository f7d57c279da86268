import type { Command } from 'commander';
import type { WebhookEndpoint } from '../../store/schema.js';
import { contextFrom, withDb } from '../context.js';
import { httpUrl, id, notificationEvents } from '../flags.js';
import { maskSecret, table } from '../output.js';
import { required } from '../prompt.js';

interface AddFlags {
  url?: string;
  influencer?: string;
  events?: string;
}

/** An endpoint as `list` shows it: the secret masked, and a password in the URL too. */
function endpointView(e: WebhookEndpoint, events: string[]) {
  return {
    id: e.id,
    url: maskUrl(e.url),
    influencer_id: e.influencer_id,
    events,
    secret: maskSecret(e.secret),
    created_at: e.created_at,
  };
}

function maskUrl(text: string): string {
  const url = new URL(text);
  if (url.password === '') return text;
  url.password = '****';
  return url.href;
}

export function register(program: Command): void {
  const endpoint = program.command('endpoint').description('receivers of signed notifications (Standard Webhooks)');

  endpoint
    .command('add')
    .description('add a receiver; its whsec_ secret is printed in full this once')
    .option('--url <url>', 'where to POST notifications, http(s) only (required)', httpUrl)
    .option('--influencer <id>', "only this influencer's events (default: every influencer)", id)
    .option('--events <list>', `comma-separated events (default: all)`, notificationEvents)
    .addHelpText(
      'after',
      `
Events: sale.created, sale.cancelled, sale.validated, sale.reversed, payout.created, payout.returned.
Each POST carries webhook-id (the same on every retry), webhook-timestamp and webhook-signature;
verify them with any Standard Webhooks library and the secret printed here.`,
    )
    .action(async (flags: AddFlags, command: Command) => {
      const ctx = contextFrom(command);
      const url = await required(flags.url, '--url', 'Receiver URL', ctx.out);
      const { addEndpoint, endpointEvents } = await import('../../services/notify/notify-endpoints.js');
      const created = await withDb(ctx, (db) =>
        addEndpoint(db, {
          url,
          ...(flags.influencer ? { influencerId: flags.influencer } : {}),
          ...(flags.events !== undefined ? { events: flags.events.split(',') } : {}),
        }),
      );
      const events = endpointEvents(created);
      const view = {
        id: created.id,
        url: created.url,
        secret: created.secret,
        events,
        influencer_id: created.influencer_id,
        created_at: created.created_at,
      };
      ctx.out.result(view, (c) =>
        [
          `${c.green('created')} endpoint ${c.bold(created.id)}`,
          `url         ${created.url}`,
          `influencer  ${created.influencer_id ?? 'all'}`,
          `events      ${created.events === null ? 'all' : events.join(', ')}`,
          `secret      ${created.secret}`,
          c.yellow('Store the secret now: it is not shown again.'),
        ].join('\n'),
      );
    });

  endpoint
    .command('list')
    .description('list receivers (secrets masked)')
    .action(async (_flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { listEndpoints, endpointEvents } = await import('../../services/notify/notify-endpoints.js');
      const rows = await withDb(ctx, listEndpoints);
      const views = rows.map((e) => endpointView(e, endpointEvents(e)));
      ctx.out.result(views, (c) =>
        table(
          ['id', 'url', 'influencer', 'events', 'secret'],
          rows.map((e, i) => [
            e.id,
            views[i]?.url ?? '',
            e.influencer_id ?? 'all',
            e.events === null ? 'all' : e.events.join(','),
            views[i]?.secret ?? '',
          ]),
          c,
        ),
      );
    });

  endpoint
    .command('remove')
    .description('remove a receiver; notifications still pending for it are marked failed')
    .argument('<id>', 'endpoint id (see `tracknow endpoint list`)', id)
    .action(async (id: string, _flags: unknown, command: Command) => {
      const ctx = contextFrom(command);
      const { removeEndpoint } = await import('../../services/notify/notify-endpoints.js');
      const removed = await withDb(ctx, (db) => removeEndpoint(db, id));
      ctx.out.result(
        { ...removed, removed: true },
        (c) =>
          `${c.green('removed')} endpoint ${c.bold(id)}${removed.failed_deliveries > 0 ? c.dim(` (${removed.failed_deliveries} pending deliveries marked failed)`) : ''}`,
      );
    });
}
