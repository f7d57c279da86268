const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration as operators type it ("90s", "30m", "2h", "7d", "1w") in milliseconds; anything else → undefined. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d{1,6})\s*([smhdw])\s*$/i.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  return ms > 0 ? ms : undefined;
}
