import fc from 'fast-check';
import { isCurrency } from '../../../src/domain/currency.js';
import { raw } from './hostile-kit.js';

/** Amount values no platform sends: out of range, negative, sub-minor-unit, not numbers. */
const AMOUNT_CONSTANTS: readonly unknown[] = [
  raw('1e308'),
  raw('-1e308'),
  raw('1e999'),
  raw('18446744073709551616'),
  raw('99999999999999999999'),
  raw('9223372036854775808'),
  '1e308',
  '18446744073709551616',
  '99999999999999999999',
  '9223372036854775808',
  '1e3',
  '0x10',
  'NaN',
  'Infinity',
  '-Infinity',
  'nan',
  'infinity',
  '+Infinity',
  'NaN.00',
  '-0.01',
  '-1',
  '-125.50',
  raw('-1'),
  raw('-12550'),
  '12.345',
  '0.001',
  '125.505',
  raw('12.345'),
  raw('0.001'),
  '１２３',
  '12,50',
  '$12.50',
  ' ',
  '1 000',
  '',
  raw('true'),
  raw('[]'),
  raw('{}'),
];

/** A hostile amount; `tiktokOnly` values are valid major units elsewhere but not TikTok's integer minor units. */
export const hostileAmount: fc.Arbitrary<{ value: unknown; tiktokOnly: boolean }> = fc.oneof(
  fc
    .constantFrom(...AMOUNT_CONSTANTS)
    .filter((v) => v !== '')
    .map((value) => ({ value, tiktokOnly: false })),
  // Past bigint minor units: 19+ digits.
  fc.bigInt({ min: 10n ** 18n, max: 10n ** 40n }).map((n) => ({ value: String(n), tiktokOnly: false })),
  fc.bigInt({ min: 1n, max: 10n ** 15n }).map((n) => ({ value: `-${n}.00`, tiktokOnly: false })),
  fc.bigInt({ min: 1n, max: 10n ** 15n }).map((n) => ({ value: raw(`-${n}`), tiktokOnly: false })),
  // A third decimal that is not zero: not a whole number of cents.
  fc
    .tuple(fc.nat(99_999), fc.nat(99), fc.integer({ min: 1, max: 9 }))
    .map(([w, c, d]) => ({ value: `${w}.${String(c).padStart(2, '0')}${d}`, tiktokOnly: false })),
  fc
    .tuple(fc.nat(99_999), fc.integer({ min: 1, max: 9 }))
    .map(([w, d]) => ({ value: raw(`${w}.${d}`), tiktokOnly: true })),
);

const CURRENCY_CONSTANTS: readonly unknown[] = [
  'XXX',
  'ZZZ',
  'XTS',
  'XAU',
  'XBT',
  'ABC',
  'EURO',
  'USDT',
  'US$',
  '€',
  '$',
  'EU',
  'U',
  'U S D',
  'USD\u200b',
  'ＵＳＤ',
  'U\u0405D',
  '\u0415UR',
  'null',
  raw('840'),
  raw('true'),
  raw('[]'),
  raw('{}'),
];

/** Codes that are not ISO 4217 currencies tracknow can pay in. */
export const unknownCurrency: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...CURRENCY_CONSTANTS),
  fc.stringMatching(/^[A-Z]{3}$/).filter((c) => !isCurrency(c)),
  fc.stringMatching(/^[A-Za-z]{4}$/),
  fc.stringMatching(/^[A-Za-z]{1,2}$/),
);

/** Real codes written loosely: tracknow normalises these (never stored as sent). */
export const LOOSE_CURRENCIES: readonly [sent: string, stored: string][] = [
  ['usd', 'USD'],
  ['usd ', 'USD'],
  [' USD', 'USD'],
  ['Usd', 'USD'],
  ['eur', 'EUR'],
  ['\tgbp\n', 'GBP'],
];

const HOMOGLYPHS: Readonly<Record<string, readonly string[]>> = {
  A: ['\u0410', '\u0391', '\uff21'],
  B: ['\u0412', '\u0392', '\uff22'],
  C: ['\u0421', '\u03f9', '\uff23'],
  I: ['\u0406', '\u0399', '\u0131', '\uff29'],
  K: ['\u041a', '\u039a', '\u212a', '\uff2b'],
  Q: ['\uff31', '\u051a'],
  S: ['\u0405', '\u017f', '\uff33'],
  X: ['\u0425', '\u03a7', '\uff38'],
  Z: ['\u0396', '\uff3a'],
  a: ['\u0430', '\u0251'],
  c: ['\u0441', '\u03f2'],
  e: ['\u0435'],
  g: ['\u0261'],
  i: ['\u0456', '\u0131'],
  k: ['\u212a', '\u03ba'],
  l: ['\u217c', '\u04cf'],
  m: ['\uff4d'],
  o: ['\u043e', '\u03bf'],
  r: ['\u0433'],
  t: ['\u0442'],
  w: ['\u051d'],
  _: ['\uff3f'],
};
const digitLookalikes = (d: string) => [
  String.fromCodePoint(0xff10 + Number(d)),
  String.fromCodePoint(0x1d7ce + Number(d)),
  String.fromCodePoint(0x0660 + Number(d)),
];
/** Invisible characters, placed only between two characters (at the edges they read as whitespace). */
const INVISIBLE = ['\u200d', '\u200b', '\u200c', '\u2060', '\u00ad', '\ufeff', '\u0301'];

/** A lookalike of `real`: at least one character swapped for a homoglyph or an invisible one inserted inside. */
export function lookalike(real: string): fc.Arbitrary<string> {
  const swappable = [...real]
    .map((ch, i) => ({ i, options: /\d/.test(ch) ? digitLookalikes(ch) : (HOMOGLYPHS[ch] ?? []) }))
    .filter((s) => s.options.length > 0);
  const swap = fc.tuple(fc.subarray(swappable, { minLength: 1 }), fc.infiniteStream(fc.nat())).map(([picks, rnd]) => {
    const chars = [...real];
    for (const p of picks) chars[p.i] = p.options[rnd.next().value % p.options.length]!;
    return chars.join('');
  });
  const insert = fc
    .tuple(fc.integer({ min: 1, max: real.length - 1 }), fc.constantFrom(...INVISIBLE))
    .map(([at, z]) => real.slice(0, at) + z + real.slice(at));
  return fc.oneof(
    swap,
    insert,
    fc.tuple(swap, fc.constantFrom(...INVISIBLE)).map(([s, z]) => [...s].join(z)),
  );
}

/** 10,000 characters: printable ASCII, any Unicode, or a real code followed by padding. */
export const longValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength: 10_000,
    maxLength: 10_000,
  }),
  fc.string({ unit: 'grapheme', minLength: 10_000, maxLength: 10_000 }).filter((s) => s.trim() !== ''),
  fc
    .constantFrom('ABC12345', 'tiktok_creator_123', 'glowwithmia')
    .map((real) => real + 'X'.repeat(10_000 - real.length)),
);
