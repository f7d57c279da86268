import type { Kysely } from 'kysely';
import type { AttributionLookup, CodeEntry, LookupKeys } from '../domain/attribution.js';
import { isUuid } from './pg-errors.js';
import type { Database } from './schema.js';

/** Fetches exactly the creators, codes and clicks a batch's hints name: four small queries at most. */
export async function loadAttributionLookup(trx: Kysely<Database>, keys: LookupKeys): Promise<AttributionLookup> {
  const clickIds = keys.clickIds.filter(isUuid);
  const [byId, byName, clicks] = await Promise.all([
    keys.creatorIds.length ? trx.selectFrom('creator_links').select(['creator_id', 'influencer_id']).where('creator_id', 'in', keys.creatorIds).execute() : [],
    keys.usernames.length ? trx.selectFrom('creator_links').select(['username', 'influencer_id']).where('username', 'in', keys.usernames).execute() : [],
    clickIds.length ? trx.selectFrom('clicks').select(['id', 'code']).where('id', 'in', clickIds).execute() : [],
  ]);
  const codeNames = [...new Set([...keys.codes, ...clicks.map((c) => c.code)])];
  const codes = codeNames.length
    ? await trx.selectFrom('tracking_codes').select(['code', 'influencer_id', 'merchant_id']).where('code', 'in', codeNames).execute()
    : [];
  return {
    creatorsById: new Map(byId.map((r) => [r.creator_id, r.influencer_id])),
    creatorsByUsername: new Map(byName.filter((r) => r.username !== null).map((r) => [r.username as string, r.influencer_id])),
    codes: new Map<string, CodeEntry>(codes.map((r) => [r.code, { influencerId: r.influencer_id, merchantId: r.merchant_id }])),
    clicks: new Map(clicks.map((c) => [c.id, { code: c.code }])),
  };
}
