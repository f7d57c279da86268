/**
 * Cron jobs interrupted on the embedded store (issue #9): `tracknow validate` and `tracknow payout`
 * SIGKILLed in the middle of writing, with no `serve` around. The killed process leaves its
 * `db.lock` behind and PGlite's files mid-transaction; the next command must take the stale lock
 * over (not wait it out), recover the store, and finish the work exactly once.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { PGLITE_PARSERS } from '../../src/store/connect.js';
import { runCli } from '../helpers/cli.js';
import { get } from '../helpers/http.js';
import { spawnServe } from '../helpers/serve-process.js';
import { recordFault } from './report.js';
import {
  bytesWritten,
  expectConsistent,
  killWhen,
  ledgerState,
  payable,
  seedPayeesSql,
  seedSalesSql,
  spawnCron,
  type Sql,
} from './helpers/cron-jobs.js';

const SALES = 30_000;
/** Due when validate runs through the store `serve` shares (a third batch of sales). */
const SHARED_SALES = 12_000;
const INFLUENCERS = 4000; // 7-8 sales each: every balance is over the 50.00 minimum
const MIN_MINOR = 5000;
/** PGlite writes its WAL as the UPDATE runs (~2.5 MB per 1,000 sales): past this the run is mid-statement, long before its commit. */
const MID_VALIDATE_BYTES = 8 * 2 ** 20;
const SEPA = {
  TRACKNOW_SEPA_DEBTOR_NAME: 'Glow Cosmetics GmbH',
  TRACKNOW_SEPA_DEBTOR_IBAN: 'DE02120300000000202051',
  TRACKNOW_SEPA_DEBTOR_BIC: 'BYLADEM1001',
};

describe('validate and payout interrupted [pglite, embedded store]', () => {
  let home = '';
  let out = '';
  let env: Record<string, string> = {};

  /** Opens the store in this process (only while no command runs), as the CLI would after a crash. */
  async function withStore<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(join(home, 'db'), { parsers: PGLITE_PARSERS });
    try {
      return await fn(async <R>(text: string) => ((await db.exec(text))[0]?.rows ?? []) as R[]);
    } finally {
      await db.close();
    }
  }

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'tracknow-interrupt-'));
    home = join(root, 'home');
    out = join(root, 'payouts');
    cpSync(inject('pgliteHome'), home, { recursive: true });
    // A short lock wait: a stale lock that is not taken over fails fast instead of waiting 15 s.
    env = { DATABASE_URL: '', TRACKNOW_HOME: home, TRACKNOW_LOCK_TIMEOUT_MS: '3000', ...SEPA };
    await withStore(async (sql) => {
      await sql(seedPayeesSql(INFLUENCERS));
      await sql(seedSalesSql(SALES, INFLUENCERS, 'P'));
    });
  });

  afterAll(() => {
    if (home) rmSync(join(home, '..'), { recursive: true, force: true });
  });

  /** The killed process's lock is still there, naming a process that no longer exists. */
  function staleLock(pid: number): boolean {
    const lock = join(home, 'db.lock');
    return existsSync(lock) && (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid === pid;
  }

  test('validate SIGKILLed mid-statement: the next run takes the stale lock over and credits every sale once', async () => {
    const asOf = new Date().toISOString();
    const run = spawnCron(['validate', '--json', '--as-of', asOf], env);
    const killed = await killWhen(run, () => bytesWritten(run.pid) > MID_VALIDATE_BYTES);
    const first = await run.done;
    expect(killed, `validate finished before it was interrupted: ${first.stdout}`).toBe(true);
    expect(staleLock(run.pid)).toBe(true);

    // The re-run recovers the store and finds every sale still due: the killed run left nothing half-done.
    const again = await runCli(['validate', '--json', '--as-of', asOf], env);
    expect(again.code, again.stderr).toBe(0);
    const s = await withStore(ledgerState);
    const held = Math.max(0, s.validated - s.uncredited - s.doubleCredits - s.strayCredits);
    recordFault({
      section: 'faults',
      check: 'validate killed -9 mid-run, re-run: each sale credited once',
      backend: 'pglite',
      tried: SALES,
      held: again.json().validated === SALES ? held : 0,
      lost: s.doubleCredits + s.uncredited + (SALES - s.validated),
      note: `killed after ${Math.round(MID_VALIDATE_BYTES / 2 ** 20)} MB of WAL; stale db.lock taken over; re-run validated ${again.json().validated}`,
    });
    expect(again.json().validated).toBe(SALES);
    expectConsistent(s);
    expect(s.validated).toBe(SALES);
  });

  test('payout SIGKILLed while writing: nothing paid, the re-run pays each balance once', async () => {
    const due = await withStore((sql) => payable(sql, MIN_MINOR));
    expect(due.size).toBe(INFLUENCERS);
    const asOf = new Date().toISOString();
    const run = spawnCron(['payout', '--json', '--as-of', asOf, '--out', out], env);
    // The run writes its files as .partial inside its transaction, then the rows: kill once those have begun.
    let base = -1;
    const killed = await killWhen(run, () => {
      const staged = existsSync(out) && readdirSync(out).some((f) => f.endsWith('.partial'));
      if (staged && base < 0) base = bytesWritten(run.pid);
      return staged && bytesWritten(run.pid) > base + 256 * 1024;
    });
    const first = await run.done;
    expect(killed, `payout finished before it was interrupted: ${first.stderr}`).toBe(true);
    expect(staleLock(run.pid)).toBe(true);

    // The re-run still finds every balance due (the killed run paid nothing) and pays it.
    const again = await runCli(['payout', '--json', '--as-of', asOf, '--out', out], env);
    expect(again.code, again.stderr).toBe(0);
    const { s, paid } = await withStore(async (sql) => ({
      s: await ledgerState(sql),
      paid: await sql<{ influencer_id: string; n: number; amount: string }>(
        `select influencer_id, count(*)::int as n, sum(amount_minor)::text as amount from payouts group by 1`,
      ),
    }));
    const right = paid.filter((p) => p.n === 1 && due.get(p.influencer_id) === p.amount).length;
    recordFault({
      section: 'faults',
      check: 'payout killed -9 mid-run, re-run: each balance paid once',
      backend: 'pglite',
      tried: due.size,
      held: again.json().payouts.length === due.size ? right : 0,
      lost: paid.filter((p) => p.n > 1).length + (due.size - paid.length),
      note: `stale db.lock taken over; ${again.json().payouts.length} payouts in 1 batch; ${readdirSync(out).filter((f) => f.endsWith('.partial')).length} .partial file(s) left`,
    });
    expect(again.json().payouts.length).toBe(due.size);
    expect(right).toBe(due.size);
    expect(s.batches).toBe(1);
    expect(s.availableMinor).toBe('0');
    expectConsistent(s);
  });

  test('validate SIGKILLed while connected through the store serve shares: serve rolls it back and keeps answering', async () => {
    await withStore((sql) => sql(seedSalesSql(SHARED_SALES, INFLUENCERS, 'Q')));
    const before = await withStore(ledgerState);
    const serve = await spawnServe(env);
    try {
      const asOf = new Date().toISOString();
      const run = spawnCron(['validate', '--json', '--as-of', asOf], env);
      // PGlite runs inside serve: its WAL writes show the remote UPDATE under way.
      const base = bytesWritten(serve.pid);
      const killed = await killWhen(run, () => bytesWritten(serve.pid) > base + MID_VALIDATE_BYTES);
      const first = await run.done;
      expect(killed, `validate finished before it was interrupted: ${first.stdout}`).toBe(true);
      // The dead client's transaction must not keep PGlite's one session: /healthz answers again.
      let healthy = false;
      for (const deadline = Date.now() + 60_000; !healthy && Date.now() < deadline;) {
        healthy = (await get(`${serve.url}/healthz`).catch(() => ({ status: 0 }))).status === 200;
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const again = await runCli(['validate', '--json', '--as-of', asOf], env);
      expect(again.code, again.stderr).toBe(0);
      const stopped = await serve.stop();
      expect(stopped.code).toBe(0);
      const s = await withStore(ledgerState);
      const held = Math.max(0, s.validated - s.uncredited - s.doubleCredits - s.strayCredits - before.validated);
      recordFault({
        section: 'faults',
        check: "validate killed -9 mid-run through serve's shared store, re-run",
        backend: 'pglite',
        tried: SHARED_SALES,
        held: healthy && again.json().validated === SHARED_SALES ? held : 0,
        lost: s.doubleCredits + s.uncredited + (before.validated + SHARED_SALES - s.validated),
        note: `serve kept running and healthy; re-run through its socket validated ${again.json().validated}`,
      });
      expect(healthy).toBe(true);
      expect(again.json().validated).toBe(SHARED_SALES);
      expect(s.validated).toBe(before.validated + SHARED_SALES);
      expectConsistent(s);
    } finally {
      await serve.stop();
    }
  });
});
