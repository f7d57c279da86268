import { describe, expect, inject, it } from 'vitest';
import { createCliTarget } from '../helpers/db.js';
import { runCycle } from './helpers/load-cycle.js';
import { describeSend } from './helpers/webhook-load.js';
import { recordFault } from './report.js';

// Two listeners on one database taking the load at once (some deliveries sent to both at the
// same moment, redeliveries landing on either), and two cron hosts: validate over and over while
// the load arrives, then two validates and two Friday payouts at the same moment.
describe.skipIf(!inject('pgTemplate'))('two of everything [postgres]', () => {
  it('keeps exactly-once: no double sale, credit or payout', async () => {
    const target = await createCliTarget('postgres');
    try {
      const r = await runCycle({
        target,
        load: { seed: 4242, orders: 600, deliveries: 3000, redeliveryShare: 0.2 },
        listeners: 2,
        // Every 6th job goes to both listeners at once; the rest alternate.
        route: (_d, n) => (n % 6 === 0 ? [0, 1] : [n % 2]),
        cronHosts: 2,
        concurrency: 32,
        // Both cron hosts also run validate over and over while the listeners take the load.
        validateDuringLoad: true,
      });
      const perListener = [0, 1].map(
        (l) => [...r.phase1.acks.values()].filter((acks) => acks.some((a) => a.listener === l)).length,
      );
      const both = [...r.phase1.acks.values()].filter((acks) => new Set(acks.map((a) => a.listener)).size === 2).length;
      const busyRuns = (runs: typeof r.validate, field: 'validated' | 'payouts') =>
        runs.filter(
          (x) => x.code === 0 && (field === 'validated' ? x.json().validated > 0 : x.json().payouts.length > 0),
        ).length;
      recordFault({
        section: 'faults',
        check: 'two listeners + two cron hosts on one database',
        backend: 'postgres',
        tried: r.tried,
        held: r.held,
        lost: r.verdict.lost,
        note: `${both} deliveries acked by both listeners; ${r.validate.length} validate runs (${busyRuns(r.validate, 'validated')} did work, ${r.verdict.validatedFirst} sales validated before a cancel/refund), payout ${busyRuns(r.payout, 'payouts')}/2; ${describeSend(r.phase1)}`,
      });
      expect(perListener.every((n) => n > 0)).toBe(true);
      expect(both).toBeGreaterThan(0);
      expect(r.validate.length).toBeGreaterThanOrEqual(4);
      expect(r.payout).toHaveLength(2);
      expect(r.problems).toEqual([]);
      expect(r.verdict.lost).toBe(0);
      expect(r.held).toBe(r.tried);
    } finally {
      await target.cleanup();
    }
  });
});
