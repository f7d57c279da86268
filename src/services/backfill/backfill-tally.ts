import { IdSet } from '../../platforms/tiktok-shop/export/id-set.js';
import type { IngestItem, IngestOutcome } from '../ingest/ingest.js';

/** A row that was not imported, where the user can find it. */
export interface BackfillError {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** What a backfill did (or, under --dry-run, would do). */
export interface BackfillSummary {
  /** Data rows read (order × SKU lines), imported or not. */
  readonly rows: number;
  /** Orders read whole and handed to ingest. */
  readonly orders: number;
  readonly created: number;
  readonly updated: number;
  /** Orders that changed no sale: duplicates, stale or unchanged events, unpaid orders. */
  readonly unchanged: number;
  /** Orders whose sale has no influencer at the end (an affiliate row later in the run may attribute one). */
  readonly unattributed: number;
  readonly errors: readonly BackfillError[];
  /** Errors beyond the first MAX_ERRORS, counted but not listed (memory stays flat). */
  readonly errorsOmitted: number;
  readonly dryRun: boolean;
}

/** Errors kept in memory; a file of a million bad rows must not hold a million messages. */
export const MAX_ERRORS = 10_000;

/** Counts as batches come back; created + updated + unchanged = orders. */
export class BackfillTally {
  rows = 0;
  orders = 0;
  created = 0;
  updated = 0;
  unchanged = 0;
  /** Only the orders still unattributed, cleared as later files attribute them; compact (see IdSet). */
  readonly #unattributed = new IdSet();
  readonly errors: BackfillError[] = [];
  errorsOmitted = 0;

  error(error: BackfillError): void {
    this.rows++;
    if (this.errors.length < MAX_ERRORS)
      this.errors.push({ file: error.file, line: error.line, message: error.message });
    else this.errorsOmitted++;
  }

  outcomes(items: readonly IngestItem[], outcomes: readonly IngestOutcome[]): void {
    outcomes.forEach((o, n) => {
      if (o.change === 'created') this.created++;
      else if (o.change === 'updated') this.updated++;
      else this.unchanged++;
      const order = items[n]?.inbox.orderId;
      if (order === undefined || !o.sale) return; // an unpaid order has no sale: neither attributed nor not
      if (o.sale.influencerId === null) this.#unattributed.add(order);
      else this.#unattributed.delete(order);
    });
  }

  summary(dryRun: boolean): BackfillSummary {
    const { rows, orders, created, updated, unchanged, errors, errorsOmitted } = this;
    return {
      rows,
      orders,
      created,
      updated,
      unchanged,
      unattributed: this.#unattributed.size,
      errors,
      errorsOmitted,
      dryRun,
    };
  }
}
