import { describe, expect, inject, it } from 'vitest';
import { createCliTarget } from '../helpers/db.js';
import { killAndRestart, runCycle } from './helpers/load-cycle.js';
import { describeSend } from './helpers/webhook-load.js';
import { recordFault } from './report.js';

// kill -9 of the listener in the middle of the load (at a third and at two thirds of it) and
// once more while the refunds after validation write reversals; a new `serve` on the same
// database each time; the senders retry whatever was not answered 200, as the platforms do.
describe.skipIf(!inject('pgTemplate'))('crash of the listener under load [postgres]', () => {
  it('loses no acknowledged event and ends as a clean run would, with nothing half-written', async () => {
    const target = await createCliTarget('postgres');
    const killed: (string | undefined)[] = [];
    try {
      const r = await runCycle({
        target,
        load: { seed: 777, orders: 600, deliveries: 3000, redeliveryShare: 0.2 },
        listeners: 1,
        route: () => [0],
        cronHosts: 1,
        concurrency: 32,
        async duringPhase1(ctl) {
          killed.push(await killAndRestart(ctl, 0, 1000));
          killed.push(await killAndRestart(ctl, 0, 2000));
        },
        async duringPhase2(ctl) {
          killed.push(await killAndRestart(ctl, 0, 40));
        },
      });
      const killedUrls = new Set(killed);
      const ackedByKilled = [r.phase1, r.phase2]
        .flatMap((p) => [...p.acks.values()])
        .filter((acks) => acks.some((a) => killedUrls.has(a.url))).length;
      // Committed by a listener that died before answering: the retry is answered `duplicate`.
      const answers = (seq: number) => [...(r.phase1.acks.get(seq) ?? []), ...(r.phase2.acks.get(seq) ?? [])];
      const committedUnanswered = r.plan.unique.filter(
        (d) => answers(d.seq).length > 0 && answers(d.seq).every((a) => a.outcome === 'duplicate'),
      ).length;
      const cut = (s: Record<string, number>) =>
        Object.entries(s)
          .filter(([k]) => !/^\d+$/.test(k))
          .reduce((n, [, c]) => n + c, 0);
      recordFault({
        section: 'faults',
        check: 'kill -9 of serve mid-load (×3), restart, senders retry',
        backend: 'postgres',
        tried: r.tried,
        held: r.held,
        lost: r.verdict.lost,
        note: `${ackedByKilled} acked by killed listeners, all stored; ${cut(r.phase1.statuses) + cut(r.phase2.statuses)} sends cut or refused, retried (${committedUnanswered} had committed unanswered); ${describeSend(r.phase1)}`,
      });
      // The kills really happened mid-load: requests were cut or refused, and retried.
      expect(killed.every((u) => u !== undefined)).toBe(true);
      expect(ackedByKilled).toBeGreaterThan(0);
      expect(cut(r.phase1.statuses)).toBeGreaterThan(0);
      expect(cut(r.phase2.statuses)).toBeGreaterThan(0);
      expect(r.problems).toEqual([]);
      expect(r.verdict.lost).toBe(0);
      expect(r.held).toBe(r.tried);
    } finally {
      await target.cleanup();
    }
  });
});
