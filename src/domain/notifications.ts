/** The events a notification can report, in the order the outbox documents them. */
export const NOTIFICATION_EVENTS = ['sale.created', 'sale.cancelled', 'sale.validated', 'sale.reversed', 'payout.created', 'payout.returned'] as const;
export type NotificationEventName = (typeof NOTIFICATION_EVENTS)[number];

export function isNotificationEvent(name: string): name is NotificationEventName {
  return (NOTIFICATION_EVENTS as readonly string[]).includes(name);
}

/** What one attempt at one receiver came to. */
export type AttemptOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly error: string }
  | { readonly kind: 'fail'; readonly error: string };

/**
 * An HTTP answer as Standard Webhooks senders read it: 2xx delivered; 408 and 429 are the
 * receiver asking for later; any other 4xx will not change by resending; 5xx, and anything
 * odd (1xx, a redirect we do not follow), is retried.
 */
export function classifyHttpStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const error = `HTTP ${status}`;
  if (status === 408 || status === 429) return { kind: 'retry', error };
  if (status >= 400 && status < 500) return { kind: 'fail', error };
  return { kind: 'retry', error };
}

export interface RetryPolicy {
  /** The first retry waits about this long; each next one twice as long. */
  readonly baseDelayMs: number;
  /** No single wait is longer than this. */
  readonly maxDelayMs: number;
  /** A receiver that keeps failing is given up on this long after the first try. */
  readonly windowMs: number;
  /** ± this fraction of jitter, so receivers coming back are not hit by every sender at once. */
  readonly jitter: number;
}

const HOUR = 3_600_000;

/** 30 s, 1 min, 2 min … capped at 4 h, for up to 24 h: about 14 attempts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ baseDelayMs: 30_000, maxDelayMs: 4 * HOUR, windowMs: 24 * HOUR, jitter: 0.25 });

/** The wait after `attempts` failed attempts (1 = after the first), jittered by `random()` in [0, 1). */
export function backoffDelayMs(attempts: number, random: () => number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.round(delay * (1 - policy.jitter + 2 * policy.jitter * random()));
}

/** The state a delivery moves to after an attempt: the plan the service writes. */
export type AttemptPlan =
  | { readonly status: 'delivered' }
  | { readonly status: 'pending'; readonly nextAttemptAt: Date; readonly error: string }
  | { readonly status: 'failed'; readonly error: string };

export interface AttemptInput {
  readonly outcome: AttemptOutcome;
  /** Attempts made so far, this one included. */
  readonly attempts: number;
  readonly now: Date;
  /** After this instant the delivery is given up. */
  readonly giveUpAt: Date;
  readonly random: () => number;
  readonly policy?: RetryPolicy;
}

/** Decides what follows an attempt: delivered, a later retry, or a permanent failure. */
export function planAfterAttempt(input: AttemptInput): AttemptPlan {
  const { outcome } = input;
  if (outcome.kind === 'delivered') return { status: 'delivered' };
  if (outcome.kind === 'fail') return { status: 'failed', error: outcome.error };
  const next = new Date(input.now.getTime() + backoffDelayMs(input.attempts, input.random, input.policy));
  if (next.getTime() > input.giveUpAt.getTime()) {
    return { status: 'failed', error: `${outcome.error} (gave up after ${input.attempts} attempts)` };
  }
  return { status: 'pending', nextAttemptAt: next, error: outcome.error };
}

/** The give-up instant for a delivery first queued at `start`. */
export function giveUpAt(start: Date, policy: RetryPolicy = DEFAULT_RETRY_POLICY): Date {
  return new Date(start.getTime() + policy.windowMs);
}

/** Only http(s) receivers, with a host; returns the normalised URL or a reason. */
export function checkReceiverUrl(text: string): { ok: true; url: string } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, reason: `not a URL: ${JSON.stringify(text)}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `only http and https URLs are accepted, got ${url.protocol.replace(/:$/, '')}` };
  if (url.hostname === '') return { ok: false, reason: 'the URL has no host' };
  return { ok: true, url: url.href };
}
