import type { Kysely } from 'kysely';
import { normalizeUsername, requireCreatorId } from '../../domain/records.js';
import { conflict } from '../../errors.js';
import type { CreatorLink, Database } from '../../store/schema.js';
import { getInfluencer } from './influencers.js';
import { check, optional } from './validation.js';

export interface LinkCreatorInput {
  readonly influencerId: string;
  readonly creatorId: string;
  readonly username?: string;
  /** Moves a creator id or username that is linked to another influencer. */
  readonly force?: boolean;
}

export interface LinkResult {
  readonly link: CreatorLink;
  /** The influencer the creator was moved from, with --force. */
  readonly movedFrom: string | null;
  readonly created: boolean;
}

/** Links a TikTok creator to an influencer, in one transaction; conflicts change nothing. */
export async function linkCreator(db: Kysely<Database>, input: LinkCreatorInput): Promise<LinkResult> {
  const creatorId = check(() => requireCreatorId(input.creatorId));
  const username = optional(input.username, normalizeUsername) ?? null;
  return db.transaction().execute(async (trx) => {
    await getInfluencer(trx, input.influencerId);
    const existing = await trx
      .selectFrom('creator_links')
      .selectAll()
      .where('creator_id', '=', creatorId)
      .forUpdate()
      .executeTakeFirst();
    if (existing && existing.influencer_id !== input.influencerId && !input.force) {
      throw conflict(`creator ${creatorId} is already linked to influencer ${existing.influencer_id}`, {
        override: 'force',
      });
    }
    if (username !== null) {
      const holder = await trx
        .selectFrom('creator_links')
        .selectAll()
        .where('username', '=', username)
        .forUpdate()
        .executeTakeFirst();
      if (holder && holder.creator_id !== creatorId) {
        if (!input.force)
          throw conflict(`username @${username} already belongs to creator ${holder.creator_id}`, {
            override: 'force',
          });
        await trx
          .updateTable('creator_links')
          .set({ username: null, updated_at: new Date() })
          .where('creator_id', '=', holder.creator_id)
          .execute();
      }
    }
    const link = await trx
      .insertInto('creator_links')
      .values({ creator_id: creatorId, influencer_id: input.influencerId, username })
      .onConflict((oc) =>
        oc.column('creator_id').doUpdateSet({
          influencer_id: input.influencerId,
          username: username ?? existing?.username ?? null,
          updated_at: new Date(),
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    const movedFrom = existing && existing.influencer_id !== input.influencerId ? existing.influencer_id : null;
    return { link, movedFrom, created: !existing };
  });
}
