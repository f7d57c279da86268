import { isoInstant } from '../../../domain/iso-instant.js';
import { flat } from './flat.js';
import type { Money } from '../../../domain/money.js';
import type { OrderEvent } from '../../../domain/order-event.js';

/** The event types of export orders in the inbox: `export.orders`, `export.affiliate`. */
export const EXPORT_EVENT_TYPE = /^export\.[a-z]+$/;

/**
 * What an inbox row of a backfilled order holds: the order as parsed (its OrderEvent), the
 * backfilled file it came from (`backfill_files.id`) and the file's lines, not a copy of the
 * CSV text. The row's own columns carry the merchant, the order id and the dedupe key.
 * Version 1; money in minor units as decimal strings, instants in ISO 8601.
 */
export interface CanonicalOrder {
  readonly v: 1;
  /** The `backfill_files` row of the file. */
  readonly file: string;
  /** The order's lines in the file (1-based physical lines where each row starts). */
  readonly lines: readonly number[];
  readonly event: Omit<OrderEvent, 'platform' | 'merchantId' | 'externalOrderId' | 'dedupeKey'>;
}

const INSTANTS = new Set(['eventTime', 'orderedAt']);

/**
 * The inbox body of an export order: compact JSON, money and instants as strings. Written
 * directly as text, key by key in the event's own order: the same bytes as JSON.stringify of
 * the plain form (a test compares them), without building that form first. Per order, the
 * intermediate objects and the generic stringify cost more than the rest of the order's parse.
 */
export function canonicalBody(event: OrderEvent, fileId: string, lines: readonly number[]): string {
  const members = membersJson(event as unknown as Record<string, unknown>, (key, value) =>
    ROW_COLUMNS.has(key)
      ? undefined
      : value instanceof Date
        ? `"${isoInstant(value)}"`
        : key === 'lines'
          ? linesJson(event.lines!)
          : key === 'refunds'
            ? refundsJson(event.refunds!)
            : value && MONEY_KEYS.has(key)
              ? moneyJson(value as Money)
              : jsonText(value),
  );
  return flat(`{"v":1,"file":${jsonText(fileId)},"lines":[${lines.join(',')}],"event":{${members}}}`);
}

/**
 * An object's members as JSON text (`"key":value,…`), its own keys in order; `text` gives a
 * value's JSON, or undefined to leave the key out (as JSON.stringify does with undefined).
 */
function membersJson(
  source: Record<string, unknown>,
  text: (key: string, value: unknown) => string | undefined,
): string {
  let json = '';
  for (const key of Object.keys(source)) {
    const value = text(key, source[key]);
    if (value === undefined) continue;
    json += json === '' ? `"${key}":${value}` : `,"${key}":${value}`;
  }
  return json;
}

/** Kept in the inbox row's own columns, not in the body. */
const ROW_COLUMNS = new Set(['platform', 'merchantId', 'externalOrderId', 'dedupeKey']);

const MONEY_KEYS = new Set(['base', 'total', 'attributedBase', 'platformCommission', 'refundedBase']);

/** `{"minor":"1031","currency":"USD"}`. */
const moneyJson = (m: Money) => `{"minor":"${m.minor}","currency":${jsonText(m.currency)}}`;

/** Characters JSON.stringify writes as escapes (surrogates: a lone one is escaped, so any goes the slow way). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify for a value; a string with nothing to escape skips the builtin's set-up (most cells). */
const jsonText = (value: unknown): string | undefined =>
  typeof value === 'string' && !ESCAPED.test(value) ? `"${value}"` : JSON.stringify(value);

/** Each line's own keys in order, its `base` as money. */
function linesJson(lines: NonNullable<OrderEvent['lines']>): string {
  return `[${lines
    .map(
      (line) =>
        `{${membersJson(line as unknown as Record<string, unknown>, (key, value) => (key === 'base' ? moneyJson(value as Money) : jsonText(value)))}}`,
    )
    .join(',')}]`;
}

function refundsJson(refunds: NonNullable<OrderEvent['refunds']>): string {
  return `[${refunds
    .map(
      (r) =>
        `{"id":${jsonText(r.id)}${r.base ? `,"base":${moneyJson(r.base)}` : ''}${r.amount ? `,"amount":${moneyJson(r.amount)}` : ''}}`,
    )
    .join(',')}]`;
}

/** Where the stored row's columns supply what the body leaves out. */
export interface CanonicalRow {
  readonly platform: string;
  readonly merchantId: string;
  readonly orderId: string;
  readonly dedupeKey: string;
}

/**
 * The OrderEvent back from an inbox body written by `canonicalBody`; throws `SyntaxError` on a
 * body that is not one (an export order stored before the canonical form: CSV text).
 */
export function parseCanonicalBody(body: string, row: CanonicalRow): { order: CanonicalOrder; event: OrderEvent } {
  const order = JSON.parse(body, (key, value: unknown) => {
    if (key === 'minor' && typeof value === 'string') return BigInt(value);
    if (INSTANTS.has(key) && typeof value === 'string') return new Date(value);
    return value;
  }) as CanonicalOrder | null;
  if (order?.v !== 1 || typeof order.event !== 'object')
    throw new SyntaxError('not a canonical export order (version 1)');
  const event = {
    ...order.event,
    platform: row.platform,
    merchantId: row.merchantId,
    externalOrderId: row.orderId,
    dedupeKey: row.dedupeKey,
  } as OrderEvent;
  return { order, event };
}
