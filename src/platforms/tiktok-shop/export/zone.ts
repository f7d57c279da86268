/** Converts shop-local wall-clock times to UTC instants. */
export interface WallClockZone {
  readonly name: string;
  /** `wallMs` is the wall-clock time encoded as if it were UTC (`Date.UTC(y, m, d, h, …)`). */
  toUtc(wallMs: number): number;
}

const UTC_NAMES = new Set(['utc', 'etc/utc', 'gmt', 'etc/gmt', 'z']);
const QUARTER_HOUR = 900_000;

/**
 * A zone by IANA name (default UTC). Intl gives only the offset; the arithmetic is ours, so no
 * date library is needed. Throws RangeError for a name Intl does not know.
 */
export function wallClockZone(name = 'UTC'): WallClockZone {
  if (UTC_NAMES.has(name.trim().toLowerCase())) return { name: 'UTC', toUtc: (wallMs) => wallMs };
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const resolved = format.resolvedOptions().timeZone;
  // Offsets change on quarter-hour boundaries at most, and rows repeat times: cache per quarter hour.
  const cache = new Map<number, number>();
  const offsetAt = (utcMs: number): number => {
    const bucket = Math.floor(utcMs / QUARTER_HOUR);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      const at = bucket * QUARTER_HOUR;
      offset = wallOf(format, at) - at;
      if (cache.size > 10_000) cache.clear();
      cache.set(bucket, offset);
    }
    return offset;
  };
  return {
    name: resolved,
    toUtc(wallMs) {
      const first = offsetAt(wallMs);
      const guess = wallMs - first;
      const second = offsetAt(guess);
      // Near a transition the first guess used the other side's offset; the second one is right.
      return second === first ? guess : wallMs - second;
    },
  };
}

function wallOf(format: Intl.DateTimeFormat, utcMs: number): number {
  const f: Record<string, number> = {};
  for (const part of format.formatToParts(utcMs)) {
    if (part.type !== 'literal') f[part.type] = Number(part.value);
  }
  return Date.UTC(f.year ?? 1970, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0);
}
