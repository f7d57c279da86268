import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Updateable } from 'kysely';
import { parseBic, parseIban } from '../../domain/iban.js';
import { normalizeEmail, requireName } from '../../domain/records.js';
import { notFound, TracknowError, usage } from '../../errors.js';
import { isUuid } from '../../store/pg-errors.js';
import type { CreatorLink, Database, Influencer, InfluencersTable } from '../../store/schema.js';
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

export interface InfluencerChanges {
  readonly name?: string;
  readonly email?: string;
  readonly iban?: string;
  readonly bic?: string;
  readonly paypalEmail?: string;
  /** Clear the IBAN (and its BIC) or the PayPal email. */
  readonly clearIban?: boolean;
  readonly clearPaypalEmail?: boolean;
  /** false: the influencer's codes and creator links attribute nothing from now on; true: again. */
  readonly active?: boolean;
  readonly at?: Date;
}

/**
 * `influencer set`: changes details in place. Earned commission and its payouts are untouched;
 * the next payout run reads the new IBAN or PayPal email. Deactivating keeps the first time.
 */
export async function setInfluencer(db: Kysely<Database>, id: string, changes: InfluencerChanges): Promise<Influencer> {
  if (changes.iban !== undefined && changes.clearIban)
    throw usage('and {@clearIban} contradict each other; give one', 'iban');
  if (changes.paypalEmail !== undefined && changes.clearPaypalEmail)
    throw usage('and {@clearPaypalEmail} contradict each other; give one', 'paypalEmail');
  const given = asUsage(() => ({
    name: optional(changes.name, (v) => requireName(v, 'influencer name')),
    email: optional(changes.email, normalizeEmail),
    iban: optional(changes.iban, parseIban),
    bic: optional(changes.bic, parseBic),
    paypal_email: optional(changes.paypalEmail, normalizeEmail),
  }));
  const values: Updateable<InfluencersTable> = Object.fromEntries(
    Object.entries(given).filter(([, v]) => v !== undefined),
  );
  if (changes.clearIban) Object.assign(values, { iban: null, bic: null });
  if (changes.clearPaypalEmail) values.paypal_email = null;
  const current = await getInfluencer(db, id);
  if (changes.active === true) values.inactive_at = null;
  if (changes.active === false) values.inactive_at = current.inactive_at ?? changes.at ?? new Date();
  if (Object.keys(values).length === 0) return current;
  return db
    .updateTable('influencers')
    .set({ ...values, updated_at: sql`now()` })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A bad flag value on `influencer set` is a usage error (exit 2), as the desk's contract asks. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TracknowError && err.code === 'invalid') throw usage(err.message);
    throw err;
  }
}

export async function getInfluencer(db: Kysely<Database>, id: string): Promise<Influencer> {
  const influencer = isUuid(id)
    ? await db.selectFrom('influencers').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
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
