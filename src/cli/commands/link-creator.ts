import type { Command } from 'commander';
import { contextFrom, withDb } from '../context.js';
import { creatorId, defined, id, username } from '../flags.js';
import { required } from '../prompt.js';
import { creatorLinkView } from '../views.js';

interface LinkFlags {
  influencer?: string;
  creatorId?: string;
  username?: string;
  force?: boolean;
}

export function register(program: Command): void {
  program
    .command('link-creator')
    .description('link a TikTok creator to an influencer (attribution priority 1)')
    .option('--influencer <id>', 'influencer id (required)', id)
    .option('--creator-id <cid>', 'TikTok creator id (required)', creatorId)
    .option('--username <@name>', 'TikTok username, as Affiliate Center exports show it', username)
    .option('--force', 'move a creator id or username that is linked to another influencer')
    .action(async (flags: LinkFlags, command: Command) => {
      const ctx = contextFrom(command);
      const influencerId = await required(flags.influencer, '--influencer', 'Influencer id', ctx.out);
      const creatorId = await required(flags.creatorId, '--creator-id', 'TikTok creator id', ctx.out);
      const { linkCreator } = await import('../../services/records/creators.js');
      const result = await withDb(ctx, (db) =>
        linkCreator(db, { influencerId, creatorId, ...defined({ username: flags.username, force: flags.force }) }),
      );
      const view = { ...creatorLinkView(result.link), created: result.created, moved_from: result.movedFrom };
      ctx.out.result(view, (c) => {
        const who = `${c.bold(result.link.creator_id)}${result.link.username ? ` (@${result.link.username})` : ''}`;
        if (result.movedFrom)
          return `${c.yellow('moved')} creator ${who} from influencer ${result.movedFrom} to ${result.link.influencer_id}`;
        return `${c.green(result.created ? 'linked' : 'updated')} creator ${who} → influencer ${result.link.influencer_id}`;
      });
    });
}
