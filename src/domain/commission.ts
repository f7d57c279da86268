import { divRoundHalfUp } from './money.js';

/** 100% in parts per million: rates are stored as integers so no float touches money. */
export const PPM_PER_WHOLE = 1_000_000;

/** The merchant default when nothing else is configured: 15%. */
export const DEFAULT_RATE_PPM = 150_000;

/**
 * Commission in minor units: base × rate, rounded once, half-up (half away from zero for
 * negative bases, so a clawback mirrors its credit). 12550 at 15% → 1883.
 */
export function computeCommission(baseMinor: bigint, ratePpm: number): bigint {
  assertRatePpm(ratePpm);
  return divRoundHalfUp(baseMinor * BigInt(ratePpm), BigInt(PPM_PER_WHOLE));
}

const PERCENT = /^(\d{1,3})(?:\.(\d{1,4}))?%?$/;

/**
 * Parses an operator's percentage ("15", "12.5", "0", "100", "7.25%") into parts per million.
 * Digits only: no exponent, sign, NaN or more than 4 decimals. Throws RangeError.
 */
export function parseRatePercent(text: string): number {
  const m = PERCENT.exec(text.trim());
  if (!m) {
    throw new RangeError(
      `commission rate must be a percentage from 0 to 100 with at most 4 decimals, got ${JSON.stringify(text)}`,
    );
  }
  const [, whole = '0', frac = ''] = m;
  const ppm = Number(whole) * 10_000 + Number(frac.padEnd(4, '0'));
  if (ppm > PPM_PER_WHOLE) throw new RangeError(`commission rate must be at most 100, got ${text.trim()}`);
  return ppm;
}

/** The rate as a JSON number of percent: 150000 → 15, 125000 → 12.5 (display only). */
export function formatRatePercent(ppm: number): number {
  assertRatePpm(ppm);
  const whole = Math.trunc(ppm / 10_000);
  const frac = String(ppm % 10_000)
    .padStart(4, '0')
    .replace(/0+$/, '');
  // Built from digits, so 12.5 prints as 12.5 and never as 12.499999.
  return Number(frac === '' ? String(whole) : `${whole}.${frac}`);
}

function assertRatePpm(ppm: number): void {
  if (!Number.isInteger(ppm) || ppm < 0 || ppm > PPM_PER_WHOLE) {
    throw new RangeError(`rate must be an integer from 0 to ${PPM_PER_WHOLE} ppm, got ${ppm}`);
  }
}
