import type { CommissionBase } from '../../../domain/refunds.js';
import type { OrderEvent } from '../../../domain/order-event.js';
import type { ExportFormat } from './columns.js';
import type { DateFormat } from './dates.js';

export interface ReadExportOptions {
  readonly merchantId: string;
  /** The merchant's ISO 4217 currency: money cells without their own code are in it. */
  readonly currency: string;
  /** The name errors give the file (usually its path as the user typed it). */
  readonly file: string;
  /** Overrides the layout's default: `us` for Seller Center, `day-first` for Affiliate Center. */
  readonly dateFormat?: DateFormat | undefined;
  /** IANA zone of the shop's wall-clock times; default UTC. */
  readonly timezone?: string | undefined;
  /** The merchant's commission base (`--commission-base`); default `net`. */
  readonly commissionBase?: CommissionBase | undefined;
}

/**
 * One order (all its consecutive order × SKU rows) or one rejected row. Every data row of the
 * file ends up in exactly one item: an order's `rows`, or one error per row.
 */
export type ExportItem =
  | {
      readonly kind: 'order';
      readonly event: OrderEvent;
      readonly lines: number[];
      readonly rows: number;
    }
  | {
      readonly kind: 'error';
      readonly file: string;
      readonly line: number;
      readonly message: string;
      readonly orderId?: string;
    };

/** What the header said, known before any row is read. */
export interface ExportHeader {
  readonly file: string;
  readonly format: ExportFormat;
  readonly dateFormat: DateFormat;
  /** The resolved IANA name, `UTC` by default. */
  readonly timezone: string;
  /** The header's names, cleaned, in file order. */
  readonly columns: readonly string[];
}

/** Progress counters for a progress bar: CSV records read (header included), lines and bytes consumed. */
export interface ExportProgress {
  readonly records: number;
  readonly lines: number;
  readonly bytes: number;
}
