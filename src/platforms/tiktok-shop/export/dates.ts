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
  let y: string | undefined, mo: string | undefined, d: string | undefined;
  let h: string | undefined, mi: string | undefined, s: string | undefined, ampm: string | undefined;
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
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  let hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
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

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function describe(format: DateFormat): string {
  return format === 'us' ? 'US (MM/DD/YYYY h:mm:ss AM/PM)' : 'day-first (DD/MM/YYYY HH:mm:ss)';
}
