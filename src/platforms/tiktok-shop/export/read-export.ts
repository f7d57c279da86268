import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { normalizeCurrency } from '../../../domain/currency.js';
import { invalid, usage } from '../../../errors.js';
import { cleanCell } from './cells.js';
import { DATE_FORMATS } from './dates.js';
import { detectExportFormat } from './detect.js';
import type { DetectedHeader } from './detect.js';
import { OrderGrouper } from './grouper.js';
import type { OrderContext } from './order.js';
import { csvRecords } from './records.js';
import type { CsvRecord, RecordSource } from './records.js';
import { affiliateRowReader, ordersRowReader } from './rows.js';
import type { RowContext } from './rows.js';
import type { ExportHeader, ExportItem, ExportProgress, ReadExportOptions } from './types.js';
import { wallClockZone } from './zone.js';

/** An opened export: its header is known, its items stream once. */
export interface TikTokExport {
  readonly header: ExportHeader;
  /** The items one by one. Single use, and shares its source with `batches`: read one of them. */
  readonly items: AsyncIterable<ExportItem>;
  /** The same items in file order, a few hundred at a time, for callers that write in bulk. */
  readonly batches: AsyncIterable<readonly ExportItem[]>;
  progress(): ExportProgress;
  /** Releases the file when the caller stops before the end. */
  close(): void;
}

/**
 * Opens a TikTok Seller Center or Affiliate Center orders export and reads its header, so a
 * file that is neither fails (TracknowError 'invalid', naming the file) before any row is used.
 * Memory stays flat: only the current order's rows and the set of order ids seen are held.
 */
export async function openTikTokExport(
  input: Readable | string | URL,
  options: ReadExportOptions,
): Promise<TikTokExport> {
  const { currency, zone } = settings(options);
  const stream = input instanceof Readable ? input : createReadStream(input, { highWaterMark: 1 << 16 });
  const source = csvRecords(stream, options.file, cleanCell);
  try {
    const head = await source.batches.next();
    const first = head.done ? undefined : head.value.shift();
    if (first === undefined) throw invalid(`${options.file}: is empty; expected a TikTok orders export`);
    if (first.kind === 'fatal') throw invalid(`${options.file}: the header cannot be read: ${first.message}`);
    const detected = detectExportFormat(first.cells, options.file);
    const dateFormat = options.dateFormat ?? (detected.format === 'orders' ? 'us' : 'day-first');
    const ctx = orderContext(detected, options, { currency, zone, dateFormat });
    const header: ExportHeader = {
      file: options.file,
      format: detected.format,
      dateFormat,
      timezone: zone.name,
      columns: detected.columns,
    };
    const batches = batchesOf(source, head.done ? [] : head.value, new OrderGrouper(ctx, detected.index.orderId));
    return { header, batches, items: flatten(batches), progress: source.progress, close: source.close };
  } catch (err) {
    source.close();
    throw err;
  }
}

/** The items of an export, for callers that need no header: `for await (const item of readTikTokExport(…))`. */
export async function* readTikTokExport(
  input: Readable | string | URL,
  options: ReadExportOptions,
): AsyncGenerator<ExportItem, void, undefined> {
  const opened = await openTikTokExport(input, options);
  yield* opened.items;
}

/** Checks the options a caller passed (usage errors); the date format waits for the header. */
function settings(options: ReadExportOptions): Omit<RowContext, 'dateFormat'> {
  if (options.merchantId.trim() === '') throw usage('a merchant id is required to read an export');
  if (options.dateFormat !== undefined && !DATE_FORMATS.includes(options.dateFormat)) {
    throw usage(`unknown date format ${JSON.stringify(options.dateFormat)}: use ${DATE_FORMATS.join(' or ')}`);
  }
  let currency: string;
  try {
    currency = normalizeCurrency(options.currency);
  } catch {
    throw usage(`not an ISO 4217 currency: ${JSON.stringify(options.currency)}`);
  }
  try {
    return { currency, zone: wallClockZone(options.timezone) };
  } catch {
    throw usage(`unknown time zone ${JSON.stringify(options.timezone)}: use an IANA name such as America/Los_Angeles`);
  }
}

function orderContext(detected: DetectedHeader, options: ReadExportOptions, row: RowContext): OrderContext {
  const names = detected.columns;
  // Options that change what a row means are part of the row's identity.
  const base = options.commissionBase ?? 'net';
  const hashPrefix = [
    detected.format,
    row.currency,
    row.dateFormat,
    row.zone.name,
    ...(base === 'net' ? [] : [base]),
    ...names,
  ].join('\u001f');
  const common = {
    file: options.file,
    merchantId: options.merchantId,
    currency: row.currency,
    hashPrefix,
    width: names.length,
    commissionBase: base,
  };
  return detected.format === 'orders'
    ? {
        ...common,
        read: ordersRowReader(detected.index, row),
        byCreator: false,
        amountColumn: 'SKU Subtotal After Discount',
      }
    : { ...common, read: affiliateRowReader(detected.index, row), byCreator: true, amountColumn: 'Payment Amount' };
}

/** Runs the records through the grouper; `rest` is what the header's batch held after it. */
async function* batchesOf(
  source: RecordSource,
  rest: CsvRecord[],
  grouper: OrderGrouper,
): AsyncGenerator<ExportItem[], void, undefined> {
  try {
    for (let batch: CsvRecord[] | undefined = rest; batch !== undefined; batch = await nextBatch(source)) {
      const out: ExportItem[] = [];
      for (const rec of batch) grouper.push(rec, out);
      if (out.length > 0) yield out;
    }
    const out: ExportItem[] = [];
    grouper.end(out);
    if (out.length > 0) yield out;
  } finally {
    source.close();
  }
}

async function nextBatch(source: RecordSource): Promise<CsvRecord[] | undefined> {
  const next = await source.batches.next();
  return next.done ? undefined : next.value;
}

async function* flatten<T>(batches: AsyncIterable<readonly T[]>): AsyncGenerator<T, void, undefined> {
  for await (const batch of batches) yield* batch;
}
