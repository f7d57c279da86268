import { describe, expect, inject, it } from 'vitest';
import { createCliTarget } from '../helpers/db.js';
import { runCycle } from './helpers/load-cycle.js';
import { describeSend } from './helpers/webhook-load.js';
import { recordFault } from './report.js';

// The figures: 10,000 signed deliveries over 2,000 orders, 20% byte-identical
// redeliveries, shuffled with a fixed seed, 32 at a time, against the built `tracknow serve`.
describe.skipIf(!inject('pgTemplate'))('load with duplicates [postgres]', () => {
  it('holds 10,000 shuffled TikTok, Shopify and WooCommerce webhooks: one sale per order, exact commissions, a balanced ledger', async () => {
    const target = await createCliTarget('postgres');
    try {
      const r = await runCycle({
        target,
        load: { seed: 20261125, orders: 2000, deliveries: 10_000, redeliveryShare: 0.2 },
        listeners: 1,
        route: () => [0],
        cronHosts: 1,
        concurrency: 32,
      });
      const { credited, reversed, paid } = r.verdict.sums;
      recordFault({
        section: 'load',
        check: '10,000 webhooks, 2,000 orders, 20% redelivered, concurrency 32',
        backend: 'postgres',
        tried: r.tried,
        held: r.held,
        lost: r.verdict.lost,
        note: `${describeSend(r.phase1)}; +${r.phase2.sends} after validation; credited ${credited} − reversed ${reversed} − paid ${paid} minor`,
      });
      expect(r.phase1.sends).toBe(10_000);
      // The load must exercise what it claims to: every story and attribution actually occurs.
      expect(new Set(r.plan.orders.map((o) => `${o.platform}:${o.method}`)).size).toBeGreaterThanOrEqual(12);
      expect(reversed).toBeGreaterThan(0n);
      expect(paid).toBeGreaterThan(0n);
      expect(r.problems).toEqual([]);
      expect(r.verdict.lost).toBe(0);
      expect(r.held).toBe(r.tried);
    } finally {
      await target.cleanup();
    }
  });
});
