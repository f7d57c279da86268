import { isCurrency } from './currency.js';
import { formatMajor } from './money.js';

/** An outbox row as delivery reads it. */
export interface OutboxEntry {
  readonly id: string;
  readonly event: string;
  readonly influencerId: string | null;
  readonly createdAt: Date;
  readonly payload: unknown;
}

/** Names the payload only refers to by id. */
export interface RenderContext {
  readonly merchantName?: string | null;
  readonly influencerName?: string | null;
}

const MINOR = /^(.+)_minor$/;

/**
 * The `data` of a webhook: the outbox payload, with every `<name>_minor` amount beside a
 * `currency` turned into `<name>` as an exact major-unit decimal string (the CLI's rule for
 * money in JSON), plus the merchant's name when the payload names a merchant.
 */
export function webhookData(entry: OutboxEntry, ctx: RenderContext = {}): Record<string, unknown> {
  const payload = isRecord(entry.payload) ? entry.payload : {};
  const currency = typeof payload.currency === 'string' && isCurrency(payload.currency) ? payload.currency : undefined;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    const minor = MINOR.exec(key);
    if (minor && currency !== undefined) data[minor[1]!] = toMajor(value, currency);
    else data[key] = value;
  }
  if (!('influencer_id' in data)) data.influencer_id = entry.influencerId;
  if (typeof data.merchant_id === 'string' && ctx.merchantName) data.merchant_name = ctx.merchantName;
  return data;
}

/** The signed body: Standard Webhooks' `{type, timestamp, data}` envelope. */
export function webhookBody(entry: OutboxEntry, ctx: RenderContext = {}): string {
  return JSON.stringify({ type: entry.event, timestamp: entry.createdAt.toISOString(), data: webhookData(entry, ctx) });
}

function toMajor(value: unknown, currency: string): string | null {
  if (typeof value === 'bigint') return formatMajor(value, currency);
  if (
    (typeof value === 'string' && /^-?\d{1,30}$/.test(value)) ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  ) {
    return formatMajor(BigInt(value), currency);
  }
  return null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
