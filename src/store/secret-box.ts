import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { TracknowError } from '../errors.js';

/**
 * Platform secrets and tokens at rest: `tnenc:v1:<key id>:<base64 of iv | ciphertext | tag>`,
 * AES-256-GCM with a 12-byte random IV. The additional data binds a value to its column and row,
 * so a sealed value copied into another column or merchant does not open. A value without the
 * prefix is a plain one (written before TRACKNOW_ENCRYPTION_KEY was set; `tracknow secrets
 * encrypt` seals those). Opening never returns garbage: a wrong key, a missing key or a damaged
 * value is an error that names the fix.
 */
const PREFIX = 'tnenc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The merchant columns that hold platform secrets and tokens. */
export const SECRET_COLUMNS = [
  'tiktok_app_secret',
  'tiktok_access_token',
  'tiktok_refresh_token',
  'shopify_secret',
  'woocommerce_secret',
] as const;
export type SecretColumn = (typeof SECRET_COLUMNS)[number];

/** Where a value lives: the additional data of its seal. */
export interface SecretPlace {
  readonly column: SecretColumn;
  readonly rowId: string;
}

/** A key's public name: 8 hex digits of a hash of it, stored beside each value it sealed. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('tracknow secret key id\0').update(key).digest('hex').slice(0, 8);
}

export const isSealed = (value: string | null | undefined): boolean =>
  typeof value === 'string' && value.startsWith(PREFIX);

/** The key id a sealed value names, else undefined. */
export function sealedKeyId(value: string): string | undefined {
  return isSealed(value) ? value.slice(PREFIX.length).split(':')[0] : undefined;
}

/** A stored secret that cannot be opened: the key is missing or wrong, or the value damaged. */
export class SecretKeyError extends TracknowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid', message, options);
  }
}

const aad = (place: SecretPlace) => Buffer.from(`merchants.${place.column}:${place.rowId}`, 'utf8');

export function seal(plain: string, key: Buffer, place: SecretPlace): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(place));
  const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${keyId(key)}:${body.toString('base64')}`;
}

/** The plain value of a stored one: sealed values need the key that sealed them. */
export function open(stored: string, key: Buffer | undefined, place: SecretPlace): string {
  if (!isSealed(stored)) return stored;
  const [id = '', data = ''] = stored.slice(PREFIX.length).split(':');
  const what = `${place.column} of merchant ${place.rowId}`;
  if (!key)
    throw new SecretKeyError(
      `${what} is stored encrypted (key id ${id}): set TRACKNOW_ENCRYPTION_KEY to the key that encrypted it`,
    );
  if (id !== keyId(key)) {
    throw new SecretKeyError(
      `${what} was encrypted with key id ${id}, but TRACKNOW_ENCRYPTION_KEY has key id ${keyId(key)}: set the key that encrypted it`,
    );
  }
  const body = Buffer.from(data, 'base64');
  if (body.length < IV_BYTES + TAG_BYTES) throw damaged(what);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES)).setAAD(aad(place));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch (err) {
    throw damaged(what, err);
  }
}

const damaged = (what: string, cause?: unknown) =>
  new SecretKeyError(
    `${what} does not decrypt with TRACKNOW_ENCRYPTION_KEY (damaged or moved to another row): set it again with \`tracknow merchant set\``,
    { cause },
  );

/** Seals the given plain column values for a row when a key is set; other fields pass through. */
export function sealColumns<T extends Partial<Record<SecretColumn, unknown>>>(
  columns: T,
  key: Buffer | undefined,
  rowId: string,
): T {
  if (!key) return columns;
  const out: Record<string, unknown> = { ...columns };
  for (const column of SECRET_COLUMNS) {
    const value = out[column];
    if (typeof value === 'string' && !isSealed(value)) out[column] = seal(value, key, { column, rowId });
  }
  return out as T;
}

/** A stored column, opened; null stays null. */
export function openColumn(
  value: string | null,
  key: Buffer | undefined,
  column: SecretColumn,
  rowId: string,
): string | null {
  return value === null ? null : open(value, key, { column, rowId });
}

/** A merchant row with every secret column opened (plain values pass through). */
export function openColumns<T extends { id: string } & Record<SecretColumn, string | null>>(
  row: T,
  key: Buffer | undefined,
): T {
  const out: T = { ...row };
  for (const column of SECRET_COLUMNS)
    (out as Record<SecretColumn, string | null>)[column] = openColumn(row[column], key, column, row.id);
  return out;
}
