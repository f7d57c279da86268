import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { parseBic, parseIban } from '../domain/iban.js';
import { normalizeEmail, requireName } from '../domain/records.js';
import { notFound } from '../errors.js';
import { isUuid } from '../store/pg-errors.js';
import type { CreatorLink, Database, Influencer } from '../store/schema.js';
import { optional } from './validation.js';

export interface InfluencerInput {
  readonly name: string;
  readonly email?: string;
  readonly iban?: string;
  readonly bic?: string;
  readonly paypalEmail?: string;
}

export async function addInfluencer(db: Kysely<Database>, input: InfluencerInput): Promise<Influencer> {
  const values = {
    id: randomUUID(),
    name: optional(input.name, (v) => requireName(v, 'influencer name')) as string,
    email: optional(input.email, normalizeEmail) ?? null,
    iban: optional(input.iban, parseIban) ?? null,
    bic: optional(input.bic, parseBic) ?? null,
    paypal_email: optional(input.paypalEmail, normalizeEmail) ?? null,
  };
  return db.insertInto('influencers').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function getInfluencer(db: Kysely<Database>, id: string): Promise<Influencer> {
  const influencer = isUuid(id) ? await db.selectFrom('influencers').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!influencer) throw notFound(`no influencer with id ${JSON.stringify(id)}; see \`tracknow influencer list\``);
  return influencer;
}

export interface InfluencerDetail {
  readonly influencer: Influencer;
  readonly creators: CreatorLink[];
  readonly codes: string[];
}

export async function showInfluencer(db: Kysely<Database>, id: string): Promise<InfluencerDetail> {
  const influencer = await getInfluencer(db, id);
  const [creators, codes] = await Promise.all([
    db.selectFrom('creator_links').selectAll().where('influencer_id', '=', id).orderBy('creator_id').execute(),
    db.selectFrom('tracking_codes').select('code').where('influencer_id', '=', id).orderBy('code').execute(),
  ]);
  return { influencer, creators, codes: codes.map((c) => c.code) };
}

export async function listInfluencers(db: Kysely<Database>): Promise<Influencer[]> {
  return db.selectFrom('influencers').selectAll().orderBy('created_at').orderBy('id').execute();
}
