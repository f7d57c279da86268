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

/** The inbox body of an export order: compact JSON, money and instants as strings. */
export function canonicalBody(event: OrderEvent, fileId: string, lines: readonly number[]): string {
  // One pass over the event's own keys, in their order, building plain values: instants as ISO
  // strings and money as decimal strings here, so JSON.stringify meets no Date and no bigint.
  const out: Record<string, unknown> = {};
  const source = event as unknown as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (ROW_COLUMNS.has(key)) continue;
    const value = source[key];
    if (value instanceof Date) out[key] = value.toISOString();
    else if (key === 'lines') out.lines = event.lines!.map((l) => ({ ...l, base: money(l.base) }));
    else if (key === 'refunds')
      out.refunds = event.refunds!.map((r) => ({
        id: r.id,
        ...(r.base ? { base: money(r.base) } : {}),
        ...(r.amount ? { amount: money(r.amount) } : {}),
      }));
    else if (value && MONEY_KEYS.has(key)) out[key] = money(value as Money);
    else out[key] = value;
  }
  return JSON.stringify({ v: 1, file: fileId, lines, event: out });
}

/** Kept in the inbox row's own columns, not in the body. */
const ROW_COLUMNS = new Set(['platform', 'merchantId', 'externalOrderId', 'dedupeKey']);

const MONEY_KEYS = new Set(['base', 'total', 'attributedBase', 'platformCommission', 'refundedBase']);
const money = (m: Money) => ({ minor: m.minor.toString(), currency: m.currency });

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
