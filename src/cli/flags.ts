import { usage } from '../errors.js';

/** Drops undefined fields, so flags the user did not give stay absent from the options object. */
export function defined<T extends object>(obj: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO 8601 date (UTC midnight) or date-time (UTC unless it names a zone); undefined stays undefined. Anything else, or a
 * day the calendar lacks (2026-02-30), is a usage error naming `flag`.
 */
export function parseInstantFlag(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const m = ISO_INSTANT.exec(value.trim());
  // Without a zone, a time is UTC (as a date is), whatever the machine's zone.
  const text = m?.[0].replace(' ', 'T');
  const at = m && text ? new Date(text.length === 10 ? `${text}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/i.test(text.slice(11)) ? text : `${text}Z`) : undefined;
  const day = m && new Date(`${m[1]}T00:00:00Z`);
  if (!at || Number.isNaN(at.getTime()) || !day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== m[1]) {
    throw usage(`${flag} must be an ISO 8601 date or time, like 2026-11-01 or 2026-11-01T09:00:00Z; got ${JSON.stringify(value)}`);
  }
  return at;
}
