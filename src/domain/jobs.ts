import { backoffMs, type BackoffPolicy } from './backoff.js';

/** A job is pending (due at `run_at`, or leased to a worker), done, or failed for good. */
export const JOB_STATUSES = ['pending', 'done', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A handler's failure that will not change by retrying (a 4xx, a removed receiver): failed at once. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
}

/** A handler's failure that names its own earliest retry (HTTP 429 Retry-After). */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** What the runner writes after an attempt. */
export type JobPlan =
  | { readonly status: 'done' }
  | { readonly status: 'pending'; readonly runAt: Date; readonly error: string }
  | { readonly status: 'failed'; readonly error: string };

export interface FailureInput {
  readonly error: unknown;
  /** Attempts made so far, this one included. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly now: Date;
  readonly random: () => number;
  readonly policy?: BackoffPolicy | undefined;
}

/**
 * The give-up rule: a permanent error fails the job at once; otherwise it is retried after the
 * backoff until it has had `maxAttempts` attempts, then it fails, saying so in its error.
 */
export function planAfterFailure(input: FailureInput): JobPlan {
  const message = errorText(input.error);
  if (input.error instanceof PermanentJobError) return { status: 'failed', error: message };
  if (input.attempts >= input.maxAttempts)
    return { status: 'failed', error: `${message} (gave up after ${input.attempts} attempts)` };
  const hint = input.error instanceof RetryLaterError ? input.error.retryAfterMs : 0;
  return {
    status: 'pending',
    runAt: new Date(input.now.getTime() + backoffMs(input.attempts, input.random, input.policy, hint)),
    error: message,
  };
}

export function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 1000);
}
