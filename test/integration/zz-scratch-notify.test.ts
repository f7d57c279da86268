import { it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { addInfluencer } from '../../src/services/influencers.js';
import { addEndpoint } from '../../src/services/notify-endpoints.js';
import * as repo from '../../src/store/notify-repo.js';
import { describeBackends } from '../helpers/db.js';
import { seedNotifications } from '../helpers/outbox.js';

describeBackends('scratch', (t, backend) => {
  it('times', async () => {
    const influencer = await addInfluencer(t().db, { name: 'Busy Bea' });
    await addEndpoint(t().db, { url: 'http://127.0.0.1:1/x', influencerId: influencer.id });
    await seedNotifications(t().db, influencer.id, 1000);
    const now = new Date();
    let t0 = performance.now();
    await repo.fanOutNotifications(t().db, { now, giveUpAt: new Date(now.getTime() + 86400000), email: false, limit: 500 });
    await repo.fanOutNotifications(t().db, { now, giveUpAt: new Date(now.getTime() + 86400000), email: false, limit: 500 });
    console.log(backend, 'fanout', performance.now() - t0);
    const claimId = randomUUID();
    for (let i = 0; i < 4; i++) {
      t0 = performance.now();
      const rows = await repo.claimDeliveries(t().db, { claimId, now, leaseUntil: new Date(now.getTime() + 300000), limit: 64, channels: ['webhook'], skipEndpoints: [] });
      const t1 = performance.now();
      await repo.recordAttempts(t().db, claimId, rows.map((r) => ({ id: r.id, at: now, status: 'delivered' as const, error: null })));
      console.log(backend, 'claim', t1 - t0, 'record', performance.now() - t1, rows.length);
    }
  });
});
