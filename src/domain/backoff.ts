/**
 * The one retry policy of background work: exponential backoff with jitter, capped. Every job
 * (notification deliveries, TikTok enrichment, scheduled runs, …) waits by this rule between
 * attempts; only how many attempts a kind of job gets differs (`max_attempts`).
 */
export interface BackoffPolicy {
  /** The first retry waits about this long; each next one twice as long. */
  readonly baseMs: number;
  /** No single wait is longer than this. */
  readonly capMs: number;
  /** ± this fraction of jitter, so receivers coming back are not hit by every sender at once. */
  readonly jitter: number;
}

const HOUR = 3_600_000;

/** 30 s, 1 min, 2 min … capped at 4 h, ±25 %. */
export const BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 30_000, capMs: 4 * HOUR, jitter: 0.25 });

/**
 * The wait after `attempts` failed attempts (1 = after the first), jittered by `random()` in
 * [0, 1) (0.5 is no jitter). A server's own "retry after" hint lengthens it, never shortens it.
 */
export function backoffMs(
  attempts: number,
  random: () => number,
  policy: BackoffPolicy = BACKOFF,
  retryAfterMs = 0,
): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  const delay = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.max(retryAfterMs, Math.round(delay * (1 - policy.jitter + 2 * policy.jitter * random())));
}
