import type { WallClockZone } from './zone.js';

/** `us`: MM/DD/YYYY h:mm:ss AM/PM (Seller Center, US); `day-first`: DD/MM/YYYY HH:mm:ss. */
export type DateFormat = 'us' | 'day-first';

export const DATE_FORMATS: readonly DateFormat[] = ['us', 'day-first'];

export class ExportDateError extends Error {
  override name = 'ExportDateError';
}

const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Parses an export date cell in the given format as wall-clock time in `zone`. An ISO
 * `YYYY-MM-DD HH:mm:ss` is accepted in either format, since it cannot be misread.
 * Empty → undefined; anything else that is not a real date throws ExportDateError.
 */
export function parseExportDate(text: string, format: DateFormat, zone: WallClockZone): Date | undefined {
  if (text === '') return undefined;
  let year: number, month: number, day: number, hour: number, minute: number, second: number;
  let ampm: string | undefined;
  if (scanSeller(text)) {
    month = format === 'us' ? F[0]! : F[1]!;
    day = format === 'us' ? F[1]! : F[0]!;
    year = F[2]!;
    hour = F[3]!;
    minute = F[4]!;
    second = F[5]!;
    ampm = F[6] === 0 ? undefined : F[6] === 1 ? 'AM' : 'PM';
  } else {
    let y: string | undefined, mo: string | undefined, d: string | undefined;
    let h: string | undefined, mi: string | undefined, s: string | undefined;
    const slashed = SLASHED.exec(text);
    if (slashed) {
      const [, a, b] = slashed;
      [mo, d] = format === 'us' ? [a, b] : [b, a];
      [, , , y, h, mi, s, ampm] = slashed;
    } else {
      const iso = ISO.exec(text);
      if (!iso) throw new ExportDateError(`not a ${describe(format)} date: ${JSON.stringify(text)}`);
      [, y, mo, d, h, mi, s] = iso;
    }
    year = Number(y);
    month = Number(mo);
    day = Number(d);
    hour = Number(h ?? 0);
    minute = Number(mi ?? 0);
    second = Number(s ?? 0);
  }
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) throw new ExportDateError(`not a 12-hour time: ${JSON.stringify(text)}`);
    hour = (hour % 12) + (ampm.toUpperCase() === 'PM' ? 12 : 0);
  }
  const valid =
    year >= 1900 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59;
  if (!valid) throw new ExportDateError(`not a ${describe(format)} date: ${JSON.stringify(text)}`);
  return new Date(zone.toUtc(Date.UTC(year, month - 1, day, hour, minute, second)));
}

/** What `scanSeller` read: first number, second, year, hour, minute, second, 0 / 1 AM / 2 PM. */
const F = new Int32Array(7);
let at = 0;

/** 1 to `max` ASCII digits at `at` as a number (advancing `at`), or -1 when fewer than `min`. */
function digitsAt(text: string, min: number, max: number): number {
  let value = 0;
  const start = at;
  while (at - start < max) {
    const c = text.charCodeAt(at);
    if (!(c >= 48 && c <= 57)) break; // NaN past the end fails too
    value = value * 10 + (c - 48);
    at++;
  }
  return at - start < min ? -1 : value;
}

function charAt(text: string, code: number): boolean {
  if (text.charCodeAt(at) !== code) return false;
  at++;
  return true;
}

/**
 * Seller Center's own shape, `M/D/YYYY h:mm:ss AM` (one or two digits, one space, the seconds
 * and the AM/PM optional), read into `F` without the regular expression and its match arrays:
 * a backfill reads three dates a row. It accepts only strings SLASHED accepts and reads the same
 * numbers; false sends anything else (ISO, other spacing) to the regular expressions.
 */
function scanSeller(text: string): boolean {
  const n = text.length;
  at = 0;
  if ((F[0] = digitsAt(text, 1, 2)) < 0 || !charAt(text, 47) || (F[1] = digitsAt(text, 1, 2)) < 0) return false;
  if (!charAt(text, 47) || (F[2] = digitsAt(text, 4, 4)) < 0) return false;
  F[3] = F[4] = F[5] = F[6] = 0;
  if (at === n) return true;
  if (!charAt(text, 32) || (F[3] = digitsAt(text, 1, 2)) < 0) return false;
  if (!charAt(text, 58) || (F[4] = digitsAt(text, 2, 2)) < 0) return false;
  if (charAt(text, 58) && (F[5] = digitsAt(text, 2, 2)) < 0) return false;
  if (at === n) return true;
  charAt(text, 32);
  if (n - at !== 2) return false;
  const m = text.charCodeAt(at + 1);
  if (m !== 77 && m !== 109) return false; // M, m
  const a = text.charCodeAt(at);
  F[6] = a === 65 || a === 97 ? 1 : a === 80 || a === 112 ? 2 : 0; // A, a; P, p
  return F[6] !== 0;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function describe(format: DateFormat): string {
  return format === 'us' ? 'US (MM/DD/YYYY h:mm:ss AM/PM)' : 'day-first (DD/MM/YYYY HH:mm:ss)';
}
