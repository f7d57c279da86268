import { sql, type Kysely, type Transaction } from 'kysely';
import { normalizeCurrency } from '../../domain/currency.js';
import { formatMajor, parseMajor } from '../../domain/money.js';
import { DEFAULT_MINIMUM_CURRENCIES } from '../../domain/payout-plan.js';
import { notFound, usage } from '../../errors.js';
import type { Database } from '../../store/schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredMinimum {
  readonly currency: string;
  readonly amount: string;
}

/** A currency code and a minimum in its major units, checked; a bad value is a usage error (exit 2). */
export function parseMinimum(code: string, amount: string, field?: string): { currency: string; minor: bigint } {
  try {
    const currency = normalizeCurrency(code);
    if (!/^\d{1,15}(\.\d{1,6})?$/.test(amount.trim()))
      throw new RangeError(`the amount must be ≥ 0 in major units, like 50 or 25.50`);
    return { currency, minor: parseMajor(amount, currency) };
  } catch (err) {
    throw usage(`${code}=${amount}: ${(err as Error).message}`, field);
  }
}

/** The stored minimums in major units by currency, for the payout policy (flags win over them). */
export async function storedMinimums(db: Db): Promise<Record<string, string>> {
  const rows = await db.selectFrom('payout_minimums').select(['currency', 'amount_minor']).execute();
  return Object.fromEntries(rows.map((r) => [r.currency, formatMajor(r.amount_minor, r.currency)]));
}

/** `payout minimum set CUR AMOUNT`: stores (or replaces) a currency's minimum. */
export async function setMinimum(db: Kysely<Database>, code: string, amount: string): Promise<StoredMinimum> {
  const { currency, minor } = parseMinimum(code, amount);
  await db
    .insertInto('payout_minimums')
    .values({ currency, amount_minor: minor })
    .onConflict((oc) => oc.column('currency').doUpdateSet({ amount_minor: minor, updated_at: sql`now()` }))
    .execute();
  return { currency, amount: formatMajor(minor, currency) };
}

/** `payout minimum unset CUR`: back to the default (50 for the default currencies, none for others). */
export async function unsetMinimum(db: Kysely<Database>, code: string): Promise<{ currency: string }> {
  const { currency } = parseMinimum(code, '0');
  const gone = await db.deleteFrom('payout_minimums').where('currency', '=', currency).executeTakeFirst();
  if (gone.numDeletedRows === 0n)
    throw notFound(`no stored minimum for ${currency}; see \`tracknow payout minimum list\``);
  return { currency };
}

export interface MinimumRow {
  readonly currency: string;
  readonly amount: string;
  /** `stored` (set by an operator) or `default` (50 for EUR, USD, GBP, CHF, CAD, AUD, NZD, SGD). */
  readonly source: 'stored' | 'default';
}

/** `payout minimum list`: the stored minimums, then the defaults they do not override. */
export async function listMinimums(db: Kysely<Database>, defaultMinMajor = '50'): Promise<MinimumRow[]> {
  const stored = await storedMinimums(db);
  const rows: MinimumRow[] = Object.entries(stored).map(([currency, amount]) => ({
    currency,
    amount,
    source: 'stored',
  }));
  for (const currency of DEFAULT_MINIMUM_CURRENCIES) {
    if (!(currency in stored))
      rows.push({ currency, amount: formatMajor(parseMajor(defaultMinMajor, currency), currency), source: 'default' });
  }
  return rows.sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}
