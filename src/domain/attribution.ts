import { DEFAULT_ATTRIBUTION_WINDOW_SECONDS, insideWindow } from './clicks.js';
import { ATTRIBUTION_RANK } from './order-event.js';
import type { AttributionHint, AttributionMethod } from './order-event.js';

/** A tracking code as the service prefetched it; `merchantId` null means any merchant. */
export interface CodeEntry {
  readonly influencerId: string;
  readonly merchantId: string | null;
}

/**
 * Plain data the service prefetches for one event (see `lookupKeys`). Keys are normalized:
 * usernames lower-case without `@`, codes upper-case.
 */
export interface AttributionLookup {
  readonly creatorsById: ReadonlyMap<string, string>;
  readonly creatorsByUsername: ReadonlyMap<string, string>;
  readonly codes: ReadonlyMap<string, CodeEntry>;
  readonly clicks: ReadonlyMap<string, { readonly code: string; readonly clickedAtMs?: number }>;
  /** Attribution window (seconds) per merchant id; a merchant not listed has the default 30 days. */
  readonly clickWindows?: ReadonlyMap<string, number>;
}

export interface Attribution {
  readonly influencerId: string;
  readonly method: AttributionMethod;
  /** The matched code (upper-case), creator id or username. */
  readonly value: string;
  readonly clickId?: string;
}

/** What the service must fetch to attribute an event; every list deduplicated. */
export interface LookupKeys {
  readonly creatorIds: string[];
  readonly usernames: string[];
  readonly codes: string[];
  readonly clickIds: string[];
}

/**
 * The lookup form of a code: trimmed, upper-case (codes compare case-insensitively). ASCII
 * letters only: full Unicode case mapping turns lookalikes into real codes ("ı" → "I", "ſ" → "S").
 */
export const codeKey = (code: string): string => code.trim().replace(/[a-z]+/g, (s) => s.toUpperCase());
/** The lookup form of a username: trimmed, lower-case (ASCII only: the Kelvin sign "K" must not become "k"), without the leading `@`. */
export const usernameKey = (name: string): string =>
  name
    .trim()
    .replace(/^@+/, '')
    .replace(/[A-Z]+/g, (s) => s.toLowerCase());

// TRACK: is matched case-insensitively and must not be the tail of a longer word.
const TRACK_TOKEN = /(?<![A-Za-z0-9_])TRACK:\s*([A-Za-z0-9_-]+)/gi;

/** Every `TRACK:CODE` token in free text, in order, upper-cased, without repeats. */
export function extractTrackCodes(text: string): string[] {
  const codes = [...text.matchAll(TRACK_TOKEN)].map((m) => codeKey(m[1] ?? ''));
  return [...new Set(codes.filter((c) => c !== ''))];
}

/**
 * The keys to prefetch. Clicks resolve to a code only after they are fetched: the service
 * must fetch each click together with its tracking code (a join) and put that code in `codes`.
 */
export function lookupKeys(hints: readonly AttributionHint[]): LookupKeys {
  const creatorIds = new Set<string>();
  const usernames = new Set<string>();
  const codes = new Set<string>();
  const clickIds = new Set<string>();
  for (const hint of hints) {
    for (const value of candidates(hint)) {
      if (hint.method === 'creator_id') creatorIds.add(value);
      else if (hint.method === 'creator_username') usernames.add(value);
      else if (hint.method === 'click') clickIds.add(value);
      else codes.add(value);
    }
  }
  return { creatorIds: [...creatorIds], usernames: [...usernames], codes: [...codes], clickIds: [...clickIds] };
}

/**
 * Attributes an order, first match wins: hints are sorted stably by `ATTRIBUTION_RANK`
 * (creator, then promo/click/ref, then utm, then TRACK tokens) and keep the source's order
 * within a rank. A code bound to a merchant only matches that merchant's orders. A click matches
 * only while the order (`orderAt`) is inside the merchant's attribution window after it.
 */
export function attribute(
  merchantId: string,
  hints: readonly AttributionHint[],
  lookup: AttributionLookup,
  orderAt?: Date,
): Attribution | undefined {
  // Most orders carry one hint: nothing to sort.
  const ranked =
    hints.length < 2
      ? hints
      : hints
          .map((hint, index) => ({ hint, index }))
          .sort((a, b) => ATTRIBUTION_RANK[a.hint.method] - ATTRIBUTION_RANK[b.hint.method] || a.index - b.index)
          .map(({ hint }) => hint);
  for (const hint of ranked) {
    for (const value of candidates(hint)) {
      const found = match(merchantId, hint.method, value, lookup, orderAt);
      if (found) return found;
    }
  }
  return undefined;
}

/** The normalized lookup values one hint stands for (a message may hold several tokens). */
function candidates(hint: AttributionHint): string[] {
  switch (hint.method) {
    case 'track_message':
      return extractTrackCodes(hint.value);
    case 'creator_username':
      return nonEmpty(usernameKey(hint.value));
    case 'creator_id':
    case 'click':
      return nonEmpty(hint.value.trim());
    default:
      return nonEmpty(codeKey(hint.value));
  }
}

const nonEmpty = (value: string): string[] => (value === '' ? [] : [value]);

function match(
  merchantId: string,
  method: AttributionMethod,
  value: string,
  lookup: AttributionLookup,
  orderAt: Date | undefined,
): Attribution | undefined {
  if (method === 'creator_id' || method === 'creator_username') {
    const map = method === 'creator_id' ? lookup.creatorsById : lookup.creatorsByUsername;
    const influencerId = map.get(value);
    return influencerId === undefined ? undefined : { influencerId, method, value };
  }
  if (method === 'click') {
    const click = lookup.clicks.get(value);
    if (!click) return undefined;
    const window = lookup.clickWindows?.get(merchantId) ?? DEFAULT_ATTRIBUTION_WINDOW_SECONDS;
    if (orderAt && click.clickedAtMs !== undefined && !insideWindow(click.clickedAtMs, orderAt.getTime(), window))
      return undefined;
    const code = codeKey(click.code);
    const entry = codeFor(merchantId, code, lookup);
    return entry && { influencerId: entry.influencerId, method, value: code, clickId: value };
  }
  const entry = codeFor(merchantId, value, lookup);
  return entry && { influencerId: entry.influencerId, method, value };
}

function codeFor(merchantId: string, code: string, lookup: AttributionLookup): CodeEntry | undefined {
  const entry = lookup.codes.get(code);
  if (!entry || (entry.merchantId !== null && entry.merchantId !== merchantId)) return undefined;
  return entry;
}
