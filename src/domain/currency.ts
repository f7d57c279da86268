import currencyCodes from 'currency-codes';

/**
 * ISO 4217 minor-unit exponents. `Intl` disagrees with ISO on ~29 currencies
 * (HUF, COP, IDR…), so the ISO table from `currency-codes` is the source.
 * Codes for metals, test and "no currency" (XAU, XTS, XXX…) are not money here.
 */
export function currencyExponent(code: string): number {
  const exponent = tryCurrencyExponent(code);
  if (exponent === undefined) throw new RangeError(`not an ISO 4217 currency: ${JSON.stringify(code)}`);
  return exponent;
}

/** The exponent of an ISO 4217 currency, or undefined when the code is not one. */
export function tryCurrencyExponent(code: string): number | undefined {
  if (!/^[A-Z]{3}$/.test(code)) return undefined;
  const entry = currencyCodes.code(code);
  if (!entry || entry.countries.some((c) => c.startsWith('Zz'))) return undefined;
  return entry.digits;
}

export function isCurrency(code: string): boolean {
  return tryCurrencyExponent(code) !== undefined;
}

/** Upper-cases and checks a user-supplied currency code. */
export function normalizeCurrency(code: string): string {
  const upper = code.trim().toUpperCase();
  currencyExponent(upper);
  return upper;
}
