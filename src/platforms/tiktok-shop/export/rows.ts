import type { Money } from '../../../domain/money.js';
import type { OrderStatus } from '../../../domain/order-event.js';
import type { AffiliateColumn, ColumnIndex, OrdersColumn } from './columns.js';
import { ExportDateError, parseExportDate } from './dates.js';
import type { DateFormat } from './dates.js';
import { RowError, moneyParser } from './cells.js';
import { divRoundHalfUp } from '../../../domain/money.js';
import { affiliateOrderStatus, exportOrderStatus, isFullyRefunded } from './status.js';
import type { WallClockZone } from './zone.js';

/** One order × SKU row, read and checked. */
export interface ExportRow {
  readonly status: OrderStatus;
  readonly platformStatus: string;
  readonly createdAt: Date;
  /** The latest of the row's times (created, paid, shipped, delivered, cancelled…). */
  readonly latestAt: Date;
  /** The line's part of the commission base; undefined when the cell is empty. */
  readonly amount: Money | undefined;
  /** The whole order's total, repeated on every row (Seller Center only). */
  readonly total?: Money | undefined;
  readonly message?: string | undefined;
  readonly creator?: string | undefined;
  /** What TikTok pays the creator on this line: the actual payment once settled, else the estimate. */
  readonly platformCommission?: Money | undefined;
  /** A fully returned or refunded line: it stays out of the base. */
  readonly excluded: boolean;
  /** The line's tax (`Taxes`), for `--commission-base with-tax`. */
  readonly tax?: Money | undefined;
  /** `Order Refund Amount`, repeated on every row: a refund without line detail. */
  readonly refund?: Money | undefined;
  /** The refunded part of this line from `Sku Quantity of return`: subtotal × returned ÷ quantity, half-up. */
  readonly returnedBase?: Money | undefined;
  /** The line's ids (deals by product, #19), where the export has the columns. */
  readonly ids?: LineIds;
}

export interface LineIds {
  readonly skuId?: string;
  readonly productId?: string;
  readonly sku?: string;
  readonly quantity?: number;
}

type IdColumn = 'skuId' | 'productId' | 'sellerSku' | 'quantity';

/** The line's ids from whichever id columns the file has; undefined when it has none. */
function lineIds(index: ColumnIndex<IdColumn>): (cells: readonly string[]) => LineIds | undefined {
  if (index.skuId < 0 && index.productId < 0 && index.sellerSku < 0) return () => undefined;
  // Built field by field (same keys, same order as before): this runs for every row of a file.
  return (cells) => {
    const ids: { -readonly [K in keyof LineIds]: LineIds[K] } = {};
    const skuId = at(cells, index.skuId);
    const productId = at(cells, index.productId);
    const sku = at(cells, index.sellerSku);
    if (skuId !== '') ids.skuId = skuId;
    if (productId !== '') ids.productId = productId;
    if (sku !== '') ids.sku = sku;
    const quantity = Number(at(cells, index.quantity) || NaN);
    if (Number.isSafeInteger(quantity) && quantity > 0) ids.quantity = quantity;
    return ids;
  };
}

/** Reads one row of cleaned cells; throws RowError naming the column at fault. */
export type RowReader = (cells: readonly string[]) => ExportRow;

export interface RowContext {
  readonly currency: string;
  readonly dateFormat: DateFormat;
  readonly zone: WallClockZone;
}

const at = (cells: readonly string[], i: number): string => (i < 0 ? '' : (cells[i] ?? ''));

/** A date column reader that remembers its last cell: the rows of one order repeat their times. */
function dateColumn(ctx: RowContext, column: string, index: number) {
  let lastText = '';
  let lastValue: Date | undefined;
  return (cells: readonly string[]): Date | undefined => {
    const text = at(cells, index);
    if (text === lastText) return lastValue;
    try {
      lastValue = parseExportDate(text, ctx.dateFormat, ctx.zone);
    } catch (err) {
      if (err instanceof ExportDateError) throw new RowError(`"${column}" is ${err.message}`);
      throw err;
    }
    lastText = text;
    return lastValue;
  };
}

function statusOf(text: string, map: (t: string) => OrderStatus | undefined): OrderStatus {
  if (text === '') throw new RowError('"Order Status" is empty');
  const status = map(text);
  if (status === undefined)
    throw new RowError(`"Order Status" is not a status tracknow knows: ${JSON.stringify(text)}`);
  return status;
}

function latestOf(first: Date, dates: readonly (Date | undefined)[]): Date {
  let latest = first;
  for (const d of dates) if (d !== undefined && d.getTime() > latest.getTime()) latest = d;
  return latest;
}

/** Seller Center "All orders": base from `SKU Subtotal After Discount`, hint from `Buyer Message`. */
export function ordersRowReader(index: ColumnIndex<OrdersColumn>, ctx: RowContext): RowReader {
  const money = moneyParser(ctx.currency);
  const created = dateColumn(ctx, 'Created Time', index.created);
  const others = [
    dateColumn(ctx, 'Paid Time', index.paid),
    dateColumn(ctx, 'RTS Time', index.rts),
    dateColumn(ctx, 'Shipped Time', index.shipped),
    dateColumn(ctx, 'Delivered Time', index.delivered),
    dateColumn(ctx, 'Cancelled Time', index.cancelled),
  ];
  const ids = lineIds(index);
  return (cells) => {
    const platformStatus = at(cells, index.status);
    const status = statusOf(platformStatus, exportOrderStatus);
    const createdAt = created(cells);
    if (createdAt === undefined) throw new RowError('"Created Time" is empty');
    return {
      status,
      platformStatus,
      createdAt,
      latestAt: latestOf(
        createdAt,
        others.map((read) => read(cells)),
      ),
      amount: money(at(cells, index.subtotal), 'SKU Subtotal After Discount'),
      total: money(at(cells, index.orderAmount), 'Order Amount'),
      message: at(cells, index.buyerMessage) || undefined,
      excluded: false,
      tax: money(at(cells, index.taxes), 'Taxes'),
      ...refundCells(cells, index, money),
      ids: ids(cells),
    };
  };
}

/** Whole units in a count cell ("1", "0", empty); anything else is a RowError. */
function count(cell: string, column: string): bigint | undefined {
  if (cell === '') return undefined;
  if (!/^\d{1,9}$/.test(cell)) throw new RowError(`"${column}" is not a whole number: ${JSON.stringify(cell)}`);
  return BigInt(cell);
}

/** The refund columns of a Seller Center row: the order's refund amount, and the line's returned share. */
function refundCells(
  cells: readonly string[],
  index: ColumnIndex<OrdersColumn>,
  money: (cell: string, column: string) => Money | undefined,
) {
  const refund = money(at(cells, index.refundAmount), 'Order Refund Amount');
  const returned = count(at(cells, index.returnedQuantity), 'Sku Quantity of return');
  const quantity = count(at(cells, index.quantity), 'Quantity');
  const subtotal = money(at(cells, index.subtotal), 'SKU Subtotal After Discount');
  const type = at(cells, index.returnType);
  let returnedBase: Money | undefined;
  if (
    type !== '' &&
    returned !== undefined &&
    returned > 0n &&
    quantity !== undefined &&
    quantity > 0n &&
    subtotal !== undefined
  ) {
    if (returned > quantity)
      throw new RowError(`"Sku Quantity of return" (${returned}) is more than "Quantity" (${quantity})`);
    returnedBase = { minor: divRoundHalfUp(subtotal.minor * returned, quantity), currency: subtotal.currency };
  }
  return { ...(refund && refund.minor > 0n && { refund }), ...(returnedBase && { returnedBase }) };
}

/** Affiliate Center orders: base from `Payment Amount`, hint from `Creator Username`. */
export function affiliateRowReader(index: ColumnIndex<AffiliateColumn>, ctx: RowContext): RowReader {
  const money = moneyParser(ctx.currency);
  const created = dateColumn(ctx, 'Time Created', index.created);
  const delivered = dateColumn(ctx, 'Order Delivery Time', index.delivered);
  const ids = lineIds(index);
  return (cells) => {
    const platformStatus = at(cells, index.status);
    const status = statusOf(platformStatus, affiliateOrderStatus);
    const createdAt = created(cells);
    if (createdAt === undefined) throw new RowError('"Time Created" is empty');
    // Handles are compared without their "@"; some exports write it, others do not.
    const creator = at(cells, index.creator).replace(/^@/, '');
    if (creator === '') throw new RowError('"Creator Username" is empty');
    const refunded = isFullyRefunded(at(cells, index.refunded));
    if (refunded === undefined) {
      throw new RowError(
        `"Fully returned or refunded" is neither Yes nor No: ${JSON.stringify(at(cells, index.refunded))}`,
      );
    }
    return {
      status: refunded ? 'refunded' : status,
      platformStatus,
      createdAt,
      latestAt: latestOf(createdAt, [delivered(cells)]),
      amount: money(at(cells, index.payment), 'Payment Amount'),
      creator,
      platformCommission:
        money(at(cells, index.actualCommission), 'Actual Commission Payment') ??
        money(at(cells, index.estCommission), 'Est. standard commission payment'),
      excluded: refunded || status === 'cancelled' || status === 'refunded',
      ids: ids(cells),
    };
  };
}
