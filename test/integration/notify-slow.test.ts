import { expect, it } from 'vitest';
import { addInfluencer } from '../../src/services/records/influencers.js';
import { addEndpoint } from '../../src/services/notify/notify-endpoints.js';
import { deliverDue } from '../../src/services/notify/notify.js';
import { describeBackends } from '../helpers/db.js';
import { seedNotifications } from '../helpers/notify-outbox.js';
import { startReceiver } from '../helpers/receiver.js';

describeBackends('a hanging receiver', (t) => {
  it('does not delay the other receivers', async () => {
    const slow = await startReceiver(() => ({ hangMs: 12_000 }));
    const fast = await startReceiver();
    const influencer = await addInfluencer(t().db, { name: 'Two Hooks' });
    const hanging = await addEndpoint(t().db, { url: slow.url, influencerId: influencer.id });
    await addEndpoint(t().db, { url: fast.url, influencerId: influencer.id });
    const ids = await seedNotifications(t().db, influencer.id, 20);

    const started = Date.now();
    const run = deliverDue(t().db, { timeoutMs: 10_000, concurrency: 8 });
    const got = await fast.waitFor(20, 9_000);
    // Everything reached the healthy receiver long before the hanging one timed out.
    expect(Math.max(...got.map((r) => r.at)) - started).toBeLessThan(8_000);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(new Set(ids));

    const summary = await run;
    expect(Date.now() - started).toBeLessThan(20_000);
    // Half the workers at most went to the hanging receiver; after its first timeout the rest waited.
    expect(summary).toMatchObject({ delivered: 20, retrying: 4, failed: 0, deferred: 16 });
    const rows = await t()
      .db.selectFrom('notification_deliveries')
      .selectAll()
      .where('endpoint_id', '=', hanging.id)
      .execute();
    expect(rows.filter((r) => r.attempts === 1).map((r) => r.last_error)).toEqual(Array(4).fill('timeout after 10 s'));
    expect(rows.every((r) => r.status === 'pending' && r.claim_id === null)).toBe(true);
    const deferred = rows.filter((r) => r.attempts === 0);
    expect(deferred).toHaveLength(16);
    for (const r of deferred) expect(r.next_attempt_at.getTime()).toBeGreaterThan(Date.now() + 30_000);
    await Promise.all([slow.close(), fast.close()]);
  });
});
