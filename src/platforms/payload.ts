import { isCurrency } from '../domain/currency.js';
import { parseMajor } from '../domain/money.js';
import { invalid } from '../errors.js';

/** Readers for untrusted webhook JSON: each either returns a typed value or throws `invalid`. */
export type Json = Record<string, unknown>;

/** Parses a body that must be a JSON object (not an array, string or null). */
export function parseJsonObject(rawBody: Buffer, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(rawBody.toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw invalid(`${what} body is not valid JSON: ${(err as Error).message}`, err);
  }
  const obj = asObject(value);
  if (!obj) throw invalid(`${what} body must be a JSON object`);
  // The inbox casts bodies to jsonb; PGlite hangs (and PostgreSQL errors) on very deep nesting.
  if (nestedDeeperThan(rawBody, MAX_JSON_DEPTH))
    throw invalid(`${what} body nests deeper than ${MAX_JSON_DEPTH} levels`);
  return obj;
}

/** Far deeper than any platform's payload (a few levels). */
export const MAX_JSON_DEPTH = 64;

/** Whether valid JSON text nests arrays and objects deeper than `limit` (brackets in strings do not count). */
function nestedDeeperThan(json: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty trimmed string, or a finite number as text (some stores send numeric codes). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  return t === '' ? undefined : t;
}

/** An id sent as a string or a JSON integer; an integer past 2^53 has lost digits, so it is refused. */
export function idText(value: unknown, field: string): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${field} is not an exact id: ${value}`);
    return String(value);
  }
  return typeof value === 'string' ? text(value) : undefined;
}

export function requireOrderId(value: unknown, field: string): string {
  const id = idText(value, field);
  if (id === undefined) throw invalid(`the payload has no order id (${field})`);
  return id;
}

/** The payload's ISO 4217 currency, or the merchant's when the payload names none. */
export function currencyOf(value: unknown, fallback: string): string {
  if (value === undefined || value === null || value === '') return fallback;
  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!isCurrency(code))
    throw invalid(`unknown currency ${JSON.stringify(value)}: expected an ISO 4217 code such as EUR`);
  return code;
}

/**
 * A major-unit amount ("79.90") in minor units; absent → undefined. A JSON number is read
 * through its shortest decimal text (16.5 → "16.5"), digits only, never multiplied as a float.
 */
export function majorAmount(value: unknown, currency: string, field: string): bigint | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const digits = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
  if (digits === undefined) throw invalid(`${field} is not an amount: ${JSON.stringify(value)}`);
  let minor: bigint;
  try {
    minor = parseMajor(digits, currency);
  } catch (err) {
    throw invalid(`${field} is not an amount in ${currency}: ${JSON.stringify(value)}`, err);
  }
  // Platforms send refunds as positive amounts; a negative one is malformed, never a sale.
  if (minor < 0n) throw invalid(`${field} must not be negative: ${JSON.stringify(value)}`);
  return minor;
}

/** Unix seconds sent as a JSON integer or a digit string; absent → undefined. */
export function unixSeconds(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^\d{1,12}$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw invalid(`${field} is not a Unix time in seconds: ${JSON.stringify(value)}`);
  return new Date(n * 1000);
}

/**
 * An ISO 8601 time; absent → undefined. `utc` reads a time without a zone suffix as UTC
 * (WooCommerce's `*_gmt` fields), since Date would otherwise read it as local time.
 */
export function isoTime(value: unknown, field: string, utc = false): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const t = typeof value === 'string' ? value.trim() : '';
  const zoned = utc && /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t}Z` : t;
  const date = new Date(zoned);
  if (!/^\d{4}-\d{2}-\d{2}/.test(t) || Number.isNaN(date.getTime()))
    throw invalid(`${field} is not an ISO 8601 time: ${JSON.stringify(value)}`);
  return date;
}
