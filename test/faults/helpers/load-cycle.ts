import { join } from 'node:path';
import { openPostgres } from '../../../src/store/connect.js';
import type { CliResult } from '../../helpers/cli.js';
import type { CliTarget } from '../../helpers/db.js';
import { spawnServe, type ServeProcess } from '../../helpers/serve-process.js';
import {
  checkCronOutput,
  checkPaymentFiles,
  LOAD_START,
  describeVerdict,
  heldDeliveries,
  payoutRuns,
  seedLoadWorld,
  validateRuns,
  verifyCycle,
  type Verdict,
} from './load-checks.js';
import {
  generateLoad,
  sendAll,
  type Delivery,
  type LoadPlan,
  type LoadSpec,
  type LoadWorld,
  type SendReport,
  type Sending,
} from './webhook-load.js';

/** What a test may do while phase 1 is being sent: kill a listener, start another. */
export interface CycleControl {
  readonly sending: Sending;
  /** The base URL of each listener; undefined while it is down (senders wait and retry). */
  readonly urls: (string | undefined)[];
  readonly serves: ServeProcess[];
  readonly env: Record<string, string>;
}

export interface CycleOptions {
  readonly target: CliTarget;
  readonly load: Omit<LoadSpec, 'world' | 'start'>;
  readonly listeners: number;
  /** The listener(s) each delivery goes to; two means both at the same moment. */
  readonly route: (d: Delivery, n: number) => readonly number[];
  /** Concurrent `validate`, then concurrent `payout` runs. */
  readonly cronHosts: number;
  readonly concurrency: number;
  readonly duringPhase1?: (ctl: CycleControl) => Promise<void>;
  /** Runs while phase 2 (the refunds after validation) is being sent. */
  readonly duringPhase2?: (ctl: CycleControl) => Promise<void>;
  /** The cron hosts also run `validate` over and over while phase 1 arrives. */
  readonly validateDuringLoad?: boolean;
}

export interface CycleResult {
  readonly world: LoadWorld;
  readonly plan: LoadPlan;
  readonly phase1: SendReport;
  readonly phase2: SendReport;
  readonly validate: readonly CliResult[];
  readonly payout: readonly CliResult[];
  readonly verdict: Verdict;
  /** Every problem found, for one readable assertion. */
  readonly problems: string[];
  /** Sends (a delivery to two listeners counts twice) plus cron runs. */
  readonly tried: number;
  readonly held: number;
}

/**
 * The whole cycle against spawned `tracknow serve` processes on one PostgreSQL database:
 * phase 1 (the load), `validate --as-of` after every hold, phase 2 (refunds after validation),
 * Friday's `payout`, then the listeners get SIGTERM and the database is compared with the model.
 */
export async function runCycle(options: CycleOptions): Promise<CycleResult> {
  const env = options.target.env;
  const store = await openPostgres(env.DATABASE_URL!, 2);
  let world: LoadWorld;
  try {
    world = await seedLoadWorld(store.db);
  } finally {
    await store.close();
  }
  const plan = generateLoad({ ...options.load, world, start: LOAD_START });
  const serves = await Promise.all(Array.from({ length: options.listeners }, () => spawnServe(env)));
  const urls: (string | undefined)[] = serves.map((s) => s.url);
  const problems: string[] = [];
  let loading = true;
  try {
    const jobs = (ds: readonly Delivery[]) => ds.map((d, n) => ({ delivery: d, to: options.route(d, n) }));
    const sending = sendAll(jobs(plan.phase1), { listeners: () => urls, concurrency: options.concurrency });
    const racing: CliResult[] = [];
    const race = async () => {
      while (loading) racing.push(...(await validateRuns(env, 1)));
    };
    const [phase1] = await Promise.all([
      sending.done.finally(() => (loading = false)),
      options.duringPhase1?.({ sending, urls, serves, env }),
      ...(options.validateDuringLoad ? Array.from({ length: options.cronHosts }, race) : []),
    ]);
    const validate = [...racing, ...(await validateRuns(env, options.cronHosts))];
    const sending2 = sendAll(jobs(plan.phase2), { listeners: () => urls, concurrency: options.concurrency });
    const [phase2] = await Promise.all([
      sending2.done,
      options.duringPhase2?.({ sending: sending2, urls, serves, env }),
    ]);
    const outDir = join(options.target.home, 'payouts');
    const payout = await payoutRuns(env, options.cronHosts, outDir);
    for (const [i, s] of serves.entries()) {
      const { code } = await s.stop();
      if (code !== 0) problems.push(`listener ${i} exited ${code} on SIGTERM`);
    }
    for (const r of [phase1, phase2]) {
      for (const x of r.rejected.slice(0, 5)) problems.push(`delivery ${x.seq} answered ${x.status}: ${x.body}`);
      if (r.gaveUp.length) problems.push(`${r.gaveUp.length} deliveries never acknowledged`);
    }
    // Exactly once at the API too: one answer per delivery that is not `duplicate` (none lost
    // when a listener was killed between its commit and its answer, but never two).
    const killed = options.duringPhase1 !== undefined || options.duringPhase2 !== undefined;
    const fresh = new Map<number, number>();
    for (const r of [phase1, phase2])
      for (const [seq, acks] of r.acks)
        fresh.set(seq, (fresh.get(seq) ?? 0) + acks.filter((a) => a.outcome !== 'duplicate').length);
    const twice = [...fresh.values()].filter((n) => n > 1).length;
    const never = plan.unique.filter((d) => (fresh.get(d.seq) ?? 0) === 0).length;
    if (twice > 0) problems.push(`${twice} deliveries answered as new more than once`);
    if (!killed && never > 0) problems.push(`${never} deliveries never answered as new (only as duplicates)`);
    const raced = options.validateDuringLoad === true;
    const verdict = await verifyCycle(env.DATABASE_URL!, world, plan, [phase1, phase2], { raced });
    const cron = [
      ...(await checkCronOutput(env.DATABASE_URL!, plan, validate, payout, raced)),
      ...(await checkPaymentFiles(outDir, env.DATABASE_URL!)),
    ];
    problems.push(...describeVerdict(verdict, plan), ...cron);
    const runs = validate.length + payout.length;
    const sends = phase1.sends + phase2.sends;
    const runsHeld = cron.length === 0 ? runs : [...validate, ...payout].filter((r) => r.code === 0).length - 1;
    return {
      world,
      plan,
      phase1,
      phase2,
      validate,
      payout,
      verdict,
      problems,
      tried: sends + runs,
      held: heldDeliveries(plan, verdict, [phase1, phase2], sends) + Math.max(0, runsHeld),
    };
  } finally {
    loading = false;
    // A listener a test killed, or one left by a failure: never leave a process behind.
    await Promise.all(serves.map((s) => s.stop().catch(() => undefined)));
  }
}

/**
 * `kill -9` of listener `index` once `acks` sends are acknowledged (with requests in flight),
 * then a new `serve` on the same database; the senders keep retrying the dead address meanwhile.
 * Returns the killed URL, or undefined when the load finished first.
 */
export async function killAndRestart(ctl: CycleControl, index: number, acks: number): Promise<string | undefined> {
  const reached = await Promise.race([
    ctl.sending.whenAcked(acks).then(() => true),
    ctl.sending.done.then(() => false),
  ]);
  if (!reached) return undefined;
  const victim = ctl.serves[index]!;
  const url = ctl.urls[index];
  process.kill(victim.pid, 'SIGKILL');
  await victim.stop();
  const next = await spawnServe(ctl.env);
  ctl.serves[index] = next;
  ctl.urls[index] = next.url;
  return url;
}
