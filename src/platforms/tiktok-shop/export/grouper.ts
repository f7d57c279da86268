import { isOrderId } from './cells.js';
import { IdSet } from './id-set.js';
import { OrderGroup } from './order.js';
import type { OrderContext } from './order.js';
import type { CsvRecord } from './records.js';
import type { ExportItem } from './types.js';

/**
 * Groups consecutive order × SKU rows into orders, synchronously, one record at a time.
 * Holds only the open order and the set of order ids already closed, so memory stays flat.
 * Every data row ends in exactly one item: an order's `rows`, or one error.
 */
export class OrderGrouper {
  private readonly seen = new IdSet();
  private group: OrderGroup | undefined;
  /** Rows without an id after the open order's rows: part of that order if it goes on after them. */
  private orphans: { line: number; message: string }[] = [];
  private first = true;

  constructor(
    private readonly ctx: OrderContext,
    private readonly idAt: number,
  ) {}

  /** Takes one record; completed items are appended to `out`. */
  push(rec: CsvRecord, out: ExportItem[]): void {
    const { file } = this.ctx;
    if (rec.kind === 'fatal') {
      // Nothing after this can be read, so the open order may be missing rows.
      this.group?.taint(rec.line, 'the rest of the file cannot be read, so this order may be incomplete');
      this.end(out);
      out.push({ kind: 'error', file, line: rec.line, message: rec.message });
      return;
    }
    const id = rec.cells[this.idAt] ?? '';
    // Seller Center puts a row of column descriptions under the header: prose, not an id.
    const description = this.first && isProse(id);
    this.first = false;
    if (description) return;
    if (!isOrderId(id)) {
      const message = rec.invalidUtf8
        ? NOT_UTF8
        : id === ''
          ? '"Order ID" is empty'
          : `"Order ID" is not an order id: ${JSON.stringify(id)}`;
      if (this.group) this.orphans.push({ line: rec.line, message });
      else out.push({ kind: 'error', file, line: rec.line, message });
      return;
    }
    let group = this.group;
    if (group?.orderId !== id) {
      this.end(out);
      group = this.group = new OrderGroup(this.ctx, id);
      if (this.seen.has(id))
        group.taint(
          rec.line,
          `order ${id} already appeared earlier in the file; the rows of one order must be consecutive`,
        );
      this.seen.add(id);
    } else {
      // The order goes on after rows without an id: they may be its lines, so it is incomplete.
      for (const o of this.orphans) group.addBroken(o.line, `${o.message}, between rows of order ${id}`);
      this.orphans = [];
    }
    if (rec.invalidUtf8) group.addBroken(rec.line, NOT_UTF8);
    else group.add(rec.line, rec.endLine, rec.cells, rec.strayQuote);
  }

  /** Closes the open order, if any, then reports the rows without an id that followed it. */
  end(out: ExportItem[]): void {
    if (this.group) out.push(...this.group.finish());
    for (const o of this.orphans) out.push({ kind: 'error', file: this.ctx.file, line: o.line, message: o.message });
    this.group = undefined;
    this.orphans = [];
  }
}

const NOT_UTF8 = 'this row holds bytes that are not UTF-8; export the file again as UTF-8 (CSV UTF-8)';

/** "Unique order number on the platform.": letters and spaces, and not a formula. */
function isProse(cell: string): boolean {
  return /\p{L}/u.test(cell) && /\s/.test(cell) && !/^[=+\-@]/.test(cell);
}
