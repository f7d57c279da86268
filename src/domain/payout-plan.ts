import { isSepaIban, isValidIban, normalizeIban } from './iban.js';
import { parseMajor } from './money.js';

export type PayoutMethod = 'sepa' | 'paypal' | 'bank';

/** The influencer's payout details, as stored. */
export interface Payee {
  readonly name: string;
  readonly email: string | null;
  readonly iban: string | null;
  readonly bic: string | null;
  readonly paypalEmail: string | null;
}

/** An available balance and whom it belongs to. */
export interface PayoutCandidate {
  readonly influencerId: string;
  readonly currency: string;
  readonly availableMinor: bigint;
  readonly payee: Payee;
}

/** The currencies that have a default minimum (`--min`, 50 unless given); any other needs its own. */
export const DEFAULT_MINIMUM_CURRENCIES: readonly string[] = ['EUR', 'USD', 'GBP', 'CHF', 'CAD', 'AUD', 'NZD', 'SGD'];

export interface PayoutPolicy {
  /** The minimum in major units of each of `DEFAULT_MINIMUM_CURRENCIES` ("50" is 50.00 EUR). */
  readonly defaultMinMajor: string;
  /** Per-currency minimums in major units, keyed by upper-case ISO 4217 code; they win over the default. */
  readonly minByCurrency: Readonly<Record<string, string>>;
  readonly asOf: Date;
}

export interface PlannedPayout {
  readonly influencerId: string;
  readonly currency: string;
  /** The whole available balance, > 0. */
  readonly amountMinor: bigint;
  readonly method: PayoutMethod;
  readonly payee: Payee;
}

export interface SkippedPayout {
  readonly influencerId: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly reason: string;
}

export interface PayoutTotal {
  readonly currency: string;
  readonly count: number;
  readonly amountMinor: bigint;
}

export interface PayoutPlan {
  readonly asOf: Date;
  readonly payouts: readonly PlannedPayout[];
  /** Balances due but without usable payout details: listed, never dropped silently. */
  readonly skipped: readonly SkippedPayout[];
  /** Per currency, sorted by currency. */
  readonly totals: readonly PayoutTotal[];
}

/**
 * The minimum for a currency in its minor units, or null when it has none (a currency outside
 * `DEFAULT_MINIMUM_CURRENCIES` without its own minimum is never paid: 50 JPY or 50 KWD would be
 * absurd). Throws on a negative or over-precise amount.
 */
export function minimumFor(policy: PayoutPolicy, currency: string): bigint | null {
  const major = Object.hasOwn(policy.minByCurrency, currency) ? policy.minByCurrency[currency] : undefined;
  if (major === undefined && !DEFAULT_MINIMUM_CURRENCIES.includes(currency)) return null;
  const minor = parseMajor(major ?? policy.defaultMinMajor, currency);
  if (minor < 0n) throw new RangeError(`the payout minimum for ${currency} must not be negative`);
  return minor;
}

/**
 * How a payee is paid in a currency: SEPA for EUR to a SEPA-zone IBAN, else PayPal when there is
 * a PayPal email, else a bank transfer to the IBAN. Returns the normalized payee, or a reason.
 */
export function choosePayoutMethod(
  currency: string,
  payee: Payee,
): { method: PayoutMethod; payee: Payee } | { reason: string } {
  const raw = payee.iban === null ? null : normalizeIban(payee.iban);
  const iban = raw !== null && isValidIban(raw) ? raw : null;
  const normalized = { ...payee, iban };
  if (currency === 'EUR' && iban !== null && isSepaIban(iban)) return { method: 'sepa', payee: normalized };
  if (payee.paypalEmail) return { method: 'paypal', payee: normalized };
  if (iban !== null) return { method: 'bank', payee: normalized };
  return {
    reason: raw
      ? 'the IBAN on file fails the IBAN check and there is no PayPal email'
      : 'no IBAN or PayPal email on file',
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Plans one payout of the whole available balance for each influencer and currency whose
 * available balance is ≥ the currency's minimum (and > 0). Plain data in and out; the service
 * applies the plan under its lock, and `--dry-run` prints the same plan.
 */
export function planPayouts(balances: readonly PayoutCandidate[], policy: PayoutPolicy): PayoutPlan {
  const minimums = new Map<string, bigint | null>();
  const payouts: PlannedPayout[] = [];
  const skipped: SkippedPayout[] = [];
  const sorted = [...balances].sort(
    (a, b) => compare(a.influencerId, b.influencerId) || compare(a.currency, b.currency),
  );
  for (const { influencerId, currency, availableMinor, payee } of sorted) {
    let min = minimums.get(currency);
    if (min === undefined) minimums.set(currency, (min = minimumFor(policy, currency)));
    if (availableMinor <= 0n) continue;
    if (min === null) {
      skipped.push({ influencerId, currency, amountMinor: availableMinor, reason: noMinimumReason(currency) });
      continue;
    }
    if (availableMinor < min) continue;
    const choice = choosePayoutMethod(currency, payee);
    if ('reason' in choice)
      skipped.push({ influencerId, currency, amountMinor: availableMinor, reason: choice.reason });
    else
      payouts.push({ influencerId, currency, amountMinor: availableMinor, method: choice.method, payee: choice.payee });
  }
  return { asOf: policy.asOf, payouts, skipped, totals: totalsOf(payouts) };
}

/** Why a balance in a currency without a minimum waits, naming the flag that pays it. */
export function noMinimumReason(currency: string): string {
  return `${currency} has no payout minimum: pay it with --min-currency ${currency}=AMOUNT, or store one with \`tracknow payout minimum set ${currency} AMOUNT\``;
}

/** Count and sum of payouts per currency, sorted by currency. */
export function totalsOf(
  payouts: readonly { readonly currency: string; readonly amountMinor: bigint }[],
): PayoutTotal[] {
  const totals = new Map<string, { count: number; amountMinor: bigint }>();
  for (const p of payouts) {
    const t = totals.get(p.currency) ?? { count: 0, amountMinor: 0n };
    totals.set(p.currency, { count: t.count + 1, amountMinor: t.amountMinor + p.amountMinor });
  }
  return [...totals].sort(([a], [b]) => compare(a, b)).map(([currency, t]) => ({ currency, ...t }));
}

/** A payout's bank reference (SEPA EndToEndId, ≤ 35 chars): "TN" + the UUID's 32 hex digits. */
export function payoutReference(payoutId: string): string {
  const hex = payoutId.replace(/-/g, '').toUpperCase();
  if (!/^[0-9A-F]{32}$/.test(hex)) throw new RangeError(`not a payout UUID: ${JSON.stringify(payoutId)}`);
  return `TN${hex}`;
}
