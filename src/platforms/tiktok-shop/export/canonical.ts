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
  const { platform: _p, merchantId: _m, externalOrderId: _o, dedupeKey: _k, ...rest } = event;
  // Money by hand: a replacer function would be called for every key of every order.
  const out: Record<string, unknown> = rest;
  for (const key of MONEY_KEYS) if (rest[key]) out[key] = money(rest[key]);
  if (rest.refunds)
    out.refunds = rest.refunds.map((r) => ({
      id: r.id,
      ...(r.base ? { base: money(r.base) } : {}),
      ...(r.amount ? { amount: money(r.amount) } : {}),
    }));
  if (rest.lines) out.lines = rest.lines.map((l) => ({ ...l, base: money(l.base) }));
  return JSON.stringify({ v: 1, file: fileId, lines, event: out });
}

const MONEY_KEYS = ['base', 'total', 'attributedBase', 'platformCommission', 'refundedBase'] as const;
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
