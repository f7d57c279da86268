/**
 * Cron jobs interrupted (issue #9), on a private PostgreSQL cluster: `tracknow validate` and
 * `tracknow payout` are SIGKILLed mid-run, then the database is stopped and crashed under them.
 * Each run is one transaction under the ledger lock, so an interrupted run must leave nothing
 * behind and exit non-zero, and the next run must finish the work: every due sale validated once
 * with exactly one credit, every balance paid once, the ledger summing to what was validated.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { recordFault } from './report.js';
import {
  expectConsistent,
  killWhen,
  ledgerState,
  payable,
  seedPayeesSql,
  seedSalesSql,
  spawnCron,
  type LedgerState,
  type Sql,
} from './helpers/cron-jobs.js';
import { createPrivatePg, privatePgAvailable, type PrivatePg } from './helpers/private-pg.js';

/** More than one validate batch (100,000 sales per statement), so a kill can land after the first. */
const SALES = 120_000;
/** Due for the run the database is stopped under: one batch is enough; 3 sales of ≥ 20.00 keep every balance payable. */
const MORE_SALES = 30_000;
const INFLUENCERS = 10_000;
const MIN_MINOR = 5000; // payout's default minimum, 50.00 EUR
const SEPA = {
  TRACKNOW_SEPA_DEBTOR_NAME: 'Glow Cosmetics GmbH',
  TRACKNOW_SEPA_DEBTOR_IBAN: 'DE02120300000000202051',
  TRACKNOW_SEPA_DEBTOR_BIC: 'BYLADEM1001',
};

describe('validate and payout interrupted [postgres, private cluster]', () => {
  let cluster: PrivatePg | undefined;
  let env: Record<string, string> = {};
  let out = '';
  let sql: Sql;

  beforeAll(async () => {
    if (!privatePgAvailable())
      throw new Error(
        'the interrupt test needs root and PostgreSQL binaries under /usr/lib/postgresql to run a private cluster',
      );
    cluster = await createPrivatePg();
    await cluster.start();
    const url = cluster.url;
    out = mkdtempSync(join(tmpdir(), 'tracknow-payouts-'));
    env = { DATABASE_URL: url, ...SEPA };
    // A connection per call: the cluster goes down and up under the test.
    sql = async <T>(text: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const res = (await client.query(text)) as pg.QueryResult | pg.QueryResult[];
        return (Array.isArray(res) ? res[0]!.rows : res.rows) as T[];
      } finally {
        await client.end();
      }
    };
    const migrated = await runCli(['migrate', '--json'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    await sql(seedPayeesSql(INFLUENCERS));
    await sql(seedSalesSql(SALES, INFLUENCERS, 'A'));
  });

  afterAll(async () => {
    await cluster?.destroy();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  /** The backend of the cron run, once it has started its second validate batch (the first is done, uncommitted). */
  const batchStarts = new Map<number, Set<number>>();
  async function secondBatchRunning(): Promise<number | undefined> {
    const [row] = await sql<{ pid: number; query_start: Date }>(
      `select pid, query_start from pg_stat_activity where state = 'active' and query like '%with batch as%' and pid <> pg_backend_pid()`,
    );
    if (!row) return undefined;
    const seen = (batchStarts.get(row.pid) ?? new Set<number>()).add(row.query_start.getTime());
    batchStarts.set(row.pid, seen);
    return seen.size >= 2 ? row.pid : undefined;
  }

  /** The backend of the cron run once a validate batch has been running for `ms` (mid-statement). */
  const batchRunningFor = (ms: number) => async () => {
    const [row] = await sql<{ pid: number }>(
      `select pid from pg_stat_activity where state = 'active' and query like '%with batch as%' and now() - query_start > interval '${ms} milliseconds' and pid <> pg_backend_pid()`,
    );
    return row?.pid;
  };

  /** The payout run's backend once it holds the ledger lock and has written (its transaction has an id). */
  async function payoutWriting(): Promise<number | undefined> {
    const rows = await sql<{ pid: number }>(
      `select a.pid from pg_stat_activity a join pg_locks l on l.pid = a.pid and l.locktype = 'advisory' and l.granted
        where a.backend_xid is not null and a.pid <> pg_backend_pid()`,
    );
    return rows[0]?.pid;
  }

  /** Waits until the server has finished with a killed client's backend (and rolled it back). */
  async function backendGone(pid: number): Promise<void> {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
      if ((await sql(`select 1 from pg_stat_activity where pid = ${pid}`)).length === 0) return;
    }
    throw new Error(`backend ${pid} still running a minute after its client was killed`);
  }

  /** Validated sales with exactly one credit. */
  const heldSales = (s: LedgerState) => Math.max(0, s.validated - s.uncredited - s.doubleCredits - s.strayCredits);

  test('validate SIGKILLed after its first batch: nothing half-done, the re-run credits every sale once', async () => {
    const asOf = new Date().toISOString();
    const run = spawnCron(['validate', '--json', '--as-of', asOf], env);
    let victim: number | undefined;
    const killed = await killWhen(run, async () => (victim = await secondBatchRunning()) !== undefined);
    const first = await run.done;
    expect(killed, `validate finished before its second batch: ${first.stdout}`).toBe(true);
    expect(first.signal).toBe('SIGKILL');
    await backendGone(victim!);
    // One transaction: the killed run's 100,000 validated sales rolled back whole.
    const after = await ledgerState(sql);
    expect({ validated: after.validated, credits: after.credits, pending: after.pending }).toEqual({
      validated: 0,
      credits: 0,
      pending: SALES,
    });

    const again = await runCli(['validate', '--json', '--as-of', asOf], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().validated).toBe(SALES);
    const nothing = await runCli(['validate', '--json', '--as-of', asOf], env);
    expect(nothing.json().validated).toBe(0);

    const s = await ledgerState(sql);
    recordFault({
      section: 'faults',
      check: 'validate killed -9 mid-run, re-run: each sale credited once',
      backend: 'postgres',
      tried: SALES,
      held: heldSales(s),
      lost: s.doubleCredits + s.uncredited + (SALES - s.validated),
      note: `killed in batch 2 of ${Math.ceil(SALES / 100_000)}; re-run validated ${again.json().validated}, a third run 0`,
    });
    expectConsistent(s);
    expect(s.validated).toBe(SALES);
    expect(s.pending).toBe(0);
  });

  test('payout SIGKILLed while writing: nothing paid, the re-run pays each balance once', async () => {
    const due = await payable(sql, MIN_MINOR);
    expect(due.size).toBe(INFLUENCERS);
    const asOf = new Date().toISOString();
    const run = spawnCron(['payout', '--json', '--as-of', asOf, '--out', out], env);
    let victim: number | undefined;
    const killed = await killWhen(run, async () => (victim = await payoutWriting()) !== undefined);
    const first = await run.done;
    expect(killed, `payout finished before it was interrupted: ${first.stderr}`).toBe(true);
    await backendGone(victim!);
    const after = await ledgerState(sql);
    expect({ payouts: after.payouts, batches: after.batches }).toEqual({ payouts: 0, batches: 0 });

    const again = await runCli(['payout', '--json', '--as-of', asOf, '--out', out], env);
    expect(again.code, again.stderr).toBe(0);
    const nothing = await runCli(['payout', '--json', '--as-of', asOf, '--out', out], env);
    expect(nothing.code, nothing.stderr).toBe(0);
    expect(nothing.json().payouts).toEqual([]);

    const paid = await sql<{ influencer_id: string; n: number; amount: string }>(
      `select influencer_id, count(*)::int as n, sum(amount_minor)::text as amount from payouts group by 1`,
    );
    const right = paid.filter((p) => p.n === 1 && due.get(p.influencer_id) === p.amount).length;
    const s = await ledgerState(sql);
    const files = readdirSync(out);
    recordFault({
      section: 'faults',
      check: 'payout killed -9 mid-run, re-run: each balance paid once',
      backend: 'postgres',
      tried: due.size,
      held: right,
      lost: paid.filter((p) => p.n > 1).length + (due.size - paid.length),
      note: `${again.json().payouts.length} payouts in 1 batch; ${files.filter((f) => f.endsWith('.partial')).length} .partial file(s) left by the killed run`,
    });
    expect(right).toBe(due.size);
    expect(paid.length).toBe(due.size);
    expect(s.batches).toBe(1);
    expect(s.availableMinor).toBe('0');
    expectConsistent(s);
    // The committed run's files are final; only the killed run's staged copies stay .partial.
    for (const f of again.json().files as string[]) expect(files).toContain(f.slice(out.length + 1));
  });

  test('validate while the database stops: exits 1 with one error line, the re-run after restart credits once', async () => {
    await sql(seedSalesSql(MORE_SALES, INFLUENCERS, 'B', 2000));
    const asOf = new Date().toISOString();
    const before = await ledgerState(sql);
    const run = spawnCron(['validate', '--json', '--as-of', asOf], env);
    const stopped = await killWhenStopped(run, batchRunningFor(200), 'fast');
    const first = await run.done;
    expect(stopped, `validate finished before the stop: ${first.stdout}`).toBe(true);
    const cleanFail =
      first.code === 1 &&
      first.stdout === '' &&
      /^error: .*database/m.test(first.stderr) &&
      !/\n\s+at /.test(first.stderr);
    await cluster!.start();
    const rolledBack = (await ledgerState(sql)).validated === before.validated;

    const again = await runCli(['validate', '--json', '--as-of', asOf], env);
    expect(again.code, again.stderr).toBe(0);
    const s = await ledgerState(sql);
    recordFault({
      section: 'faults',
      check: 'validate through a db stop: exit 1, re-run credits once',
      backend: 'postgres',
      tried: MORE_SALES,
      held: cleanFail && rolledBack ? heldSales(s) - before.validated : 0,
      lost: s.doubleCredits + s.uncredited + (SALES + MORE_SALES - s.validated),
      note: `interrupted run: exit ${first.code}, "${first.stderr.trim().split('\n').at(-1)?.slice(0, 90)}"`,
    });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^error: .*database/m);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect(rolledBack).toBe(true);
    expect(again.json().validated).toBe(MORE_SALES);
    expect(s.validated).toBe(SALES + MORE_SALES);
    expectConsistent(s);
  });

  test('payout while the database crashes: exits 1, the re-run after restart pays each balance once', async () => {
    const due = await payable(sql, MIN_MINOR);
    expect(due.size).toBe(INFLUENCERS);
    const before = await ledgerState(sql);
    const earlier = await sql<{ id: string }>(`select id from payout_batches`);
    const asOf = new Date().toISOString();
    const run = spawnCron(['payout', '--json', '--as-of', asOf, '--out', out], env);
    const crashed = await killWhenStopped(run, payoutWriting, 'immediate');
    const first = await run.done;
    expect(crashed, `payout finished before the crash: ${first.stderr}`).toBe(true);
    const cleanFail =
      first.code === 1 && first.stdout === '' && /^error: /m.test(first.stderr) && !/\n\s+at /.test(first.stderr);
    await cluster!.start();
    const mid = await ledgerState(sql);

    const again = await runCli(['payout', '--json', '--as-of', asOf, '--out', out], env);
    expect(again.code, again.stderr).toBe(0);
    const paid = await sql<{ influencer_id: string; n: number; amount: string }>(
      `select influencer_id, count(*)::int as n, sum(amount_minor)::text as amount from payouts where batch_id <> all('{${earlier.map((b) => b.id).join(',')}}'::uuid[]) group by 1`,
    );
    const right = paid.filter((p) => p.n === 1 && due.get(p.influencer_id) === p.amount).length;
    const s = await ledgerState(sql);
    recordFault({
      section: 'faults',
      check: 'payout through a db crash: exit 1, re-run pays once',
      backend: 'postgres',
      tried: due.size,
      held: cleanFail && mid.payouts === before.payouts ? right : 0,
      lost: paid.filter((p) => p.n > 1).length + (due.size - paid.length),
      note: `interrupted run: exit ${first.code}, "${first.stderr.trim().split('\n').at(-1)?.slice(0, 90)}"`,
    });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/^error: /m);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect(mid.payouts).toBe(before.payouts);
    expect(right).toBe(due.size);
    expect(s.batches).toBe(2);
    expect(s.availableMinor).toBe('0');
    expectConsistent(s);
  });

  /** Stops the cluster (not the run) once `ready` finds the run's backend; false if the run ended first. */
  async function killWhenStopped(
    run: ReturnType<typeof spawnCron>,
    ready: () => Promise<number | undefined>,
    mode: 'fast' | 'immediate',
  ): Promise<boolean> {
    let ended = false;
    void run.done.then(() => (ended = true));
    while (!ended) {
      if ((await ready().catch(() => undefined)) !== undefined) {
        await cluster!.stop(mode);
        return true;
      }
      await sleep(15);
    }
    return false;
  }
});
