import { currencyExponent } from './currency.js';

/** An amount in integer minor units of an ISO 4217 currency. Never a float. */
export interface Money {
  readonly minor: bigint;
  readonly currency: string;
}

export class MoneyFormatError extends Error {
  override name = 'MoneyFormatError';
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a plain decimal string in major units ("125.50", "1250") into minor units.
 * More fractional digits than the currency has are accepted only when they are zeros.
 */
export function parseMajor(text: string, currency: string): bigint {
  const exponent = currencyExponent(currency);
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new MoneyFormatError(`not a decimal amount: ${JSON.stringify(text)}`);
  const [, sign, whole = '0', frac = ''] = m;
  if (frac.length > exponent && /[^0]/.test(frac.slice(exponent))) {
    throw new MoneyFormatError(`${text} has more decimals than ${currency} allows (${exponent})`);
  }
  const digits = whole + frac.slice(0, exponent).padEnd(exponent, '0');
  if (digits.length > 18) throw new MoneyFormatError(`amount out of range: ${text}`);
  const value = BigInt(digits);
  return sign ? -value : value;
}

/** Currency symbols an export may write before or after the number. */
const SYMBOLS = '$€£¥₩₹₫₱₺₽฿';
/** Before the number: a sign or bracket, an ISO code or a lettered symbol (R$, US$, S$, RM, Rp), a symbol. */
const CELL_PREFIX = new RegExp(
  `^[\\s\\u00a0(+\\-]*(?:(?:[A-Za-z]{3}|R\\$|US\\$|S\\$|RM|Rp)(?![A-Za-z])[\\s\\u00a0]*)?[${SYMBOLS}]?[\\s\\u00a0(+\\-]*`,
);
/** After the number: a sign or bracket, a symbol, an ISO code or zł / kr. */
const CELL_SUFFIX = new RegExp(
  `(?<![A-Za-z])[\\s\\u00a0)\\-]*[${SYMBOLS}]?[\\s\\u00a0]*(?:[A-Za-z]{3}|zł|kr)?[\\s\\u00a0)\\-]*$`,
);

/**
 * Parses an export cell exactly or refuses it: symbols, an ISO code or lettered symbol before or
 * after the number, thousands separators (`,` `.` space `'`) and a decimal comma are allowed
 * ("$1,234.56", "BRL 35,91", "1.234,56 €", "R$ 35,91", "1 234,56 zł"). A letter anywhere else
 * ("12,5O", a letter O for a zero) is an error: never dropped. Empty → undefined.
 */
export function parseMoneyCell(cell: string, currency: string): bigint | undefined {
  let text = cell.trim();
  if (text === '') return undefined;
  // A minus before the first digit is a sign wherever a symbol puts it ("$-39.90", "USD -12.00").
  const negative = /^[^\d]*-|^\(.*\)$/.test(text) || /-\s*$/.test(text);
  // Codes, symbols and a sign go around the number, never inside it: "1e308" is not 1308, "+1+1" not 11.
  if (/\d[\s\u00a0]*[A-Za-z+-][\s\S]*\d/.test(text))
    throw new MoneyFormatError(`not an amount: ${JSON.stringify(cell)}`);
  const prefix = CELL_PREFIX.exec(text)?.[0] ?? '';
  text = text.slice(prefix.length);
  const suffix = CELL_SUFFIX.exec(text)?.[0] ?? '';
  text = text.slice(0, text.length - suffix.length);
  // What is left is the number: digits and separators only.
  if (!/^\d[\d.,'\u2019\s\u00a0]*$/.test(text) || !/\d$/.test(text))
    throw new MoneyFormatError(`not an amount: ${JSON.stringify(cell)}`);
  text = text.replace(/['\u2019\s\u00a0]/g, ''); // ' and ’ group thousands (Swiss style)
  const lastDot = text.lastIndexOf('.');
  const lastComma = text.lastIndexOf(',');
  const sepAt = Math.max(lastDot, lastComma);
  let whole = text;
  let frac = '';
  if (sepAt !== -1) {
    const sep = text[sepAt]!;
    const other = sep === '.' ? ',' : '.';
    const fracLen = text.length - sepAt - 1;
    const onlyOne = text.indexOf(sep) === sepAt;
    // "1,234" with three digits and no other separator is a thousands group, not a decimal.
    const isDecimal = onlyOne && (fracLen !== 3 || text.includes(other) || currencyExponent(currency) === 3);
    if (isDecimal) {
      whole = text.slice(0, sepAt);
      frac = text.slice(sepAt + 1);
    }
    const group = isDecimal ? other : sep;
    if (whole.includes(group)) {
      if (!new RegExp(`^\\d{1,3}(\\${group}\\d{3})+$`).test(whole)) {
        throw new MoneyFormatError(`not an amount: ${JSON.stringify(cell)}`);
      }
      whole = whole.replaceAll(group, '');
    }
  }
  const normalized = frac === '' ? whole : `${whole}.${frac}`;
  if (!/^\d+(\.\d+)?$/.test(normalized)) throw new MoneyFormatError(`not an amount: ${JSON.stringify(cell)}`);
  const minor = parseMajor(normalized, currency);
  return negative ? -minor : minor;
}

/** Formats minor units as an exact major-unit decimal string: 1883n USD → "18.83", 1250n JPY → "1250". */
export function formatMajor(minor: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const frac = digits.slice(digits.length - exponent);
  return (negative ? '-' : '') + (exponent > 0 ? `${whole}.${frac}` : whole);
}

/** Divides and rounds half away from zero (half-up for positive amounts), all in integers. */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const q = (abs * 2n + denominator) / (denominator * 2n);
  return negative ? -q : q;
}
