import { request, type Dispatcher } from 'undici';
import { asObject, type Json } from '../../payload.js';
import { TikTokApiError, problemFor, retryAfterMs } from './errors.js';

export interface HttpOptions {
  /** The whole exchange, connect to last body byte (default 10 s). */
  readonly timeoutMs?: number;
  /** An undici dispatcher (tests, proxies); the global one by default. */
  readonly dispatcher?: Dispatcher;
}

export interface HttpCall {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Names the call in errors, e.g. "Get Order Detail"; never the URL (it may carry a secret). */
  readonly what: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Sends one request and returns the `data` of TikTok's envelope `{code, message, data}`.
 * Every failure is a TikTokApiError with its problem classified; nothing is retried here.
 */
export async function callEnvelope(call: HttpCall, options: HttpOptions = {}): Promise<Json> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let status: number;
  let headers: Record<string, string | string[] | undefined>;
  let text: string;
  try {
    const res = await request(call.url, {
      method: call.method,
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    status = res.statusCode;
    headers = res.headers;
    text = await res.body.text();
  } catch (err) {
    const timeout = isTimeout(err);
    throw new TikTokApiError(
      timeout ? 'timeout' : 'network',
      `${call.what}: ${timeout ? `no answer from TikTok within ${timeoutMs} ms` : `cannot reach TikTok (${errorCode(err)})`}`,
      { cause: err },
    );
  }
  const envelope = parseEnvelope(text);
  const apiCode = typeof envelope?.code === 'number' ? envelope.code : undefined;
  const problem = problemFor(status, apiCode);
  if (problem === undefined) return asObject(envelope?.data) ?? {};
  const said = typeof envelope?.message === 'string' ? `: ${envelope.message.slice(0, 200)}` : '';
  const retryAfter = retryAfterMs(headers['retry-after']);
  throw new TikTokApiError(
    problem,
    `${call.what}: TikTok answered HTTP ${status}${apiCode === undefined ? '' : ` code ${apiCode}`}${said}`,
    {
      status,
      ...(apiCode === undefined ? {} : { apiCode }),
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
    },
  );
}

function parseEnvelope(text: string): Json | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function isTimeout(err: unknown): boolean {
  const { name, code } = err as { name?: unknown; code?: unknown };
  return name === 'TimeoutError' || name === 'AbortError' || (typeof code === 'string' && code.includes('TIMEOUT'));
}

function errorCode(err: unknown): string {
  const { code, cause } = err as { code?: unknown; cause?: { code?: unknown } };
  const value = typeof code === 'string' ? code : typeof cause?.code === 'string' ? cause.code : undefined;
  return value ?? 'connection failed';
}
