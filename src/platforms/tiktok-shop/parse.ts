import type { OrderEvent } from '../../domain/order-event.js';
import { invalid } from '../../errors.js';
import type { MerchantSecrets, Parsed, WebhookRequest } from '../platform.js';
import { asObject, parseJsonObject, requireOrderId, text, unixSeconds } from '../payload.js';
import type { Json } from '../payload.js';
import { amounts, eventTime, hints, tiktokLines } from './fields.js';
import { cancellationStatus, orderStatus, returnStatus } from './status.js';

interface Context {
  readonly body: Json;
  readonly data: Json;
  readonly eventType: string;
  readonly merchant: MerchantSecrets;
  readonly dedupeKey: string;
  readonly receivedAt: Date | undefined;
}

type Handler = (ctx: Context) => Parsed;

/** How one payload shape names its notification types, and which of them are order events. */
export interface TikTokDialect {
  readonly name: string;
  typeName(type: unknown): string | undefined;
  readonly handlers: Readonly<Record<string, Handler>>;
}

/** Type 1 (and the seed's "ORDER_STATUS_CHANGE"): status, and amounts and hints when merged in. */
function orderStatusChange(ctx: Context): Parsed {
  const { data } = ctx;
  const raw = data.order_status ?? data.status;
  if (typeof raw !== 'string' && typeof raw !== 'number')
    throw invalid('the TikTok notification has no data.order_status');
  return single(ctx, {
    status: orderStatus(raw),
    platformStatus: String(raw),
    ...amounts(data, ctx.merchant.currency, ctx.merchant.commissionBase),
    ...tiktokLines(data, ctx.merchant.currency),
    orderedAt: unixSeconds(data.create_time, 'data.create_time'),
    hints: hints(data),
  });
}

/**
 * Types 11 and 12 carry a status only; their `create_time` is the request's, not the order's.
 * A completed return or cancellation may be of part of the order and carries no amount: for a
 * merchant with API access it changes nothing here, and the queue asks Search Returns for the
 * refunded amount (src/services/tiktok-returns.ts). Without API access the whole order is
 * reversed, and the sale is marked as estimated.
 */
function requestChange(field: 'cancel_status' | 'return_status', map: (s: string) => OrderEvent['status']): Handler {
  return (ctx) => {
    const status = text(ctx.data[field]) ?? 'UNKNOWN';
    const time =
      unixSeconds(ctx.data.update_time, 'data.update_time') ?? unixSeconds(ctx.data.create_time, 'data.create_time');
    const mapped = map(status);
    if (mapped === 'other') return single(ctx, { status: mapped, platformStatus: status, hints: [], eventTime: time });
    if (ctx.merchant.tiktokApiAccess)
      return single(ctx, {
        status: 'other',
        platformStatus: `${status} (amount looked up)`,
        hints: [],
        eventTime: time,
      });
    return single(ctx, { status: mapped, platformStatus: status, hints: [], eventTime: time, estimated: true });
  };
}

type EventFields = Pick<
  OrderEvent,
  'status' | 'platformStatus' | 'hints' | 'base' | 'total' | 'orderedAt' | 'estimated' | 'lines'
> & { eventTime?: Date | undefined };

function single(ctx: Context, fields: EventFields): Parsed {
  const orderId = requireOrderId(ctx.data.order_id, 'data.order_id');
  const event: OrderEvent = {
    platform: 'tiktok',
    merchantId: ctx.merchant.id,
    externalOrderId: orderId,
    dedupeKey: ctx.dedupeKey,
    ...fields,
    eventTime: fields.eventTime ?? eventTime(ctx.body, ctx.data, ctx.receivedAt),
  };
  return { kind: 'events', eventType: ctx.eventType, orderId, events: [event] };
}

/**
 * The original product's quick-test payload: a string `type` and order status changes only.
 * Its legacy codes (111) and integer cents are read by the same field readers as the API's.
 */
export const seedDialect: TikTokDialect = {
  name: 'seed',
  typeName: (type) => (typeof type === 'string' && type.trim() !== '' ? type.trim().toUpperCase() : undefined),
  handlers: { ORDER_STATUS_CHANGE: orderStatusChange },
};

const TYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'ORDER_STATUS_CHANGE',
  11: 'CANCELLATION_STATUS_CHANGE',
  12: 'RETURN_STATUS_CHANGE',
};

/** The real Open API envelope: the seed plus numeric types, cancellations and returns. */
export const envelopeDialect: TikTokDialect = {
  ...seedDialect,
  name: 'envelope',
  typeName: (type) => (typeof type === 'number' ? (TYPE_NAMES[type] ?? `TYPE_${type}`) : seedDialect.typeName(type)),
  handlers: {
    ...seedDialect.handlers,
    CANCELLATION_STATUS_CHANGE: requestChange('cancel_status', cancellationStatus),
    RETURN_STATUS_CHANGE: requestChange('return_status', returnStatus),
  },
};

/** A numeric type or a notification id marks the real envelope; anything else is the seed's shape. */
export function dialectFor(body: Json): TikTokDialect {
  return typeof body.type === 'number' || body.tts_notification_id !== undefined ? envelopeDialect : seedDialect;
}

export function parseTikTok(req: WebhookRequest, merchant: MerchantSecrets, dedupeKey: string): Parsed {
  const body = parseJsonObject(req.rawBody, 'TikTok Shop');
  const dialect = dialectFor(body);
  const eventType = dialect.typeName(body.type) ?? 'UNKNOWN';
  const data = asObject(body.data);
  const handler = dialect.handlers[eventType];
  if (!handler) {
    const orderId = data && text(data.order_id);
    const reason = `TikTok notification type ${eventType} is not an order event`;
    return orderId === undefined
      ? { kind: 'ignored', eventType, reason }
      : { kind: 'ignored', eventType, orderId, reason };
  }
  if (!data) throw invalid('the TikTok notification has no data object');
  return handler({ body, data, eventType, merchant, dedupeKey, receivedAt: req.receivedAt });
}
