/**
 * The error vocabulary. Callers branch on `code`, never on message text.
 * The CLI maps codes to exit codes and the listener maps the same codes to HTTP statuses.
 */
export type ErrorCode =
  | 'usage' // bad flag or missing argument
  | 'not_found' // an unknown id
  | 'conflict' // a unique thing that already exists
  | 'invalid' // input that fails validation
  | 'unauthorized' // a bad or missing signature
  | 'too_large' // a body over the limit
  | 'db_unavailable' // the database cannot be reached
  | 'migrations_pending' // run `tracknow migrate`
  | 'store_locked' // another process holds the embedded store
  | 'upstream' // a remote API failed
  | 'internal';

/**
 * `field` names the input the error is about, as the caller's options object spells it
 * (`since`, `merchantId`); the message then reads after it ("… is not a duration"). Callers
 * name it their own way: the CLI as its flag (`--since`), the listener as a field.
 */
export interface ErrorOptions {
  readonly cause?: unknown;
  readonly field?: string;
  /** The boolean option that would let the call go ahead anyway (`force`). */
  readonly override?: string;
}

/**
 * Other inputs a message mentions are written `{@field}`, so a service never spells a flag: the
 * message reads them as plain field names, and the CLI renders them as its flags (`--rate`).
 */
export const renderFields = (template: string, name: (field: string) => string): string =>
  template.replace(/\{@([A-Za-z]+)\}/g, (_, field: string) => name(field));

export class TracknowError extends Error {
  override name = 'TracknowError';
  readonly field: string | undefined;
  readonly override: string | undefined;
  /** The message with its `{@field}` references unrendered. */
  readonly template: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(
      renderFields(message, (f) => f),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.template = message;
    this.field = options?.field;
    this.override = options?.override;
  }
}

export const usage = (msg: string, field?: string) => new TracknowError('usage', msg, { field });
export const notFound = (msg: string) => new TracknowError('not_found', msg);
export const conflict = (msg: string, options?: ErrorOptions) => new TracknowError('conflict', msg, options);
export const invalid = (msg: string, cause?: unknown, field?: string) =>
  new TracknowError('invalid', msg, { cause, field });

const EXIT_CODES: Record<ErrorCode, number> = {
  usage: 2,
  not_found: 1,
  conflict: 1,
  invalid: 1,
  unauthorized: 1,
  too_large: 1,
  db_unavailable: 1,
  migrations_pending: 1,
  store_locked: 1,
  upstream: 1,
  internal: 1,
};

const HTTP_STATUSES: Record<ErrorCode, number> = {
  usage: 400,
  not_found: 404,
  conflict: 409,
  invalid: 400,
  unauthorized: 401,
  too_large: 413,
  db_unavailable: 503,
  migrations_pending: 503,
  store_locked: 503,
  upstream: 502,
  internal: 500,
};

export function exitCodeFor(err: unknown): number {
  return err instanceof TracknowError ? EXIT_CODES[err.code] : 1;
}

export function httpStatusFor(err: unknown): number {
  return err instanceof TracknowError ? HTTP_STATUSES[err.code] : isDbUnavailable(err) ? 503 : 500;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

/** True for errors that mean "the database is not reachable right now" (retryable). */
export function isDbUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof TracknowError) return e.code === 'db_unavailable';
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    const msg = (e as { message?: unknown }).message;
    if (
      typeof msg === 'string' &&
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|encountered a connection error and is not queryable/i.test(
        msg,
      )
    )
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
