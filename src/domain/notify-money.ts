import { currencyExponent } from './currency.js';
import { parseMajor } from './money.js';

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, exponent: number, locale: string): Intl.NumberFormat {
  const key = `${locale} ${currency} ${exponent}`;
  let f = formatters.get(key);
  if (!f) {
    // The ISO exponent, not Intl's (they disagree on HUF, COP, IDR…).
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    formatters.set(key, f);
  }
  return f;
}

/**
 * Money for people: 1883n EUR → "€18.83", 1883n JPY → "¥1,883". Intl only lays out the symbol
 * and the grouping of the whole part (given as a bigint, so exact); the fraction digits are
 * the amount's own, never a float's.
 */
export function formatMoney(minor: bigint, currency: string, locale = 'en-US'): string {
  const exponent = currencyExponent(currency);
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const unit = 10n ** BigInt(exponent);
  const fraction = (abs % unit).toString().padStart(exponent, '0');
  const parts = formatterFor(currency, exponent, locale).formatToParts(abs / unit);
  const text = parts.map((p) => (p.type === 'fraction' ? fraction : p.value)).join('');
  return negative ? `-${text}` : text;
}

/** The same from an exact major-unit decimal string ("18.83"); undefined when either is unusable. */
export function formatMajorForPeople(amount: unknown, currency: unknown, locale = 'en-US'): string | undefined {
  if (typeof amount !== 'string' || typeof currency !== 'string') return undefined;
  try {
    return formatMoney(parseMajor(amount, currency), currency, locale);
  } catch {
    return undefined;
  }
}
