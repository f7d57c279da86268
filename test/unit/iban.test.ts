import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSepaIban, isValidBic, isValidIban, normalizeBic, normalizeIban } from '../../src/domain/iban.js';

/** Computes ISO 13616 check digits the textbook way, independently of the code under test. */
function withCheckDigits(country: string, bban: string): string {
  const digits = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  const check = 98n - (BigInt(digits) % 97n);
  return `${country}${check.toString().padStart(2, '0')}${bban}`;
}

describe('normalizeIban', () => {
  it('strips whitespace and upper-cases', () => {
    expect(normalizeIban(' de89 3704 0044\t0532 0130 00\n')).toBe('DE89370400440532013000');
  });
});

describe('isValidIban', () => {
  it.each([
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'FR1420041010050500013M02606',
    'NL91ABNA0417164300',
    'BE68539007547034',
    'AT611904300234573201',
    'CH9300762011623852957',
    'NO9386011117947',
    'MT84MALT011000012345MTLCAST001S',
    'SA0380000000608010167519',
    'KW81CBKU0000000000001234560101',
  ])('accepts %s', (iban) => {
    expect(isValidIban(iban)).toBe(true);
  });

  it('rejects a wrong check digit, wrong length, unknown country or un-normalized text', () => {
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(isValidIban('DE8937040044053201300')).toBe(false);
    expect(isValidIban('DE893704004405320130000')).toBe(false);
    expect(isValidIban('ZZ89370400440532013000')).toBe(false);
    expect(isValidIban('de89370400440532013000')).toBe(false);
    expect(isValidIban('DE89 3704 0044 0532 0130 00')).toBe(false);
    expect(isValidIban('')).toBe(false);
  });

  it('rejects the never-issued check digits 00, 01 and 99 even when mod-97 holds', () => {
    // 98 and 01 differ by 97, so a BBAN whose check digits are 98 also passes mod-97 with 01.
    let seen = 0;
    for (let n = 0; n < 2000; n++) {
      const iban = withCheckDigits('DE', String(n).padStart(18, '0'));
      if (iban.slice(2, 4) !== '98') continue;
      seen++;
      expect(isValidIban(iban)).toBe(true);
      expect(isValidIban(`DE01${iban.slice(4)}`)).toBe(false);
    }
    expect(seen).toBeGreaterThan(0);
  });

  it('accepts computed IBANs and catches every single-digit change (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{18}$/), fc.nat(17), fc.integer({ min: 1, max: 9 }), (bban, pos, delta) => {
        const iban = withCheckDigits('DE', bban);
        if (['00', '01', '99'].includes(iban.slice(2, 4))) return;
        expect(isValidIban(iban)).toBe(true);
        const digit = (Number(bban[pos]) + delta) % 10;
        const typo = `${iban.slice(0, 4)}${bban.slice(0, pos)}${digit}${bban.slice(pos + 1)}`;
        expect(isValidIban(typo)).toBe(false);
      }),
    );
  });
});

describe('isSepaIban', () => {
  it('knows the SEPA zone', () => {
    expect(isSepaIban('DE89370400440532013000')).toBe(true);
    expect(isSepaIban('CH9300762011623852957')).toBe(true);
    expect(isSepaIban('SA0380000000608010167519')).toBe(false);
  });
});

describe('isValidBic', () => {
  it('accepts 8- and 11-character BICs and follows the pain.001 pattern', () => {
    expect(isValidBic('COBADEFF')).toBe(true);
    expect(isValidBic('COBADEFFXXX')).toBe(true);
    expect(isValidBic(normalizeBic(' deut de ff 500 '))).toBe(true);
    expect(isValidBic('COBADEF')).toBe(false);
    expect(isValidBic('COBADEFFXX')).toBe(false);
    expect(isValidBic('COBADE1F')).toBe(false); // position 7 may not be 0 or 1
    expect(isValidBic('COBADEFO')).toBe(false); // position 8 may not be O
    expect(isValidBic('cobadeff')).toBe(false);
  });
});
