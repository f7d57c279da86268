import { Cron } from 'croner';
import { InvalidArgumentError } from 'commander';
import { parseAttributionWindow } from '../domain/clicks.js';
import { parseRatePercent } from '../domain/commission.js';
import { normalizeCurrency } from '../domain/currency.js';
import { parseDuration } from '../domain/duration.js';
import { parseBic, parseIban } from '../domain/iban.js';
import { parseMajor } from '../domain/money.js';
import { NOTIFICATION_EVENTS } from '../domain/notify.js';
import {
  normalizeCode,
  normalizeDomain,
  normalizeEmail,
  normalizeHttpUrl,
  normalizeUsername,
  parseHoldDays,
  requireCreatorId,
} from '../domain/records.js';
import { renderFields, TracknowError } from '../errors.js';

/*
 * Flag values are checked at the command's edge, as commander parses them: a bad value is a
 * usage error (exit 2) whatever the command. Give every option that takes a value one of the
 * parsers below (`.option('--limit <n>', 'at most this many', positiveInt(), '50')`), or
 * `.choices([...])` for a fixed list. A parser returns the string unchanged once it is valid,
 * so options objects keep their types and services still check what they are given.
 * test/integration/cli-flags.test.ts walks every command's options with bad values.
 */

/** Drops undefined fields, so flags the user did not give stay absent from the options object. */
export function defined<T extends object>(obj: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

type Parser = (value: string) => string;

/** A commander argParser from a pure rule that throws RangeError (or MoneyFormatError) on a bad value. */
export function checked(rule: (value: string) => unknown): Parser {
  return (value) => {
    try {
      rule(value);
    } catch (err) {
      if (err instanceof RangeError || (err as Error).name === 'MoneyFormatError')
        throw new InvalidArgumentError((err as Error).message);
      throw err;
    }
    return value;
  };
}

const rejectIf = (bad: boolean, message: string) => {
  if (bad) throw new RangeError(message);
};

/** A whole number from 1 to `max`. */
export const positiveInt = (max = Number.MAX_SAFE_INTEGER): Parser =>
  checked((v) =>
    rejectIf(
      !/^\d{1,16}$/.test(v.trim()) || Number(v) < 1 || Number(v) > max,
      `must be a whole number from 1 to ${max}`,
    ),
  );

/** A TCP port, 0 (any free port) to 65535. */
export const port: Parser = checked((v) =>
  rejectIf(!/^\d{1,5}$/.test(v.trim()) || Number(v) > 65535, 'must be a port from 0 to 65535'),
);

/** An ISO 8601 date or time (`--as-of`, expiry times). */
export const isoTime: Parser = checked((v) =>
  rejectIf(
    !/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(new Date(v).getTime()),
    'must be an ISO 8601 date or time, like 2024-03-15 or 2024-03-15T09:00:00Z',
  ),
);

/** An amount ≥ 0 in major units (`50`, `25.50`). */
export const amount: Parser = checked((v) =>
  rejectIf(!/^\d{1,15}(\.\d{1,6})?$/.test(v.trim()), 'must be an amount ≥ 0 in major units, like 50 or 25.50'),
);

/** `CODE=AMOUNT`, an ISO 4217 code and an amount ≥ 0 that fits its decimals (repeatable: collects). */
export function currencyAmount(value: string, previous: string[] = []): string[] {
  checked((v) => {
    const m = /^\s*([A-Za-z]{3})\s*=\s*(\S+)\s*$/.exec(v);
    if (!m) throw new RangeError('takes CODE=AMOUNT, like EUR=25 or JPY=5000');
    const currency = normalizeCurrency(m[1]!);
    if (parseMajor(m[2]!, currency) < 0n) throw new RangeError('the amount must not be negative');
  })(value);
  return [...previous, value];
}

export const currency: Parser = checked(normalizeCurrency);
export const percent: Parser = checked(parseRatePercent);
export const holdDays: Parser = checked(parseHoldDays);
export const iban: Parser = checked(parseIban);
export const bic: Parser = checked(parseBic);
export const email: Parser = checked(normalizeEmail);
export const httpUrl: Parser = checked(normalizeHttpUrl);
export const domain: Parser = checked(normalizeDomain);
export const duration: Parser = checked((v) =>
  rejectIf(parseDuration(v) === undefined, 'is not a duration: use e.g. 30m, 2h or 7d'),
);
export const attributionWindow: Parser = checked(parseAttributionWindow);
export const timeZone: Parser = checked((v) => new Intl.DateTimeFormat('en-US', { timeZone: v }));
export const id: Parser = checked((v) =>
  rejectIf(
    !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v.trim()),
    'must be an id (a UUID) as `list` shows it',
  ),
);

/** A variadic `<id...>` argument: each value an id, collected in order. */
export const ids = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), id(value)];

export const trackingCode: Parser = checked(normalizeCode);
export const creatorId: Parser = checked(requireCreatorId);
export const username: Parser = checked(normalizeUsername);
/** A calendar month, `YYYY-MM`. */
export const month: Parser = checked((v) =>
  rejectIf(!/^\d{4}-(0[1-9]|1[0-2])$/.test(v.trim()), 'must be a month as YYYY-MM, like 2026-11'),
);
/** A cron expression of 5 or 6 fields. */
export const cron: Parser = checked((v) => {
  try {
    new Cron(v, { paused: true }).stop();
  } catch (err) {
    throw new RangeError(`is not a cron expression (5 or 6 fields, like "0 3 * * *"): ${(err as Error).message}`);
  }
});
/** A comma-separated list of notification events. */
export const notificationEvents: Parser = checked((v) => {
  const unknown = v.split(',').filter((e) => !(NOTIFICATION_EVENTS as readonly string[]).includes(e.trim()));
  rejectIf(unknown.length > 0, `unknown ${unknown.join(', ')}; choose from ${NOTIFICATION_EVENTS.join(', ')}`);
});

/** TikTok's payload shape for the test sender; `seed`, its old name, still works (hidden). */
export function payloadShape(value: string): string {
  if (value === 'seed') return 'simple';
  return oneOf(['simple', 'notification'])(value);
}

/** One of `values` (compared as given); like `.choices()`, for options declared with `.option()`. */
export const oneOf = (values: readonly string[]): Parser =>
  checked((v) => rejectIf(!values.includes(v), `must be one of ${values.join(', ')}`));

/** The flag of a service's options field, where it is not simply the field in kebab case. */
const FIELD_FLAGS: Readonly<Record<string, string>> = {
  merchantId: '--merchant',
  influencerId: '--influencer',
  minMajor: '--min',
  minByCurrency: '--min-currency',
  clearIban: '--no-iban',
  clearPaypalEmail: '--no-paypal-email',
};

export const flagFor = (field: string): string =>
  FIELD_FLAGS[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** An error's message for the terminal: an error about one input names its flag first. */
export function flagHint(err: TracknowError): string {
  const text = renderFields(err.template, flagFor);
  const message = err.field === undefined ? text : `${flagFor(err.field)} ${text}`;
  return err.override === undefined ? message : `${message}; add ${flagFor(err.override)} to override`;
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO 8601 date (UTC midnight) or date-time, UTC unless it names a zone, whatever the
 * machine's zone. A day the calendar lacks (2026-02-30) is a RangeError, not the next month.
 */
export function parseInstant(value: string): Date {
  const m = ISO_INSTANT.exec(value.trim());
  const text = m?.[0].replace(' ', 'T');
  const at =
    m && text
      ? new Date(
          text.length === 10 ? `${text}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/i.test(text.slice(11)) ? text : `${text}Z`,
        )
      : undefined;
  const day = m && new Date(`${m[1]}T00:00:00Z`);
  if (
    !at ||
    Number.isNaN(at.getTime()) ||
    !day ||
    Number.isNaN(day.getTime()) ||
    day.toISOString().slice(0, 10) !== m[1]
  ) {
    throw new RangeError('must be an ISO 8601 date or time, like 2026-11-01 or 2026-11-01T09:00:00Z');
  }
  return at;
}

/** `--from`/`--to` of a period: a strict ISO 8601 date or time (see `parseInstant`). */
export const isoInstant: Parser = checked(parseInstant);
