import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { BIN } from '../../helpers/cli.js';

/** Runs one SQL script (several statements) and returns the first statement's rows. */
export type Sql = <T = Record<string, unknown>>(text: string) => Promise<T[]>;

/** A spawned cron command (`validate`, `payout`) that a test can kill at the moment it chooses. */
export interface CronRun {
  readonly pid: number;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function spawnCron(args: string[], env: Record<string, string>): CronRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { pid: child.pid!, done };
}

export const MERCHANT = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const INFLUENCER = (n: number) => `00000000-0000-4000-9000-${n.toString(16).padStart(12, '0')}`;

/**
 * `influencers` payees (PayPal; every 4th also has an IBAN, so SEPA files are written too) and
 * one EUR merchant at 15% with a 14-day hold. The same on PostgreSQL and PGlite.
 */
export function seedPayeesSql(influencers: number): string {
  return `
    insert into merchants (id, name, currency) values ('${MERCHANT(1)}', 'Cron', 'EUR');
    insert into influencers (id, name, paypal_email, iban, bic)
    select ('00000000-0000-4000-9000-' || lpad(to_hex(g), 12, '0'))::uuid, 'Influencer ' || g, 'payee' || g || '@example.com',
           case when g % 4 = 0 then 'DE89370400440532013000' end, case when g % 4 = 0 then 'COBADEFFXXX' end
      from generate_series(1, ${influencers}) g;`;
}

/**
 * `n` pending, paid, attributed sales (order ids `${prefix}1…`), all past their hold at `now`,
 * commissions of `commissionFrom` to `commissionFrom` + 749 minor units (15.00–22.49 EUR by default)
 * spread over the influencers — as `bench/validate.ts` seeds them.
 */
export function seedSalesSql(n: number, influencers: number, prefix: string, commissionFrom = 1500): string {
  return `
    insert into sales (id, merchant_id, platform, external_order_id, status, order_status, influencer_id, attribution_method,
        attribution_value, currency, base_minor, total_minor, commission_rate_ppm, commission_minor, ordered_at, last_event_at)
    select gen_random_uuid(), '${MERCHANT(1)}', 'shopify', '${prefix}' || g, 'pending', 'paid',
        ('00000000-0000-4000-9000-' || lpad(to_hex(1 + g % ${influencers}), 12, '0'))::uuid, 'promo_code', 'CRON',
        'EUR', 10000 + g % 5000, 10000 + g % 5000, 150000, ${commissionFrom} + g % 750, now() - interval '30 days' + g * (864000.0 / ${n}) * interval '1 second', now() - interval '30 days'
      from generate_series(1, ${n}) g;
    analyze;`;
}

export interface LedgerState {
  readonly sales: number;
  readonly pending: number;
  readonly validated: number;
  /** Credits, and sales with more than one credit. */
  readonly credits: number;
  readonly doubleCredits: number;
  /** Validated sales with a commission but no credit, and credits of sales that are not validated. */
  readonly uncredited: number;
  readonly strayCredits: number;
  /** Validated commission and credited amount, in minor units. */
  readonly validatedMinor: string;
  readonly creditedMinor: string;
  readonly payouts: number;
  readonly batches: number;
  /** Influencer-currencies paid more than once in one batch, payouts without exactly one matching debit. */
  readonly doublePaid: number;
  readonly unmatchedDebits: number;
  /** Σ payouts, Σ payout debits (negative), and what stays available in total. */
  readonly paidMinor: string;
  readonly debitedMinor: string;
  readonly availableMinor: string;
  /** Influencer-currencies whose balance is negative (paid more than earned). */
  readonly overdrawn: number;
}

/** Everything the ledger invariants are checked on, in one read. */
export async function ledgerState(sql: Sql): Promise<LedgerState> {
  // Fresh statistics: right after a 100k-row validate the planner would nest-loop through every sale.
  await sql('analyze sales, ledger_entries, payouts');
  const [row] = await sql<Record<string, string | number>>(`
    select
      (select count(*) from sales)::int as sales,
      (select count(*) from sales where status = 'pending')::int as pending,
      (select count(*) from sales where status = 'validated')::int as validated,
      (select count(*) from ledger_entries where kind = 'credit')::int as credits,
      (select count(*) from (select sale_id from ledger_entries where kind = 'credit' group by sale_id having count(*) > 1) d)::int as "doubleCredits",
      (select count(*) from sales s where s.status = 'validated' and s.commission_minor > 0
          and not exists (select 1 from ledger_entries l where l.sale_id = s.id and l.kind = 'credit'))::int as uncredited,
      (select count(*) from ledger_entries l join sales s on s.id = l.sale_id where l.kind = 'credit' and s.status <> 'validated')::int as "strayCredits",
      (select coalesce(sum(commission_minor), 0) from sales where status = 'validated')::text as "validatedMinor",
      (select coalesce(sum(amount_minor), 0) from ledger_entries where kind = 'credit')::text as "creditedMinor",
      (select count(*) from payouts)::int as payouts,
      (select count(*) from payout_batches)::int as batches,
      (select count(*) from (select 1 from payouts group by batch_id, influencer_id, currency having count(*) > 1) d)::int as "doublePaid",
      (select count(*) from payouts p where (select count(*) from ledger_entries l where l.payout_id = p.id and l.kind = 'payout' and l.amount_minor = -p.amount_minor) <> 1)::int as "unmatchedDebits",
      (select coalesce(sum(amount_minor), 0) from payouts)::text as "paidMinor",
      (select coalesce(sum(amount_minor), 0) from ledger_entries where kind = 'payout')::text as "debitedMinor",
      (select coalesce(sum(amount_minor), 0) from ledger_entries)::text as "availableMinor",
      (select count(*) from (select 1 from ledger_entries group by influencer_id, currency having sum(amount_minor) < 0) d)::int as overdrawn`);
  const r = row!;
  const n = (k: string) => Number(r[k]);
  const s = (k: string) => String(r[k]);
  return {
    sales: n('sales'),
    pending: n('pending'),
    validated: n('validated'),
    credits: n('credits'),
    doubleCredits: n('doubleCredits'),
    uncredited: n('uncredited'),
    strayCredits: n('strayCredits'),
    validatedMinor: s('validatedMinor'),
    creditedMinor: s('creditedMinor'),
    payouts: n('payouts'),
    batches: n('batches'),
    doublePaid: n('doublePaid'),
    unmatchedDebits: n('unmatchedDebits'),
    paidMinor: s('paidMinor'),
    debitedMinor: s('debitedMinor'),
    availableMinor: s('availableMinor'),
    overdrawn: n('overdrawn'),
  };
}

/** Balances at or over `minMinor` that a payout run should pay: (influencer, amount). */
export async function payable(sql: Sql, minMinor: number): Promise<Map<string, string>> {
  const rows = await sql<{ influencer_id: string; amount: string }>(
    `select influencer_id, sum(amount_minor)::text as amount from ledger_entries group by influencer_id, currency having sum(amount_minor) >= ${minMinor}`,
  );
  return new Map(rows.map((r) => [r.influencer_id, r.amount]));
}

/**
 * SIGKILLs `run` as soon as `ready()` says so (polled); false when the run ended on its own first,
 * i.e. it finished before the moment the test wanted to interrupt it.
 */
export async function killWhen(run: CronRun, ready: () => Promise<boolean> | boolean, pollMs = 15): Promise<boolean> {
  let ended = false;
  void run.done.then(() => (ended = true));
  while (!ended) {
    if (
      await Promise.resolve()
        .then(ready)
        .catch(() => false)
    ) {
      if (ended) return false;
      process.kill(run.pid, 'SIGKILL');
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return false;
}

/** Bytes the process has passed to write(2) so far (PGlite's WAL and data files are plain files). */
export function bytesWritten(pid: number): number {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return Number(/^wchar:\s*(\d+)/m.exec(io)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The ledger invariants that hold after any run, finished, killed or failed. */
export function expectConsistent(s: LedgerState): void {
  expect({
    doubleCredits: s.doubleCredits,
    uncredited: s.uncredited,
    strayCredits: s.strayCredits,
    doublePaid: s.doublePaid,
    unmatchedDebits: s.unmatchedDebits,
    overdrawn: s.overdrawn,
  }).toEqual({
    doubleCredits: 0,
    uncredited: 0,
    strayCredits: 0,
    doublePaid: 0,
    unmatchedDebits: 0,
    overdrawn: 0,
  });
  expect(s.credits).toBe(s.validated);
  expect(s.creditedMinor).toBe(s.validatedMinor);
  expect(BigInt(s.debitedMinor)).toBe(-BigInt(s.paidMinor));
  expect(BigInt(s.availableMinor)).toBe(BigInt(s.creditedMinor) + BigInt(s.debitedMinor));
}
