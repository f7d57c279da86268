import { expect, it } from 'vitest';
import { addInfluencer } from '../../src/services/records/influencers.js';
import { addEndpoint } from '../../src/services/notify/notify-endpoints.js';
import { deliverDue } from '../../src/services/notify/notify.js';
import { runCli } from '../helpers/cli.js';
import { describeBackends } from '../helpers/db.js';
import { seedNotifications } from '../helpers/notify-outbox.js';
import { startReceiver } from '../helpers/receiver.js';

const ROWS = 1_000;

describeBackends('two notify runs at once', (t, backend) => {
  it(`deliver ${ROWS} due rows exactly once between them (${backend === 'postgres' ? 'two processes' : 'two runners on one store'})`, async () => {
    const receiver = await startReceiver();
    const influencer = await addInfluencer(t().db, { name: 'Busy Bea' });
    await addEndpoint(t().db, { url: receiver.url, influencerId: influencer.id });
    const ids = await seedNotifications(t().db, influencer.id, ROWS);
    expect(ids).toHaveLength(ROWS);

    let attempted: number[];
    if (backend === 'postgres') {
      // Real processes, as two cron hosts would run them.
      const env = { DATABASE_URL: t().url!, TRACKNOW_NOTIFY_CONCURRENCY: '8' };
      const runs = await Promise.all([runCli(['notify', '--json'], env), runCli(['notify', '--json'], env)]);
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      attempted = runs.map((r) => r.json<{ attempted: number }>().attempted);
    } else {
      const run = () => deliverDue(t().db, { timeoutMs: 10_000, concurrency: 8 });
      attempted = (await Promise.all([run(), run()])).map((s) => s.attempted);
    }

    const seen = receiver.requests.map((r) => String(r.headers['webhook-id']));
    expect(seen).toHaveLength(ROWS);
    expect(new Set(seen).size).toBe(ROWS);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(attempted.reduce((a, b) => a + b, 0)).toBe(ROWS);
    const statuses = await t()
      .db.selectFrom('notifications')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('influencer_id', '=', influencer.id)
      .groupBy('status')
      .execute();
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['delivered', ROWS]]);
    console.info(`[${backend}] the two runs sent ${attempted.join(' + ')}`);
    await receiver.close();
  });
});
