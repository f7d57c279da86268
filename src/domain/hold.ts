/** The hold before a sale may be validated: pure, with the clock passed in. */

const DAY_MS = 86_400_000;

/**
 * When the hold of a sale ordered at `orderedAt` ends. A hold day is 24 hours of UTC time, so
 * SQL must agree: `ordered_at + hold_days * interval '24 hours'` (a plain `interval 'N days'`
 * on timestamptz follows the session time zone across daylight-saving changes).
 */
export function holdEndsAt(orderedAt: Date, holdDays: number): Date {
  if (!Number.isInteger(holdDays) || holdDays < 0)
    throw new RangeError(`hold days must be a whole number ≥ 0, got ${holdDays}`);
  if (Number.isNaN(orderedAt.getTime())) throw new RangeError('ordered_at is not a valid date');
  return new Date(orderedAt.getTime() + holdDays * DAY_MS);
}

/** True once `orderedAt + holdDays ≤ asOf`: the hold is over at the very instant it ends. */
export function isPastHold(orderedAt: Date, holdDays: number, asOf: Date): boolean {
  if (Number.isNaN(asOf.getTime())) throw new RangeError('as-of is not a valid date');
  return holdEndsAt(orderedAt, holdDays).getTime() <= asOf.getTime();
}
