import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { Money } from '../../../domain/money.js';
import type { AttributionHint, OrderEvent, OrderLine } from '../../../domain/order-event.js';
import type { CommissionBase } from '../../../domain/refunds.js';
import { MoneySum, RowError, csvLine } from './cells.js';
import { flat } from './flat.js';
import type { ExportRow, RowReader } from './rows.js';
import type { ExportItem } from './types.js';

/** What every order of one file shares. */
export interface OrderContext {
  readonly file: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly read: RowReader;
  /** Hashed before the rows: layout, options and column names. */
  readonly hashPrefix: string;
  /** Affiliate Center rows credit a creator: their sum is the attributed base. */
  readonly byCreator: boolean;
  /** The column the base is summed from, for messages. */
  readonly amountColumn: string;
  /** The header's cell count: a row with another count is misaligned (an unbalanced quote?). */
  readonly width: number;
  /** The merchant's commission base: `net` sums the lines, `with-tax` adds `Taxes`, `total` is `Order Amount`. */
  readonly commissionBase?: CommissionBase;
}

interface Problem {
  readonly line: number;
  readonly message: string;
}

/**
 * Gathers the consecutive rows of one order. Only this order's rows are held; a bad row
 * (or a `taint` from outside) turns the whole order into one error per row.
 */
export class OrderGroup {
  readonly lines: number[] = [];
  private readonly raw: string[] = [];
  private readonly rows: ExportRow[] = [];
  private readonly problems: Problem[] = [];

  constructor(
    private readonly ctx: OrderContext,
    readonly orderId: string,
  ) {}

  add(line: number, endLine: number, cells: readonly string[], strayQuote = false): void {
    this.lines.push(line);
    // One CSV line per row for the dedupe hash (quoting makes it unambiguous); the inbox keeps the parsed order instead.
    this.raw.push(csvLine(cells));
    if (cells.length !== this.ctx.width || strayQuote) {
      const where = endLine > line ? `spans lines ${line}–${endLine} and ` : '';
      const what = strayQuote
        ? 'has a quoted cell whose closing quote is followed by more text'
        : `has ${cells.length} cells but the header has ${this.ctx.width}`;
      this.problems.push({ line, message: `this row ${where}${what}; is a quote unbalanced?` });
      return;
    }
    try {
      this.rows.push(this.ctx.read(cells));
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      this.problems.push({ line, message: err.message });
    }
  }

  /** A row that belongs to the order but cannot be read at all. */
  addBroken(line: number, message: string): void {
    this.lines.push(line);
    this.problems.push({ line, message });
  }

  /** Rejects the whole order for a reason found outside its rows. */
  taint(line: number, message: string): void {
    this.problems.push({ line, message });
  }

  finish(): ExportItem[] {
    if (this.problems.length === 0) {
      const event = this.event();
      if (event !== undefined) return [{ kind: 'order', event, lines: this.lines, rows: this.lines.length }];
    }
    return this.errors();
  }

  private errors(): ExportItem[] {
    const { file } = this.ctx;
    const first = this.problems[0]!;
    const own = new Map(this.problems.map((p) => [p.line, p.message]));
    const whole = `order ${this.orderId} not imported: line ${first.line}: ${first.message}`;
    return this.lines.map((line) => ({
      kind: 'error',
      file,
      line,
      orderId: this.orderId,
      message: own.get(line) ?? whole,
    }));
  }

  /** SHA-256 of the prefix, the order id and each row after a record separator: one update, same bytes. */
  private digest(): string {
    let prefix = prefixHashes.get(this.ctx);
    if (prefix === undefined) prefixHashes.set(this.ctx, (prefix = createHash('sha256').update(this.ctx.hashPrefix)));
    const rows = this.raw.length === 0 ? '' : `\u001e${this.raw.join('\u001e')}`;
    return prefix
      .copy()
      .update(this.orderId + rows)
      .digest('hex');
  }

  /** The order's event, or undefined after recording why its rows do not add up. */
  private event(): OrderEvent | undefined {
    const { ctx, rows } = this;
    const head = rows.find((r) => r.status === 'paid') ?? rows[0]!;
    const base = new MoneySum(ctx.currency, ctx.amountColumn);
    const attributed = new MoneySum(ctx.currency, ctx.amountColumn);
    const tax = new MoneySum(ctx.currency, 'Taxes');
    const returned = new MoneySum(ctx.currency, 'SKU Subtotal After Discount');
    let refund: Money | undefined;
    const platform = new MoneySum(ctx.currency, 'Est. standard commission payment');
    let total: Money | undefined;
    let orderedAt = head.createdAt;
    let eventTime = head.latestAt;
    const creators: string[] = [];
    const messages: string[] = [];
    // Each row is one line; an affiliate export's lines are the credited creator's only, as its base.
    const lines: OrderLine[] = [];
    for (const [i, row] of rows.entries()) {
      if (row.createdAt < orderedAt) orderedAt = row.createdAt;
      if (row.latestAt > eventTime) eventTime = row.latestAt;
      total ??= row.total;
      refund ??= row.refund;
      if (row.message !== undefined && !messages.includes(row.message)) messages.push(row.message);
      if (row.creator !== undefined && !creators.includes(row.creator)) creators.push(row.creator);
      if (row.excluded) continue;
      try {
        base.add(row.amount);
        if (row.tax) tax.add(row.tax);
        if (row.returnedBase) returned.add(row.returnedBase);
        if (row.creator === creators[0]) {
          attributed.add(row.amount);
          platform.add(row.platformCommission);
        }
        if (row.ids && row.amount && (!ctx.byCreator || row.creator === creators[0])) {
          // Not `{ ...row.ids, base }`: a spread and then a new key is many times slower in V8.
          lines.push(Object.assign({}, row.ids, { base: row.amount }));
        }
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        this.problems.push({ line: this.lines[i] ?? 0, message: err.message });
        return undefined;
      }
    }
    const hints: AttributionHint[] = ctx.byCreator
      ? creators.map((value) => ({ method: 'creator_username', value }))
      : messages.map((value) => ({ method: 'track_message', value }));
    // Optional keys assigned in the order the canonical body lists them (spreads of one-key objects
    // made six objects an order).
    const event = {
      platform: 'tiktok',
      merchantId: ctx.merchantId,
      externalOrderId: this.orderId,
      eventTime,
      orderedAt,
      status: head.status,
      platformStatus: head.platformStatus,
    } as Mutable<OrderEvent>;
    const chosen = chosenBase(ctx.commissionBase, base.value(), tax.value(), total);
    if (chosen !== undefined) event.base = chosen;
    const refunds = refundsOf(this.orderId, refund, returned.value());
    if (refunds !== undefined) event.refunds = refunds;
    if (total !== undefined) event.total = total;
    if (ctx.byCreator) {
      const attributedBase = attributed.value();
      if (attributedBase !== undefined) event.attributedBase = attributedBase;
      const platformCommission = platform.value();
      if (platformCommission !== undefined) event.platformCommission = platformCommission;
    }
    if (lines.length > 0) event.lines = lines;
    event.hints = hints;
    event.dedupeKey = flat(`export:${this.digest()}`);
    return event;
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The base the merchant chose; `total` needs `Order Amount`, `with-tax` adds the lines' `Taxes`. */
function chosenBase(
  mode: CommissionBase | undefined,
  net: Money | undefined,
  tax: Money | undefined,
  total: Money | undefined,
): Money | undefined {
  if (net === undefined) return undefined;
  if (mode === 'total' && total?.currency === net.currency) return total;
  if (mode === 'with-tax' && tax?.currency === net.currency)
    return { minor: net.minor + tax.minor, currency: net.currency };
  return net;
}

/**
 * The order's refund, one per order (id `export:<order id>`, the larger amount wins on a later
 * export): `Order Refund Amount` pro rata; without it, the returned lines' share (`Sku Quantity of return`).
 */
function refundsOf(orderId: string, amount: Money | undefined, returned: Money | undefined): OrderEvent['refunds'] {
  const id = `export:${orderId}`;
  if (amount) return [{ id, amount }];
  if (returned && returned.minor > 0n) return [{ id, base: returned }];
  return undefined;
}

/** The file's prefix hashed once: the copy of a hash state is cheaper than hashing the header again. */
const prefixHashes = new WeakMap<OrderContext, Hash>();
