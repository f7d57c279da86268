import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import { formatMajor } from '../../domain/money.js';
import {
  payoutReference,
  planPayouts,
  type PayoutCandidate,
  type PayoutPlan,
  type PayoutPolicy,
} from '../../domain/payout-plan.js';
import { TracknowError, usage } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import { lockLedger, payableBalances } from './balance.js';
import { buildPayoutCsv } from './payment-files/payout-csv.js';
import { buildPaypalBatches } from './payment-files/paypal-payouts.js';
import { parseMinimum, storedMinimums } from './payout-minimums.js';
import { buildPain001, requireSepaDebtor, type SepaDebtorConfig } from './payment-files/sepa-pain001.js';

export interface PayoutOptions {
  readonly asOf: Date;
  readonly dryRun?: boolean;
  /** Minimum available balance in major units of EUR, USD, GBP, CHF, CAD, AUD, NZD and SGD (default "50"). */
  readonly minMajor?: string;
  /** Per-currency minimums in major units (`--min-currency EUR=25`). */
  readonly minByCurrency?: Readonly<Record<string, string>>;
  /** Where the payment files go (`$TRACKNOW_HOME/payouts` by default, set by the caller). */
  readonly outDir: string;
  readonly sepaDebtor: SepaDebtorConfig;
  /** The clock for file names and the SEPA creation time. */
  readonly now?: Date;
}

/** A payout run: the plan, and for a real run what was created. */
export interface PayoutRun {
  readonly dryRun: boolean;
  readonly plan: PayoutPlan;
  /** One id per planned payout, in plan order; null on a dry run. */
  readonly ids: readonly (string | null)[];
  readonly batchId: string | null;
  readonly files: readonly string[];
  /** What would stop the real run (a dry run only): e.g. the SEPA debtor is not configured. */
  readonly warnings: readonly string[];
}

/** Checks the minimums the operator typed; bad values are usage errors (exit 2). */
export function payoutPolicy(options: Pick<PayoutOptions, 'asOf' | 'minMajor' | 'minByCurrency'>): PayoutPolicy {
  const defaultMinMajor = options.minMajor ?? '50';
  if (!/^\d{1,15}(\.\d{1,6})?$/.test(defaultMinMajor))
    throw usage(
      `must be an amount ≥ 0 in major units, like 50 or 25.50; got ${JSON.stringify(defaultMinMajor)}`,
      'minMajor',
    );
  const minByCurrency: Record<string, string> = {};
  for (const [code, amount] of Object.entries(options.minByCurrency ?? {}))
    minByCurrency[parseMinimum(code, amount, 'minByCurrency').currency] = amount.trim();
  return { defaultMinMajor, minByCurrency, asOf: options.asOf };
}

/** The policy with the operator's stored minimums under the flags: `--min-currency` wins. */
async function withStoredMinimums(
  db: Kysely<Database> | Transaction<Database>,
  policy: PayoutPolicy,
): Promise<PayoutPolicy> {
  return { ...policy, minByCurrency: { ...(await storedMinimums(db)), ...policy.minByCurrency } };
}

function plan(candidates: readonly PayoutCandidate[], policy: PayoutPolicy): PayoutPlan {
  try {
    return planPayouts(candidates, policy);
  } catch (err) {
    // "--min 50.5" cannot apply to JPY, which has no decimals.
    if (err instanceof RangeError || (err as Error).name === 'MoneyFormatError')
      throw usage(`${(err as Error).message}; set that currency's minimum with --min-currency CODE=AMOUNT`);
    throw err;
  }
}

/**
 * `payout`: pays every available balance ≥ its currency's minimum. Balances are re-read inside
 * one transaction under the ledger lock, which also creates the batch, the payouts, their ledger
 * debits and `payout.created` notifications, so two concurrent runs never pay twice. The payment
 * files are written beside it (as `.partial`, renamed once committed). A dry run plans the same
 * way and writes nothing.
 */
export async function payout(db: Kysely<Database>, options: PayoutOptions): Promise<PayoutRun> {
  const policy = payoutPolicy(options);
  if (options.dryRun) {
    const p = plan(await payableBalances(db), await withStoredMinimums(db, policy));
    return {
      dryRun: true,
      plan: p,
      ids: p.payouts.map(() => null),
      batchId: null,
      files: [],
      warnings: debtorProblems(p, options.sepaDebtor),
    };
  }
  const staged: string[] = [];
  let run: PayoutRun;
  try {
    run = await db.transaction().execute(async (trx) => {
      await lockLedger(trx);
      const p = plan(await payableBalances(trx), await withStoredMinimums(trx, policy));
      if (p.payouts.length === 0) return { dryRun: false, plan: p, ids: [], batchId: null, files: [], warnings: [] };
      return applyPlan(trx, p, options, staged);
    });
  } catch (err) {
    await Promise.all(staged.map((path) => rm(`${path}.partial`, { force: true })));
    throw err;
  }
  try {
    for (const path of staged) await rename(`${path}.partial`, path);
  } catch (err) {
    // The payouts are committed: say where their files are rather than lose them.
    throw new TracknowError(
      'internal',
      `payout batch ${run.batchId} is recorded, but its files stay as ${staged.map((p) => `${p}.partial`).join(', ')}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return run;
}

function debtorProblems(p: PayoutPlan, debtor: SepaDebtorConfig): string[] {
  if (!p.payouts.some((x) => x.method === 'sepa')) return [];
  try {
    requireSepaDebtor(debtor);
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

const CHUNK = 1000;

async function applyPlan(
  trx: Transaction<Database>,
  p: PayoutPlan,
  options: PayoutOptions,
  staged: string[],
): Promise<PayoutRun> {
  const now = options.now ?? new Date();
  const batchId = randomUUID();
  const ids = p.payouts.map(() => randomUUID());
  const files = paymentFiles(p, ids, batchId, now, options.sepaDebtor).map((f) => ({
    ...f,
    path: join(resolve(options.outDir), f.name),
  }));
  // Everything that can fail without the database (debtor, IBANs, the folder) fails before any write.
  await mkdir(resolve(options.outDir), { recursive: true });
  for (const f of files) {
    staged.push(f.path);
    await writeFile(`${f.path}.partial`, f.content, { flag: 'wx' });
  }
  const paths = files.map((f) => f.path);
  await trx
    .insertInto('payout_batches')
    .values({ id: batchId, as_of: options.asOf, files: JSON.stringify(paths) })
    .execute();
  const rows = p.payouts.map((x, i) => ({ ...x, id: ids[i] as string }));
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await trx
      .insertInto('payouts')
      .values(
        chunk.map((x) => ({
          id: x.id,
          batch_id: batchId,
          influencer_id: x.influencerId,
          currency: x.currency,
          amount_minor: x.amountMinor,
          method: x.method,
          reference: payoutReference(x.id),
        })),
      )
      .execute();
    await trx
      .insertInto('ledger_entries')
      .values(
        chunk.map((x) => ({
          influencer_id: x.influencerId,
          currency: x.currency,
          amount_minor: -x.amountMinor,
          kind: 'payout' as const,
          payout_id: x.id,
        })),
      )
      .execute();
    const payload = (x: (typeof chunk)[number]) =>
      JSON.stringify({
        payout_id: x.id,
        batch_id: batchId,
        influencer_id: x.influencerId,
        currency: x.currency,
        amount: formatMajor(x.amountMinor, x.currency),
        method: x.method,
        reference: payoutReference(x.id),
        as_of: options.asOf.toISOString(),
      });
    await trx
      .insertInto('notifications')
      .values(
        chunk.map((x) => ({
          id: randomUUID(),
          event: 'payout.created' as const,
          influencer_id: x.influencerId,
          subject_id: x.id,
          payload: payload(x),
        })),
      )
      .execute();
  }
  return { dryRun: false, plan: p, ids, batchId, files: paths, warnings: [] };
}

/** The CSV of every payout and, when some go by SEPA, the pain.001 file; built before anything is written. */
function paymentFiles(
  p: PayoutPlan,
  ids: readonly string[],
  batchId: string,
  now: Date,
  debtor: SepaDebtorConfig,
): { name: string; content: string }[] {
  const stem = `payouts-${now.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z-${batchId.slice(0, 8)}`;
  const withIds = p.payouts.map((x, i) => ({ ...x, id: ids[i] as string }));
  const csv = buildPayoutCsv(
    withIds.map((x) => ({
      payoutId: x.id,
      influencerId: x.influencerId,
      name: x.payee.name,
      email: x.payee.email,
      paypalEmail: x.payee.paypalEmail,
      iban: x.payee.iban,
      bic: x.payee.bic,
      currency: x.currency,
      amountMinor: x.amountMinor,
      method: x.method,
    })),
  );
  const files = [{ name: `${stem}.csv`, content: csv }];
  const paypal = withIds.filter((x) => x.method === 'paypal' && x.payee.paypalEmail);
  const batches = buildPaypalBatches(
    paypal.map((x) => ({
      paypalEmail: x.payee.paypalEmail as string,
      currency: x.currency,
      amountMinor: x.amountMinor,
      reference: payoutReference(x.id),
    })),
  );
  for (const b of batches)
    files.push({ name: `${stem}.paypal-${b.currency}${b.part > 1 ? `-${b.part}` : ''}.csv`, content: b.content });
  const sepa = withIds.filter((x) => x.method === 'sepa');
  if (sepa.length === 0) return files;
  try {
    requireSepaDebtor(debtor);
  } catch (err) {
    throw new TracknowError(
      'invalid',
      `${sepa.length} payout(s) go by SEPA transfer: ${(err as Error).message}. Nothing was paid or written.`,
      { cause: err },
    );
  }
  const transfers = sepa.map((x) => ({
    endToEndId: payoutReference(x.id),
    amountMinor: x.amountMinor,
    creditorName: x.payee.name,
    creditorIban: x.payee.iban as string,
    creditorBic: x.payee.bic,
    remittance: `Commission payout ${payoutReference(x.id)}`,
  }));
  files.push({
    name: `${stem}.sepa.xml`,
    content: buildPain001({ messageId: batchId, createdAt: now, debtor, transfers }),
  });
  return files;
}

/** The `payout --json` document: the contract's fields, then the totals, the skipped balances and the files. */
export function payoutJson(run: PayoutRun) {
  const { plan: p } = run;
  return {
    payouts: p.payouts.map((x, i) => ({
      id: run.ids[i] ?? null,
      influencer_id: x.influencerId,
      currency: x.currency,
      amount: formatMajor(x.amountMinor, x.currency),
      method: x.method,
    })),
    dry_run: run.dryRun,
    totals: p.totals.map((t) => ({
      currency: t.currency,
      count: t.count,
      amount: formatMajor(t.amountMinor, t.currency),
    })),
    skipped: p.skipped.map((s) => ({
      influencer_id: s.influencerId,
      currency: s.currency,
      amount: formatMajor(s.amountMinor, s.currency),
      reason: s.reason,
    })),
    files: [...run.files],
  };
}
