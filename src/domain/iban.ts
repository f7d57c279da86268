/** IBAN (ISO 13616) and BIC (ISO 9362) checks: pure, no I/O. */

/** IBAN lengths from the SWIFT IBAN registry, keyed by ISO 3166 country code. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** Countries whose IBANs can be reached by a SEPA credit transfer (EU, EEA and the other scheme members). */
const SEPA_COUNTRIES: ReadonlySet<string> = new Set([
  'AT',
  'BE',
  'BG',
  'CY',
  'CZ',
  'DE',
  'DK',
  'EE',
  'ES',
  'FI',
  'FR',
  'GR',
  'HR',
  'HU',
  'IE',
  'IT',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SE',
  'SI',
  'SK', // EU
  'IS',
  'LI',
  'NO', // EEA
  'AD',
  'CH',
  'GB',
  'GI',
  'MC',
  'SM',
  'VA', // other scheme members
]);

/** Removes all whitespace and upper-cases: "de89 3704 0044 0532 0130 00" → "DE89370400440532013000". */
export function normalizeIban(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

/** Remainder of a long decimal digit string modulo 97, taken in chunks to stay in safe integers. */
function mod97(digits: string): number {
  let rest = 0;
  for (let i = 0; i < digits.length; i += 7) rest = Number(`${rest}${digits.slice(i, i + 7)}`) % 97;
  return rest;
}

/**
 * True for a normalized IBAN of a registered country, of that country's length, whose check
 * digits pass ISO 13616 mod-97. Call `normalizeIban` first: spaces and lower case fail here.
 */
export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  if (length === undefined || iban.length !== length) return false;
  // 00, 01 and 99 pass mod-97 but are never issued (check digits are 98 − n mod 97).
  const check = iban.slice(2, 4);
  if (check === '00' || check === '01' || check === '99') return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  const digits = rearranged.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return mod97(digits) === 1;
}

/** True when a (valid) IBAN belongs to a country that SEPA credit transfers reach. */
export function isSepaIban(iban: string): boolean {
  return SEPA_COUNTRIES.has(iban.slice(0, 2));
}

/** Upper-cases and trims a BIC. */
export function normalizeBic(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

/**
 * True for a normalized 8- or 11-character BIC. The pattern is the pain.001 XSD's
 * (`BICIdentifier`), so every accepted BIC also validates in a SEPA file.
 */
export function isValidBic(bic: string): boolean {
  return /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/.test(bic);
}

/** A typed IBAN, normalized and checked; RangeError when it is not one. */
export function parseIban(value: string): string {
  const iban = normalizeIban(value);
  if (!isValidIban(iban))
    throw new RangeError(
      `not a valid IBAN (country, length or check digits are wrong): ${JSON.stringify(value.slice(0, 60))}`,
    );
  return iban;
}

/** A typed BIC, normalized and checked; RangeError when it is not one. */
export function parseBic(value: string): string {
  const bic = value.trim().toUpperCase();
  if (!isValidBic(bic)) throw new RangeError(`not a valid BIC: ${JSON.stringify(value.slice(0, 40))}`);
  return bic;
}
