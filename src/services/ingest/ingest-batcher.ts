import type { Kysely } from 'kysely';
import { isDbUnavailable } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { retryOnConflict } from '../../store/pg-errors.js';
import { ingestBatch, type IngestItem, type IngestOutcome } from './ingest.js';

interface Waiting {
  readonly item: IngestItem;
  resolve(outcome: IngestOutcome): void;
  reject(err: unknown): void;
}

export interface BatcherOptions {
  /** Batches in flight at once (connections used); more requests wait and join the next batch. */
  readonly maxInFlight: number;
  readonly maxBatch: number;
  /**
   * While other batches are in flight, how long a free slot waits for company (ms, default 1).
   * Without it, under load the first request after a commit takes a whole transaction alone.
   */
  readonly gatherMs?: number;
}

/**
 * Micro-batching for the listener: requests that arrive while earlier batches are committing
 * share the next transaction, and each request is answered only after its own commit. Under
 * light load (nothing in flight) a request goes out alone at once, so batching adds no latency.
 */
export class IngestBatcher {
  #queue: Waiting[] = [];
  #inFlight = 0;
  #idle: (() => void)[] = [];
  #gather: NodeJS.Timeout | undefined;
  #lastSize = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: BatcherOptions = { maxInFlight: 4, maxBatch: 64 },
  ) {}

  submit(item: IngestItem): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      const gatherMs = this.options.gatherMs ?? 1;
      // Company is likely while other batches run, or right after a batch that had some.
      const busy = this.#inFlight > 0 || this.#lastSize > 1;
      if (!busy || gatherMs <= 0 || this.#queue.length >= this.options.maxBatch) this.#pump();
      else this.#gather ??= setTimeout(() => this.#pump(), gatherMs);
    });
  }

  /** Resolves when nothing is queued or in flight (graceful shutdown). */
  drain(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    clearTimeout(this.#gather);
    this.#gather = undefined;
    while (this.#inFlight < this.options.maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.options.maxBatch);
      this.#lastSize = batch.length;
      this.#inFlight++;
      void this.#run(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
        if (this.#inFlight === 0 && this.#queue.length === 0) for (const done of this.#idle.splice(0)) done();
      });
    }
  }

  async #run(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await retryOnConflict(() =>
        ingestBatch(
          this.db,
          batch.map((w) => w.item),
        ),
      );
      batch.forEach((w, n) => w.resolve(outcomes[n]!));
    } catch (err) {
      if (batch.length === 1 || isDbUnavailable(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      // One bad delivery must not fail its neighbours: retry each alone.
      await Promise.all(
        batch.map((w) => retryOnConflict(() => ingestBatch(this.db, [w.item])).then((o) => w.resolve(o[0]!), w.reject)),
      );
    }
  }
}
