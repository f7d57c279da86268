import { expect, it } from 'vitest';
import { addEndpoint } from '../../src/services/notify/notify-endpoints.js';
import { deliverDue } from '../../src/services/notify/notify.js';
import { addInfluencer } from '../../src/services/records/influencers.js';
import { describeBackends } from '../helpers/db.js';
import { seedNotifications } from '../helpers/notify-outbox.js';
import { startReceiver } from '../helpers/receiver.js';

describeBackends('fan-out jobs (migration 0015)', (t) => {
  const run = () => deliverDue(t().db, { timeoutMs: 5_000, concurrency: 4, random: () => 0.5 });
  /** The fan-out jobs that name any of `ids`, with the ids each carries. */
  const fanoutJobs = async (ids: readonly string[]) =>
    (await t().db.selectFrom('jobs').select(['key', 'payload']).where('task', '=', 'notify.fanout').execute())
      .map((j) => ({ key: j.key, ids: (j.payload as { notification_ids?: string[] }).notification_ids ?? [] }))
      .filter((j) => j.ids.some((id) => ids.includes(id)));

  it("queues one job for a statement's outbox rows, and each row is delivered once", async () => {
    const receiver = await startReceiver();
    try {
      const influencer = await addInfluencer(t().db, { name: 'One Job' });
      await addEndpoint(t().db, { url: receiver.url, influencerId: influencer.id });
      const ids = await seedNotifications(t().db, influencer.id, 3); // one insert statement

      const jobs = await fanoutJobs(ids);
      const sorted = [...ids].sort();
      expect(jobs).toEqual([{ key: `notify.fanout:${sorted[0]}`, ids: sorted }]);

      expect(await run()).toMatchObject({ notifications: 3, delivered: 3, failed: 0 });
      const sent = (await receiver.waitFor(3)).map((r) => (JSON.parse(r.body) as { data: { sale_id: string } }).data);
      expect(new Set(sent.map((d) => d.sale_id)).size).toBe(3);
      expect(await run()).toMatchObject({ notifications: 0, attempted: 0 });
      expect(receiver.requests).toHaveLength(3);
    } finally {
      await receiver.close();
    }
  });

  it('splits a large statement into jobs of at most 256 rows, and fans every row out once', async () => {
    const influencer = await addInfluencer(t().db, { name: 'Many Rows' });
    const ids = await seedNotifications(t().db, influencer.id, 500); // one insert statement

    const jobs = await fanoutJobs(ids);
    expect(jobs.map((j) => j.ids.length).sort((a, b) => a - b)).toEqual([244, 256]);
    expect(jobs.flatMap((j) => j.ids).sort()).toEqual([...ids].sort());

    // Nobody receives them: each row is done at once, counted once.
    expect(await run()).toMatchObject({ notifications: 500, attempted: 0 });
    const rows = await t()
      .db.selectFrom('notifications')
      .select(['status', 'fanned_out_at'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.filter((r) => r.status === 'delivered' && r.fanned_out_at !== null)).toHaveLength(500);
    expect(await run()).toMatchObject({ notifications: 0 });
  });
});
