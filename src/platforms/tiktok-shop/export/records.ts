import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import Papa from 'papaparse';
import { TracknowError, invalid } from '../../../errors.js';

/**
 * A CSV record with cleaned cells and the physical lines it spans (1-based). `strayQuote`: a
 * quoted cell whose closing quote was not followed by a comma or a line end, so the tokenizer
 * read on to a later quote and the record may have swallowed lines of other records.
 */
export type CsvRecord =
  | {
      readonly kind: 'record';
      readonly cells: string[];
      readonly line: number;
      readonly endLine: number;
      readonly strayQuote?: true;
      readonly invalidUtf8?: true;
    }
  | { readonly kind: 'fatal'; readonly line: number; readonly message: string };

/** Far more than any order row (counted in characters); stops an unclosed quote from swallowing the file into memory. */
const MAX_RECORD_CHARS = 1 << 20;

export interface RecordSource {
  /** Records in file order, in batches: one await per batch, not per row, keeps parsing fast. */
  readonly batches: AsyncGenerator<CsvRecord[], void, undefined>;
  progress(): { records: number; lines: number; bytes: number };
  close(): void;
}

type Linebreak = '\n' | '\r';
const REPLACEMENT_BYTES = Buffer.from([0xef, 0xbf, 0xbd]);

/**
 * Tokenizes with papaparse's parser (RFC 4180: quotes, commas and line breaks in cells), chunk
 * by chunk: what follows the last complete record waits for the next chunk. Cleans every cell
 * and skips blank lines; strips a BOM. Records end at LF, so CRLF and LF files (and a mix)
 * read alike: the CR left at the end of a line's last cell is whitespace the cleaning trims.
 * Only a file whose first line ends in a bare CR is split at CRs. A record that cannot be
 * tokenized (a quote never closed) ends the file with one `fatal` record: nothing after it can
 * be told apart reliably. A record with bytes that are not UTF-8 is marked `invalidUtf8` (the
 * decoder turns them into U+FFFD, which would make different ids equal): a per-line error. A file
 * that holds U+FFFD itself, correctly encoded, cannot be told apart that way and is read as is.
 */
export function csvRecords(input: Readable, file: string, clean: (cell: string) => string): RecordSource {
  let lastLine = 0;
  let count = 0;
  let bytes = 0;
  /** The file holds a correctly encoded U+FFFD somewhere: then a U+FFFD is not proof of a bad byte. */
  let literalReplacement = false;
  const close = () => input.destroy();

  /** The records of `data` as ours; `stray` holds the indexes of records with a stray quote. */
  function records(data: string[][], stray: ReadonlySet<number>, out: CsvRecord[]): void {
    for (let r = 0; r < data.length; r++) {
      const cells = data[r]!;
      const line = lastLine + 1;
      let breaks = 0;
      let blank = true;
      const lastCell = cells.length - 1;
      // In place: the parser's array is ours, and a million rows make a million arrays.
      for (let i = 0; i < cells.length; i++) {
        let cell = cells[i]!;
        // The CR of a CRLF line end stays on the last cell; it is not a line inside the cell.
        if (i === lastCell && cell.endsWith('\r')) cell = cell.slice(0, -1);
        if (cell.includes('\n') || cell.includes('\r')) breaks += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
        const cleaned = clean(cell);
        cells[i] = cleaned;
        if (cleaned !== '') blank = false;
      }
      lastLine = line + breaks;
      if (blank) continue;
      count++;
      const record: {
        -readonly [K in keyof Extract<CsvRecord, { kind: 'record' }>]: Extract<CsvRecord, { kind: 'record' }>[K];
      } = { kind: 'record', cells, line, endLine: lastLine };
      if (stray.has(r)) record.strayQuote = true;
      if (!literalReplacement && cells.some((c) => c.includes('\uFFFD'))) record.invalidUtf8 = true;
      out.push(record);
    }
  }

  async function* batches(): AsyncGenerator<CsvRecord[], void, undefined> {
    const decoder = new StringDecoder('utf8');
    let parser: Papa.Parser | undefined;
    let carry = '';
    let started = false;
    const parse = (text: string, final: boolean) => {
      parser ??= new Papa.Parser({ delimiter: ',', newline: linebreakOf(text) ?? '\n', quoteChar: '"' });
      const result = parser.parse(text, 0, !final) as {
        data: string[][];
        errors: Papa.ParseError[];
        meta: { cursor: number };
      };
      const stray = new Set(
        result.errors.flatMap((e) => (e.code === 'InvalidQuotes' && e.row !== undefined ? [e.row] : [])),
      );
      const unclosed = result.errors.find((e) => e.code === 'MissingQuotes');
      return { data: result.data, stray, unclosed, rest: final ? '' : text.slice(result.meta.cursor) };
    };
    try {
      for await (const chunk of input as AsyncIterable<Buffer | string>) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        bytes += buf.length;
        if (!literalReplacement && buf.includes(REPLACEMENT_BYTES)) literalReplacement = true;
        let text = carry + decoder.write(buf);
        if (!started && text.length > 0) {
          started = true;
          if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        }
        // The line break is known once the first line has ended; until then, wait for more.
        if (parser === undefined && linebreakOf(text) === undefined && text.length <= MAX_RECORD_CHARS) {
          carry = text;
          continue;
        }
        const { data, stray, rest } = parse(text, false);
        carry = rest;
        const out: CsvRecord[] = [];
        records(data, stray, out);
        if (carry.length > MAX_RECORD_CHARS) {
          out.push({ kind: 'fatal', line: lastLine + 1, message: fatalMessage('too-big', lastLine + 1) });
          yield out;
          return;
        }
        if (out.length > 0) yield out;
      }
      const tail = carry + decoder.end();
      if (tail.length === 0) return;
      const { data, stray, unclosed } = parse(tail, true);
      const out: CsvRecord[] = [];
      if (unclosed) {
        records(data.slice(0, unclosed.row), stray, out);
        out.push({ kind: 'fatal', line: lastLine + 1, message: fatalMessage('unclosed', lastLine + 1) });
      } else {
        records(data, stray, out);
      }
      if (out.length > 0) yield out;
    } catch (err) {
      throw readError(err, file);
    } finally {
      close();
    }
  }
  return { batches: batches(), progress: () => ({ records: count, lines: lastLine, bytes }), close };
}

/** The first line's break: LF (CRLF included), or a bare CR; undefined while no line has ended. */
function linebreakOf(text: string): Linebreak | undefined {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (cr === -1 || (lf !== -1 && lf < cr)) return lf === -1 ? undefined : '\n';
  // A CR first: part of a CRLF if an LF follows, a bare CR if anything else does.
  if (cr === text.length - 1) return undefined;
  return text[cr + 1] === '\n' ? '\n' : '\r';
}

function fatalMessage(why: 'unclosed' | 'too-big', line: number): string {
  const rest = `the file cannot be read from line ${line} on`;
  if (why === 'unclosed') return `a quoted cell in the record starting on line ${line} is never closed; ${rest}`;
  return `the record starting on line ${line} is over 1 MiB, most likely a quote that is never closed; ${rest}`;
}

function readError(err: unknown, file: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new TracknowError('not_found', `${file}: no such file`, { cause: err });
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
    return invalid(`${file}: cannot be read (${(err as Error).message})`, err);
  return err;
}
