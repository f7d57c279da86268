import { request } from 'undici';
import { TracknowError } from '../../errors.js';
import type { TestRequest } from './send-test.js';

/** What the listener answered. */
export interface SendResult {
  readonly url: string;
  readonly status: number;
  readonly ok: boolean;
  readonly durationMs: number;
  /** The answer parsed as JSON, else its text. */
  readonly response: unknown;
}

/** Codes that mean nothing is listening there, or it cannot be reached at all. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Sends the request with undici and reads the whole answer. A connection failure throws
 * `upstream` with a message saying what to do; any HTTP answer, 2xx or not, is returned.
 */
export async function sendTestRequest(req: TestRequest, timeoutMs = 30_000): Promise<SendResult> {
  const started = performance.now();
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    return {
      url: req.url,
      status: res.statusCode,
      ok: res.statusCode >= 200 && res.statusCode < 300,
      durationMs,
      response: parseJson(text),
    };
  } catch (err) {
    throw connectionError(req.url, err);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The first errno-style code in an error, its cause, or (dual-stack connects) its `errors`. */
function errorCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== 'object' || depth > 4) return undefined;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && e.code !== 'UND_ERR_SOCKET') return e.code;
  const nested = [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])];
  return (
    nested.map((n) => errorCode(n, depth + 1)).find((c) => c !== undefined) ??
    (typeof e.code === 'string' ? e.code : undefined)
  );
}

function connectionError(url: string, err: unknown): TracknowError {
  const origin = new URL(url).origin;
  const code = errorCode(err);
  const message =
    code === 'ECONNREFUSED'
      ? `no listener at ${origin}; start it with \`tracknow serve\` (or point --url at it)`
      : code !== undefined && UNREACHABLE.has(code)
        ? `cannot reach ${origin} (${code}); check --url and that the listener is up`
        : `the request to ${origin} failed (${code ?? (err as Error)?.message ?? String(err)})`;
  return new TracknowError('upstream', message, { cause: err });
}

/** The listener's own explanation (`{"code":401,"message":"…"}`), if it gave one. */
function said(response: unknown): string {
  const message =
    typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
  return typeof message === 'string' && message !== '' ? `: ${message.slice(0, 300)}` : '';
}

/** Why a non-2xx answer failed, as the error the CLI exits 1 with; undefined for a 2xx. */
export function rejection(result: SendResult, merchantId: string): TracknowError | undefined {
  if (result.ok) return undefined;
  const why = said(result.response);
  switch (result.status) {
    case 401:
      return new TracknowError(
        'unauthorized',
        `the listener rejected the signature (401${why}); check --secret, or the stored one with \`tracknow merchant show ${merchantId}\``,
      );
    case 404:
      return new TracknowError(
        'not_found',
        `the listener does not know merchant ${merchantId} (404${why}); check --merchant and that --url points at this merchant's tracknow`,
      );
    case 400:
      return new TracknowError('invalid', `the listener refused the body as malformed (400${why})`);
    case 413:
      return new TracknowError('too_large', `the body is over the listener's size limit (413${why})`);
    case 503:
      return new TracknowError('upstream', `the listener's database is unavailable (503${why}); retry when it is back`);
    default:
      return new TracknowError('upstream', `the listener answered ${result.status}${why}`);
  }
}
