import { isCurrency } from '../../../domain/currency.js';
import { parseMajor, parseMoneyCell } from '../../../domain/money.js';
import type { Money } from '../../../domain/money.js';

/** A problem with one row; the message names the column and the offending text. */
export class RowError extends Error {
  override name = 'RowError';
}

/**
 * Strips BOMs, tabs and surrounding whitespace (Seller Center pads ids and dates with a tab)
 * and turns CRLF inside quoted cells into LF, so CRLF and LF files read the same.
 */
export function cleanCell(raw: string): string {
  let cell = raw;
  const n = cell.length;
  if (n === 0) return cell;
  // Fast path: most cells need nothing, and trim() allocates.
  const first = cell.charCodeAt(0);
  const last = cell.charCodeAt(n - 1);
  if (first <= 32 || last <= 32 || first === 0xfeff || first === 0xa0 || last === 0xa0) cell = cell.trim();
  if (cell.includes('\r')) cell = cell.replace(/\r\n?/g, '\n');
  return cell;
}

const QUOTE_CHARS = /[",\r\n]/;

/** JavaScript's `\s`: white space and line terminators (the ECMAScript sets). */
function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** `/[",\r\n]|^\s|\s$/`, with the ends checked by character code: the backfill asks it of every cell. */
export function needsQuotes(cell: string): boolean {
  if (cell === '') return false;
  return isSpace(cell.charCodeAt(0)) || isSpace(cell.charCodeAt(cell.length - 1)) || QUOTE_CHARS.test(cell);
}

/** Writes cells back as one RFC 4180 record, quoting only the cells that need it. */
export function csvLine(cells: readonly string[]): string {
  // Most rows need no quoting: one join builds a flat string (`+=` builds a rope of ~100 pieces).
  if (!cells.some(needsQuotes)) return cells.join(',');
  return cells.map((cell) => (needsQuotes(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',');
}

const ORDER_ID = /^[0-9A-Za-z_-]{1,64}$/;

/** TikTok order ids are digits; letters, `_` and `-` are tolerated, spaces and formulas are not. */
export function isOrderId(cell: string): boolean {
  return ORDER_ID.test(cell);
}

const PLAIN = /^\d+(\.\d+)?$/;
// An ISO code written before or after the number: "BRL 35,91", "35,91 BRL".
const CODE = /^([A-Za-z]{3})(?=[\s\d.,(+-])|(?<=[\d.,)\s])([A-Za-z]{3})$/;

/**
 * Parses a money cell in minor units. The currency is the cell's own ISO code when it has one,
 * else `fallback` (the merchant's). Empty → undefined; anything unreadable throws RowError.
 */
export function parseMoney(cell: string, fallback: string, column: string): Money | undefined {
  if (cell === '') return undefined;
  let currency = fallback;
  const code = CODE.exec(cell);
  if (code) {
    const named = (code[1] ?? code[2] ?? '').toUpperCase();
    if (!isCurrency(named)) throw new RowError(`"${column}" names an unknown currency: ${JSON.stringify(cell)}`);
    currency = named;
  }
  try {
    const minor = PLAIN.test(cell) ? parseMajor(cell, currency) : parseMoneyCell(cell, currency);
    if (minor === undefined) return undefined;
    // Sales keep non-negative amounts (a check constraint): a negative one would abort the whole backfill.
    if (minor < 0n) throw new RangeError('a negative amount is not an order line');
    return { minor, currency };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new RowError(`"${column}" is not an amount in ${currency}: ${JSON.stringify(cell)} (${why})`);
  }
}

/**
 * `parseMoney` with the fallback fixed and a bounded memo: prices and order totals repeat on
 * many rows, and the ISO table lookup behind each parse is not free.
 */
export function moneyParser(fallback: string): (cell: string, column: string) => Money | undefined {
  const memo = new Map<string, Money | undefined>();
  return (cell, column) => {
    let money = memo.get(cell);
    if (money === undefined && !memo.has(cell)) {
      money = parseMoney(cell, fallback, column);
      // Big enough for a catalogue's prices; cleared rather than grown when a file has more.
      if (memo.size >= 1 << 16) memo.clear();
      memo.set(cell, money);
    }
    return money;
  };
}

/**
 * A sum of line amounts in one currency (a second one is a RowError). One line without an
 * amount leaves the sum unknown rather than understated.
 */
export class MoneySum {
  private sum: Money | undefined;
  private known = true;
  constructor(
    private readonly currency: string,
    private readonly column: string,
  ) {}

  add(amount: Money | undefined): void {
    if (amount === undefined) {
      this.known = false;
    } else if (this.sum === undefined) {
      this.sum = amount;
    } else if (this.sum.currency !== amount.currency) {
      throw new RowError(
        `"${this.column}" is in ${amount.currency} but earlier lines of this order are in ${this.sum.currency}`,
      );
    } else {
      this.sum = { minor: this.sum.minor + amount.minor, currency: this.sum.currency };
    }
  }

  /** The total; zero in the merchant's currency when no line counted. */
  value(): Money | undefined {
    return this.known ? (this.sum ?? { minor: 0n, currency: this.currency }) : undefined;
  }
}
