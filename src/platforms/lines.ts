import type { OrderLine } from '../domain/order-event.js';
import { asArray, asObject, text, type Json } from './payload.js';

/** One line's ids and pre-tax base as an adapter read them; ids are optional. */
export interface LineFields {
  readonly lineId?: unknown;
  readonly productId?: unknown;
  readonly skuId?: unknown;
  readonly sku?: unknown;
  readonly quantity?: unknown;
  readonly baseMinor: bigint | undefined;
}

/**
 * An order's lines (deals by product, #19) from `items` read by `read`. Lines are extra detail:
 * one without a readable base, or any that throws, drops them all, so the order is still paid
 * on its order-level terms rather than on a part of its lines.
 */
export function orderLines(
  items: unknown,
  currency: string,
  read: (item: Json, index: number) => LineFields,
): OrderLine[] | undefined {
  const raw = asArray(items);
  if (raw.length === 0) return undefined;
  try {
    const lines: OrderLine[] = [];
    for (const [i, item] of raw.entries()) {
      const f = read(asObject(item) ?? {}, i);
      if (f.baseMinor === undefined) return undefined;
      const quantity =
        typeof f.quantity === 'number' && Number.isSafeInteger(f.quantity)
          ? f.quantity
          : Number(text(f.quantity) ?? NaN);
      const ids = { lineId: text(f.lineId), productId: text(f.productId), skuId: text(f.skuId), sku: text(f.sku) };
      lines.push({
        ...Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined)),
        ...(Number.isSafeInteger(quantity) && quantity > 0 ? { quantity } : {}),
        base: { minor: f.baseMinor < 0n ? 0n : f.baseMinor, currency },
      });
    }
    return lines;
  } catch {
    return undefined;
  }
}
