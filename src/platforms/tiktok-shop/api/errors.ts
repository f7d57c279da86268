import { TracknowError } from '../../../errors.js';

/**
 * What went wrong talking to TikTok Shop. Callers branch on `problem`, never on message text:
 * the enrichment queue retries every problem with backoff, a command retries the transient ones.
 */
export type TikTokApiProblem =
  | 'network' // no answer: refused, reset, DNS
  | 'timeout' // no answer in time
  | 'server' // 5xx
  | 'rate_limited' // 429: wait `retryAfterMs` when TikTok says how long
  | 'token_expired' // 105002: refresh the access token, then retry
  | 'token_invalid' // 105001: refresh once; else re-authorize (`tracknow tiktok auth`)
  | 'invalid_signature' // 106001: wrong app key or secret
  | 'scope_missing' // 105005 or HTTP 403: the seller has not granted this API's scope (e.g. affiliate)
  | 'rejected' // any other non-zero code: a request TikTok will not serve
  | 'malformed' // an answer that is not TikTok's JSON envelope
  | 'paging'; // a page token that repeats, or a page without its list

/** TikTok Shop's own codes for the answers tracknow acts on (Partner Center common error codes). */
export const API_CODES = {
  ok: 0,
  tokenInvalid: 105001,
  tokenExpired: 105002,
  scopeMissing: 105005,
  invalidSignature: 106001,
} as const;

const TRANSIENT: ReadonlySet<TikTokApiProblem> = new Set([
  'network',
  'timeout',
  'server',
  'rate_limited',
  'malformed',
  'token_expired',
  'token_invalid',
]);

/** An Open API failure; code 'upstream' for the CLI (exit 1). Its message never holds a token or secret. */
export class TikTokApiError extends TracknowError {
  override name = 'TikTokApiError';
  constructor(
    readonly problem: TikTokApiProblem,
    message: string,
    readonly details: {
      readonly status?: number;
      readonly apiCode?: number;
      readonly retryAfterMs?: number;
      readonly cause?: unknown;
    } = {},
  ) {
    super('upstream', message, { cause: details.cause });
  }

  /** Worth retrying as is (after a refresh for token problems); the others need an operator. */
  get transient(): boolean {
    return TRANSIENT.has(this.problem);
  }

  get tokenProblem(): boolean {
    return this.problem === 'token_expired' || this.problem === 'token_invalid';
  }
}

/** Classifies TikTok's answer: HTTP status first (429, 5xx), then the envelope's `code`. */
export function problemFor(status: number, apiCode: number | undefined): TikTokApiProblem | undefined {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  if (apiCode === API_CODES.tokenExpired) return 'token_expired';
  if (apiCode === API_CODES.tokenInvalid) return 'token_invalid';
  if (apiCode === API_CODES.invalidSignature) return 'invalid_signature';
  if (apiCode === API_CODES.scopeMissing || (status === 403 && apiCode !== API_CODES.ok)) return 'scope_missing';
  if (apiCode === undefined) return status >= 400 ? 'rejected' : 'malformed';
  return apiCode === API_CODES.ok && status < 400 ? undefined : 'rejected';
}

/** `Retry-After` in seconds (or an HTTP date) as milliseconds; absent or unreadable → undefined. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
