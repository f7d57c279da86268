import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../../config.js';
import { pickDestination } from '../../domain/clicks.js';
import { TracknowError } from '../../errors.js';
import type { Database } from '../../store/schema.js';

/** Where a known code sends its visitors; `destination` undefined when there is nowhere to go. */
export interface ClickTarget {
  readonly code: string;
  readonly destination: string | undefined;
}

/**
 * The code's destination URL, else its merchant's store URL. `code` must already be validated
 * and upper-cased (`codeFromClickPath`); undefined for an unknown code.
 */
export async function findClickTarget(db: Kysely<Database>, code: string): Promise<ClickTarget | undefined> {
  const row = await db
    .selectFrom('tracking_codes as tc')
    .leftJoin('merchants as m', 'm.id', 'tc.merchant_id')
    .select(['tc.code', 'tc.destination_url', 'm.store_url'])
    .where('tc.code', '=', code)
    .executeTakeFirst();
  return row && { code: row.code, destination: pickDestination(row.destination_url, row.store_url) };
}

export interface ClickInput {
  readonly code: string;
  readonly userAgent: string | undefined;
  readonly referer: string | undefined;
  readonly ip: string | undefined;
  readonly salt: string;
  readonly at?: Date;
}

/** One visitor's repeat clicks on a code within this long count once. */
export const CLICK_DEDUPE_MS = 60 * 60 * 1000;

/**
 * Stores one click and returns its id; the IP is kept only as a salted hash. A visitor (salted
 * IP hash + user agent) who clicked the same code within the hour gets that click's id back and
 * nothing is stored: one counted click per visitor and code per hour. An advisory lock on the
 * (code, visitor) pair makes two simultaneous clicks count once too.
 */
export async function recordClick(db: Kysely<Database>, input: ClickInput): Promise<string> {
  const at = input.at ?? new Date();
  const visitor = hashVisitor(input.salt, input.ip, input.userAgent);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`click:${input.code}:${visitor}`}, 0))`.execute(trx);
    const recent = await trx
      .selectFrom('clicks')
      .select('id')
      .where('code', '=', input.code)
      .where('visitor_hash', '=', visitor)
      .where('clicked_at', '>', new Date(at.getTime() - CLICK_DEDUPE_MS))
      .orderBy('clicked_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (recent) return recent.id;
    const id = randomUUID();
    await trx
      .insertInto('clicks')
      .values({
        id,
        code: input.code,
        clicked_at: at,
        user_agent: clip(input.userAgent),
        referer: clip(input.referer),
        ip_hash: input.ip === undefined ? null : hashIp(input.salt, input.ip),
        visitor_hash: visitor,
      })
      .execute();
    return id;
  });
}

/** The visitor a click comes from: salted IP and user agent, hashed together. */
export function hashVisitor(salt: string, ip: string | undefined, userAgent: string | undefined): string {
  return createHmac('sha256', salt)
    .update(`visitor\0${ip ?? ''}\0${userAgent ?? ''}`)
    .digest('hex');
}

/** HMAC-SHA256 keyed by the install's salt: the same visitor hashes alike, the IP cannot be read back. */
export function hashIp(salt: string, ip: string): string {
  return createHmac('sha256', salt).update(ip).digest('hex');
}

// Header values are attacker-chosen: keep enough to read, never a megabyte.
const clip = (value: string | undefined): string | null =>
  value === undefined || value === '' ? null : value.slice(0, 500);

export const SALT_FILE = 'click-salt';

/**
 * TRACKNOW_CLICK_SALT, else a per-install salt in `$TRACKNOW_HOME/click-salt`, created once (0600).
 * Several listeners on one PostgreSQL should share TRACKNOW_CLICK_SALT so their hashes agree.
 */
export async function clickSalt(config: Pick<Config, 'clickSalt' | 'home'>): Promise<string> {
  if (config.clickSalt !== undefined) return config.clickSalt;
  const path = join(config.home, SALT_FILE);
  const existing = await readSalt(path);
  if (existing !== undefined) return existing;
  await mkdir(config.home, { recursive: true, mode: 0o700 });
  // Written aside then linked into place: link fails if another process won the race, and
  // nobody ever reads a half-written file.
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const salt = await readSalt(path);
  if (salt === undefined) throw new TracknowError('internal', `could not create the click salt ${path}`);
  return salt;
}

/**
 * The salt as the listener wants it: resolved on the first click from the config read once at
 * start, then kept (a failure is retried on the next click).
 */
export function saltProvider(config: Pick<Config, 'clickSalt' | 'home'>): () => Promise<string> {
  let salt: Promise<string> | undefined;
  return () => {
    salt ??= clickSalt(config).catch((err: unknown) => {
      salt = undefined;
      throw err;
    });
    return salt;
  };
}

async function readSalt(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const salt = text.trim();
  if (salt.length < 32)
    throw new TracknowError(
      'invalid',
      `the click salt ${path} is damaged: delete it (click hashes will change) or set TRACKNOW_CLICK_SALT`,
    );
  return salt;
}
