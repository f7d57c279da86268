import { canonicalBody } from '../../platforms/tiktok-shop/export/canonical.js';
import type { ExportHeader, ExportItem } from '../../platforms/tiktok-shop/export/types.js';
import type { PlannerStats } from '../../store/planner-stats.js';
import type { IngestFn, IngestItem, IngestOutcome } from '../ingest/ingest.js';

export type OrderItem = Extract<ExportItem, { kind: 'order' }>;

/** Shared by every item (held until its batch commits, a string or object per order adds up). */
const EVENT_TYPES: Readonly<Record<ExportHeader['format'], string>> = {
  orders: 'export.orders',
  affiliate: 'export.affiliate',
};
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * An export order as an inbox delivery. The body is the order's canonical parsed form (its
 * OrderEvent, the file's `backfill_files` id and its lines; see `canonicalBody`), not the CSV
 * text: the file itself is recorded once. `history`: no `sale.created` notice (unless --notify).
 */
export function exportIngestItem(item: OrderItem, header: ExportHeader, fileId: string, notify: boolean): IngestItem {
  const event = item.event;
  return {
    inbox: {
      platform: event.platform,
      merchantId: event.merchantId,
      dedupeKey: event.dedupeKey,
      source: 'backfill',
      eventType: EVENT_TYPES[header.format],
      orderId: event.externalOrderId,
      headers: NO_HEADERS,
      body: canonicalBody(event, fileId, item.lines),
    },
    events: [event],
    ...(notify ? {} : { history: true }),
  };
}

/**
 * Keeps up to `depth` ingest transactions in flight while the caller goes on parsing, so the
 * CSV work and the database work overlap. Outcomes reach `done` batch by batch. When the inbox
 * has doubled, the planner statistics are refreshed (see PlannerStats), as one more piece of work
 * in flight: the batches do not drain for it.
 */
export class BatchWriter {
  readonly #queue: Promise<void>[] = [];

  constructor(
    private readonly ingest: IngestFn,
    private readonly depth: number,
    private readonly done: (items: readonly IngestItem[], outcomes: readonly IngestOutcome[]) => void,
    private readonly stats?: PlannerStats,
  ) {}

  /** Starts a batch; waits first when `depth` batches are already in flight. */
  async write(items: readonly IngestItem[]): Promise<void> {
    if (this.stats?.stale) this.#track(this.stats.refresh());
    while (this.#queue.length >= this.depth) await this.#queue.shift();
    this.#track(
      this.ingest(items).then((outcomes) => {
        this.stats?.grew(outcomes.filter((o) => o.outcome !== 'duplicate').length);
        this.done(items, outcomes);
      }),
    );
  }

  #track(work: Promise<void>): void {
    // Observed later by write/flush; this keeps a failure from being reported as unhandled meanwhile.
    work.catch(() => undefined);
    this.#queue.push(work);
  }

  /** Waits for every batch; rethrows the first failure once none is left running. */
  async flush(): Promise<void> {
    const settled = await Promise.allSettled(this.#queue.splice(0));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
