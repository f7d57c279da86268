import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { TracknowError, invalid } from '../../../errors.js';

/** A CSV record with cleaned cells and the physical lines it spans (1-based). */
export type CsvRecord =
  | { readonly kind: 'record'; readonly cells: string[]; readonly line: number; readonly endLine: number }
  | { readonly kind: 'fatal'; readonly line: number; readonly message: string };

/** Far more than any order row; stops an unclosed quote from swallowing the file into memory. */
const MAX_RECORD_BYTES = 1 << 20;

export interface RecordSource {
  /** Records in file order, in batches: one await per batch, not per row, keeps parsing fast. */
  readonly batches: AsyncGenerator<CsvRecord[], void, undefined>;
  progress(): { records: number; lines: number; bytes: number };
  close(): void;
}

/**
 * Tokenizes with csv-parse (RFC 4180: quotes, commas and newlines in cells; BOM stripped),
 * cleans every cell and skips blank lines. A record that cannot be tokenized (a quote never
 * closed) ends the file with one `fatal` record: nothing after it can be told apart reliably.
 */
export function csvRecords(input: Readable, file: string, clean: (cell: string) => string): RecordSource {
  // Blank lines stay records (skip_empty_lines off) so that every physical line is counted here.
  const parser = parse({ bom: true, relax_column_count: true, relax_quotes: true, max_record_size: MAX_RECORD_BYTES });
  pipeline(input, parser, () => {
    // Errors reach the consumer through the parser; nothing to do here.
  });
  let lastLine = 0;
  let count = 0;
  const close = () => {
    parser.destroy();
    input.destroy();
  };
  async function* batches(): AsyncGenerator<CsvRecord[], void, undefined> {
    try {
      for (;;) {
        const batch: CsvRecord[] = [];
        let raw: string[] | null;
        while ((raw = parser.read() as string[] | null) !== null) {
          const line = lastLine + 1;
          let breaks = 0;
          let blank = true;
          // In place: the parser's array is ours, and a million rows make a million arrays.
          const cells = raw;
          for (let i = 0; i < cells.length; i++) {
            const cell = cells[i]!;
            if (cell.includes('\n') || cell.includes('\r')) breaks += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
            const cleaned = clean(cell);
            cells[i] = cleaned;
            if (cleaned !== '') blank = false;
          }
          lastLine = line + breaks;
          if (blank) continue;
          count++;
          batch.push({ kind: 'record', cells, line, endLine: lastLine });
        }
        if (batch.length > 0) yield batch;
        else if (!(await moreToRead(parser))) return;
      }
    } catch (err) {
      if (!(err instanceof CsvError)) throw readError(err, file);
      yield [{ kind: 'fatal', line: lastLine + 1, message: fatalMessage(err, lastLine + 1) }];
    } finally {
      close();
    }
  }
  return { batches: batches(), progress: () => ({ records: count, lines: lastLine, bytes: parser.info.bytes }), close };
}

/**
 * Waits until the parser has records (true) or has ended (false). Its error is raised only
 * once the records parsed before it have been read, so no good row before a bad one is lost.
 */
function moreToRead(stream: Readable): Promise<boolean> {
  if (stream.readableLength > 0) return Promise.resolve(true);
  if (stream.errored) return Promise.reject(stream.errored);
  if (stream.readableEnded || stream.destroyed) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const settle = () => {
      stream.off('readable', settle).off('end', settle).off('close', settle).off('error', settle);
      if (stream.readableLength > 0) resolve(true);
      else if (stream.errored) reject(stream.errored);
      else resolve(!stream.readableEnded && !stream.destroyed);
    };
    stream.on('readable', settle).on('end', settle).on('close', settle).on('error', settle);
  });
}

function fatalMessage(err: CsvError, line: number): string {
  const rest = `the file cannot be read from line ${line} on`;
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return `a quoted cell in the record starting on line ${line} is never closed; ${rest}`;
  if (err.code === 'CSV_MAX_RECORD_SIZE') return `the record starting on line ${line} is over 1 MiB, most likely a quote that is never closed; ${rest}`;
  return `malformed CSV (${err.code}): ${err.message}; ${rest}`;
}

function readError(err: unknown, file: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new TracknowError('not_found', `${file}: no such file`, { cause: err });
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return invalid(`${file}: cannot be read (${(err as Error).message})`, err);
  return err;
}
