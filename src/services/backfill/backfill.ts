import { stat } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { usage } from '../../errors.js';
import type { DateFormat } from '../../platforms/tiktok-shop/export/dates.js';
import { openTikTokExport, type TikTokExport } from '../../platforms/tiktok-shop/export/read-export.js';
import { PlannerStats } from '../../store/planner-stats.js';
import type { Database } from '../../store/schema.js';
import { BatchWriter, exportIngestItem } from './backfill-items.js';
import { BackfillTally, type BackfillSummary } from './backfill-tally.js';
import { ingestBatch, rehearseIngest, type IngestFn, type IngestItem } from '../ingest/ingest.js';
import { getMerchant } from '../records/merchants.js';
import { parseCommissionBase, type CommissionBase } from '../../domain/refunds.js';

export type { BackfillError, BackfillSummary } from './backfill-tally.js';

export interface BackfillOptions {
  readonly merchantId: string;
  /** Paths as the user typed them; errors name them so. */
  readonly files: readonly string[];
  /** Decide everything in one transaction, then roll it back: counts are exact, nothing is written. */
  readonly dryRun?: boolean;
  readonly dateFormat?: DateFormat | undefined;
  readonly timezone?: string | undefined;
  /** Orders per ingest transaction (default 1000). */
  readonly batchSize?: number;
  /** Ingest transactions in flight while parsing goes on (default 2; 1 under dry run). */
  readonly inFlight?: number;
  readonly onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress {
  readonly rows: number;
  /** Bytes read over all files, and their total size: the basis of the ETA. */
  readonly bytes: number;
  readonly totalBytes: number;
}

/**
 * Replays TikTok Seller Center and Affiliate Center exports through the one ingest pipeline.
 * Every file's header is checked before any row is written (an unknown one throws 'invalid');
 * a bad row is counted and listed and the rest goes on. Streams: memory stays flat.
 */
export async function backfillTikTok(db: Kysely<Database>, options: BackfillOptions): Promise<BackfillSummary> {
  if (options.files.length === 0)
    throw usage('give at least one export file: tracknow backfill tiktok --merchant ID FILE...');
  const merchant = await getMerchant(db, options.merchantId);
  const exports = await openAll(options, merchant.currency, parseCommissionBase(merchant.commission_base));
  try {
    const sizes = await Promise.all(
      options.files.map((f) =>
        stat(f).then(
          (s) => s.size,
          () => 0,
        ),
      ),
    );
    const tally = new BackfillTally();
    const run = async (ingest: IngestFn, target: Kysely<Database>, depth: number) => {
      const writer = new BatchWriter(
        ingest,
        depth,
        (items, outcomes) => tally.outcomes(items, outcomes),
        await PlannerStats.of(target),
      );
      let before = 0;
      const total = sizes.reduce((a, b) => a + b, 0);
      try {
        for (const [i, ex] of exports.entries()) {
          const progress = () =>
            options.onProgress?.({ rows: tally.rows, bytes: before + ex.progress().bytes, totalBytes: total });
          await feed(ex, writer, tally, options.batchSize ?? 1000, progress);
          before += sizes[i] ?? 0;
        }
      } finally {
        await writer.flush();
      }
    };
    if (options.dryRun) await rehearseIngest(db, (ingest, trx) => run(ingest, trx, 1));
    else await run((items) => ingestBatch(db, items), db, Math.max(1, options.inFlight ?? 2));
    return tally.summary(Boolean(options.dryRun));
  } finally {
    for (const ex of exports) ex.close();
  }
}

/** Opens every file and reads its header: one that is not a TikTok export fails them all, before any write. */
async function openAll(
  options: BackfillOptions,
  currency: string,
  commissionBase: CommissionBase,
): Promise<TikTokExport[]> {
  const opened: TikTokExport[] = [];
  try {
    for (const file of options.files) {
      opened.push(
        await openTikTokExport(file, {
          merchantId: options.merchantId,
          currency,
          file,
          dateFormat: options.dateFormat,
          timezone: options.timezone,
          commissionBase,
        }),
      );
    }
    return opened;
  } catch (err) {
    for (const ex of opened) ex.close();
    throw err;
  }
}

/** One file's items into ingest batches; bad rows go to the tally. */
async function feed(
  ex: TikTokExport,
  writer: BatchWriter,
  tally: BackfillTally,
  batchSize: number,
  progress: () => void,
): Promise<void> {
  let pending: IngestItem[] = [];
  for await (const items of ex.batches) {
    for (const item of items) {
      if (item.kind === 'error') {
        tally.error(item);
        continue;
      }
      tally.rows += item.rows;
      tally.orders++;
      pending.push(exportIngestItem(item, ex.header));
      if (pending.length >= batchSize) {
        await writer.write(pending);
        pending = [];
      }
    }
    progress();
  }
  if (pending.length > 0) await writer.write(pending);
  progress();
}
