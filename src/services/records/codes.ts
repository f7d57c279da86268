import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { generateCode, normalizeCode, normalizeHttpUrl } from '../../domain/records.js';
import { conflict, notFound, usage } from '../../errors.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import type { Database, TrackingCode } from '../../store/schema.js';
import { getInfluencer } from './influencers.js';
import { getMerchant } from './merchants.js';
import { optional } from './validation.js';

export interface AddCodeInput {
  readonly influencerId: string;
  /** Generated (8 characters, A-Z0-9) when omitted. */
  readonly code?: string;
  readonly merchantId?: string;
  readonly url?: string;
}

/** Creates a tracking code; codes are unique case-insensitively (stored upper-case). */
export async function addCode(db: Kysely<Database>, input: AddCodeInput): Promise<TrackingCode> {
  const given = optional(input.code, normalizeCode);
  const url = optional(input.url, normalizeHttpUrl) ?? null;
  await getInfluencer(db, input.influencerId);
  if (input.merchantId !== undefined) await getMerchant(db, input.merchantId);
  for (let attempt = 0; ; attempt++) {
    const code = given ?? generateCode(randomInt);
    try {
      return await db
        .insertInto('tracking_codes')
        .values({
          code,
          influencer_id: input.influencerId,
          merchant_id: input.merchantId ?? null,
          destination_url: url,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (given !== undefined)
        throw conflict(`code ${code} already exists (codes are compared case-insensitively); choose another`);
      if (attempt >= 5) throw err;
    }
  }
}

/** `code disable`: the code attributes nothing from now on (orders already attributed keep it). */
export async function disableCode(db: Kysely<Database>, code: string, at: Date = new Date()): Promise<TrackingCode> {
  let key: string;
  try {
    key = normalizeCode(code);
  } catch (err) {
    throw usage((err as Error).message);
  }
  const found = await db.selectFrom('tracking_codes').selectAll().where('code', '=', key).executeTakeFirst();
  if (!found) throw notFound(`no code ${key}; see \`tracknow code list\``);
  if (found.disabled_at !== null) return found;
  return db
    .updateTable('tracking_codes')
    .set({ disabled_at: at })
    .where('code', '=', key)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface ListCodesFilter {
  readonly influencerId?: string;
  readonly merchantId?: string;
}

export async function listCodes(db: Kysely<Database>, filter: ListCodesFilter = {}): Promise<TrackingCode[]> {
  let query = db.selectFrom('tracking_codes').selectAll();
  if (filter.influencerId !== undefined)
    query = query.where('influencer_id', '=', (await getInfluencer(db, filter.influencerId)).id);
  if (filter.merchantId !== undefined)
    query = query.where('merchant_id', '=', (await getMerchant(db, filter.merchantId)).id);
  return query.orderBy('code').execute();
}
