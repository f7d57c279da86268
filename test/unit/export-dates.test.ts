import { describe, expect, it } from 'vitest';
import { parseExportDate, type DateFormat } from '../../src/platforms/tiktok-shop/export/dates.js';
import { wallClockZone } from '../../src/platforms/tiktok-shop/export/zone.js';

/** The parser before its fast path for Seller Center's own shape: the regular expressions only. */
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
function reference(text: string, format: DateFormat): number | undefined | 'error' {
  if (text === '') return undefined;
  const slashed = SLASHED.exec(text);
  const iso = slashed ? null : ISO.exec(text);
  if (!slashed && !iso) return 'error';
  const [y, mo, d, h, mi, s, ampm] = slashed
    ? [
        slashed[3],
        format === 'us' ? slashed[1] : slashed[2],
        format === 'us' ? slashed[2] : slashed[1],
        ...slashed.slice(4),
      ]
    : iso!.slice(1);
  let hour = Number(h ?? 0);
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) return 'error';
    hour = (hour % 12) + (ampm.toUpperCase() === 'PM' ? 12 : 0);
  }
  const [year, month, day, minute, second] = [Number(y), Number(mo), Number(d), Number(mi ?? 0), Number(s ?? 0)];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const ok =
    year >= 1900 && month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59;
  return ok ? Date.UTC(year, month - 1, day, hour, minute, second) : 'error';
}

describe('export dates', () => {
  it('reads every variant of the Seller Center shape as the regular expressions did', () => {
    const utc = wallClockZone('UTC');
    const pieces = {
      day: ['1', '12', '13', '32', '', '123'],
      year: ['2026', '1899', '20261'],
      sep: ['', ' ', '  ', 'T', ' T', '\t'],
      hour: ['0', '9', '12', '13', '24', '123', ''],
      minute: [':00', ':5', ':60', ''],
      second: ['', ':37', ':60', ':7'],
      ampm: ['', ' AM', 'AM', ' pm', ' Pm', '  AM', ' XM', ' A', ' AMX', ' ', '\u00a0AM'],
    };
    let checked = 0;
    const differ: string[] = [];
    for (const a of pieces.day)
      for (const b of ['31', '13'])
        for (const y of pieces.year)
          for (const sep of pieces.sep)
            for (const h of sep === '' ? [''] : pieces.hour)
              for (const mi of sep === '' ? [''] : pieces.minute)
                for (const s of sep === '' ? [''] : pieces.second)
                  for (const ap of sep === '' ? [''] : pieces.ampm) {
                    const text = `${a}/${b}/${y}${sep}${h}${mi}${s}${ap}`;
                    for (const format of ['us', 'day-first'] as const) {
                      checked++;
                      const want = reference(text, format);
                      let got: number | undefined | 'error';
                      try {
                        got = parseExportDate(text, format, utc)?.getTime();
                      } catch {
                        got = 'error';
                      }
                      if (got !== want) differ.push(`${format} ${JSON.stringify(text)}: ${got} != ${want}`);
                    }
                  }
    expect(differ.slice(0, 20)).toEqual([]);
    expect(checked).toBeGreaterThan(20_000);
  });

  it('reads the shapes exports hold', () => {
    const utc = wallClockZone('UTC');
    expect(parseExportDate('01/02/2026 12:00:37 AM', 'us', utc)?.toISOString()).toBe('2026-01-02T00:00:37.000Z');
    expect(parseExportDate('01/02/2026 1:05 PM', 'us', utc)?.toISOString()).toBe('2026-01-02T13:05:00.000Z');
    expect(parseExportDate('01/02/2026 13:05:09', 'day-first', utc)?.toISOString()).toBe('2026-02-01T13:05:09.000Z');
    expect(parseExportDate('2026-02-01 13:05:09', 'us', utc)?.toISOString()).toBe('2026-02-01T13:05:09.000Z');
    expect(() => parseExportDate('02/30/2026', 'us', utc)).toThrow(/not a US/);
    expect(() => parseExportDate('01/02/2026 0:05 AM', 'us', utc)).toThrow(/12-hour/);
  });
});
