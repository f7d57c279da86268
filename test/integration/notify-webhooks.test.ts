import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { listNotifications, retryNotifications } from '../../src/services/notify/notify-admin.js';
import { addEndpoint, removeEndpoint } from '../../src/services/notify/notify-endpoints.js';
import { startWorker } from '../../src/services/jobs/job-worker.js';
import { deliverDue } from '../../src/services/notify/notify.js';
import { addInfluencer } from '../../src/services/records/influencers.js';
import { describeBackends } from '../helpers/db.js';
import { fixture } from '../helpers/fixtures.js';
import { listen, post, tiktokSignature } from '../helpers/http.js';
import { seedNotifications } from '../helpers/notify-outbox.js';
import { startReceiver, type Received } from '../helpers/receiver.js';
import { seedWorld } from '../helpers/world.js';

const HOUR = 3_600_000;

/** Retries an assertion until it holds or `ms` pass. */
async function eventually(check: () => Promise<void>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
const headersOf = (r: Received) => r.headers as Record<string, string>;

describeBackends('notification webhooks', (t) => {
  let world: Awaited<ReturnType<typeof seedWorld>>;
  const run = (now?: () => Date) =>
    deliverDue(t().db, { timeoutMs: 5_000, concurrency: 4, random: () => 0.5, ...(now ? { now } : {}) });
  const deliveryOf = async (notificationId: string) =>
    (await listNotifications(t().db, { limit: 1000 })).find((n) => n.id === notificationId)!;

  beforeAll(async () => {
    world = await seedWorld(t().db);
  });

  it('turns a signed TikTok webhook into a sale.created POST that verifies, without slowing the listener', async () => {
    const good = await startReceiver();
    const hanging = await startReceiver(() => ({ hangMs: 10_000 }));
    const endpoint = await addEndpoint(t().db, { url: good.url, influencerId: world.mia.id, events: ['sale.created'] });
    const stuck = await addEndpoint(t().db, { url: hanging.url });
    const listener = await listen(t().store);
    const config = loadConfig({}, { TRACKNOW_NOTIFY_INTERVAL_MS: '100', TRACKNOW_HOME: '/nonexistent' });
    const loop = startWorker(t().db, config, { log: () => undefined });
    try {
      const body = fixture('tiktok/seed-order-status-change.json');
      const reply = await post(`${listener.url}/api/webhook/tiktok/${world.merchant.id}`, body, {
        authorization: tiktokSignature(body),
      });
      expect(reply.status).toBe(200);
      const [request] = await good.waitFor(1);
      const event = new Webhook(endpoint.secret).verify(request!.body, headersOf(request!)) as {
        type: string;
        data: Record<string, unknown>;
      };
      expect(event).toMatchObject({
        type: 'sale.created',
        data: {
          sale_id: reply.json().data.sale_id,
          influencer_id: world.mia.id,
          merchant_id: world.merchant.id,
          merchant_name: 'Glow Cosmetics',
          platform: 'tiktok',
          attribution: 'creator_id',
          currency: 'USD',
          amount: '125.50',
          commission: '18.83',
        },
      });
      expect(typeof event.data.order_id).toBe('string');
      expect(() => new Webhook(stuck.secret).verify(request!.body, headersOf(request!))).toThrow();

      // The hanging receiver holds a delivery open; the listener still answers at once.
      await hanging.waitFor(1);
      const other = fixture('tiktok/enriched-promo-code.json');
      const started = performance.now();
      expect(
        (
          await post(`${listener.url}/api/webhook/tiktok/${world.merchant.id}`, other, {
            authorization: tiktokSignature(other),
          })
        ).status,
      ).toBe(200);
      expect(performance.now() - started).toBeLessThan(1_500);
      await good.waitFor(2);
      // Recorded, not only received: stopping now must not hand it back for a resend.
      await eventually(async () => {
        const rows = await t()
          .db.selectFrom('notification_deliveries')
          .select('status')
          .where('endpoint_id', '=', endpoint.id)
          .execute();
        expect(rows.map((r) => r.status)).toEqual(['delivered', 'delivered']);
      });
    } finally {
      await loop.stop();
      await listener.close();
    }
    // Stopping aborted the hanging sends: they go back unattempted, due now, for the next runner.
    const stuckRows = await t()
      .db.selectFrom('notification_deliveries')
      .selectAll()
      .where('endpoint_id', '=', stuck.id)
      .execute();
    expect(stuckRows.length).toBeGreaterThanOrEqual(1);
    expect(
      stuckRows.every(
        (d) =>
          d.status === 'pending' && d.claim_id === null && (d.attempts === 0 || d.last_error?.startsWith('timeout')),
      ),
    ).toBe(true);
    expect((await removeEndpoint(t().db, stuck.id)).failed_deliveries).toBe(stuckRows.length);
    await Promise.all([good.close(), hanging.close()]);
  });

  it('retries a receiver that fails three times, with the same webhook-id, then marks it delivered', async () => {
    const receiver = await startReceiver((n) => (n < 3 ? 500 : 200));
    const influencer = await addInfluencer(t().db, { name: 'Retry Rita' });
    await addEndpoint(t().db, { url: receiver.url, influencerId: influencer.id });
    const [id] = await seedNotifications(t().db, influencer.id, 1);
    let clock = new Date();
    const now = () => clock;

    expect(await run(now)).toMatchObject({ attempted: 1, retrying: 1, delivered: 0 });
    const after1 = await deliveryOf(id!);
    expect(after1).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 500' });
    // random 0.5 is no jitter: the first retry waits exactly 30 s.
    expect(after1.next_attempt_at!.getTime() - clock.getTime()).toBe(30_000);
    expect((await run(now)).attempted).toBe(0); // not due yet
    for (let i = 0; i < 3; i++) {
      clock = new Date(clock.getTime() + HOUR);
      await run(now);
    }
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(ids).toEqual([id, id, id, id]);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-signature'])).size).toBe(4);
    expect(await deliveryOf(id!)).toMatchObject({ status: 'delivered', attempts: 4, next_attempt_at: null });
    await receiver.close();
  });

  it('fails a 410 after one attempt, and `retry` re-queues it', async () => {
    const receiver = await startReceiver((n) => (n === 0 ? 410 : 204));
    const influencer = await addInfluencer(t().db, { name: 'Gone Gina' });
    await addEndpoint(t().db, { url: receiver.url, influencerId: influencer.id });
    const [id] = await seedNotifications(t().db, influencer.id, 1);
    await run();
    const failed = await deliveryOf(id!);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, last_error: 'HTTP 410', next_attempt_at: null });
    expect((await listNotifications(t().db, { status: 'failed', limit: 10 })).map((n) => n.id)).toContain(id);
    await run(() => new Date(Date.now() + 48 * HOUR));
    expect(receiver.requests).toHaveLength(1); // failed for good: never sent again by itself

    expect(await retryNotifications(t().db, [id!])).toEqual([{ id, requeued: 1 }]);
    expect((await deliveryOf(id!)).status).toBe('pending');
    await run();
    expect(await deliveryOf(id!)).toMatchObject({ status: 'delivered' });
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([id, id]);
    expect(await retryNotifications(t().db, [id!])).toEqual([{ id, requeued: 0 }]);
    await expect(retryNotifications(t().db, ['00000000-0000-4000-8000-000000000000'])).rejects.toMatchObject({
      code: 'not_found',
    });
    await receiver.close();
  });

  it('retries refused connections and gives up after 24 hours', async () => {
    const receiver = await startReceiver();
    await receiver.close(); // nothing listens on that port any more
    const influencer = await addInfluencer(t().db, { name: 'Nobody Home' });
    await addEndpoint(t().db, { url: receiver.url, influencerId: influencer.id });
    const [id] = await seedNotifications(t().db, influencer.id, 1);
    const start = Date.now();
    let clock = new Date(start);
    await run(() => clock);
    expect(await deliveryOf(id!)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'connection refused' });
    while ((await deliveryOf(id!)).status === 'pending' && clock.getTime() - start < 30 * HOUR) {
      clock = new Date(clock.getTime() + HOUR / 2);
      await run(() => clock);
    }
    const gaveUp = await deliveryOf(id!);
    expect(gaveUp.status).toBe('failed');
    expect(gaveUp.last_error).toMatch(/^connection refused \(gave up after \d+ attempts\)$/);
    expect(gaveUp.attempts).toBeGreaterThan(8);
    expect(clock.getTime() - start).toBeLessThanOrEqual(24 * HOUR + HOUR);
  });

  it('sends an endpoint only the events it asked for', async () => {
    const receiver = await startReceiver();
    const influencer = await addInfluencer(t().db, { name: 'Picky Pat' });
    await addEndpoint(t().db, { url: receiver.url, influencerId: influencer.id, events: ['payout.created'] });
    const [sale] = await seedNotifications(t().db, influencer.id, 1);
    const [payout] = await seedNotifications(t().db, influencer.id, 1, 'payout.created', () => ({
      payout_id: crypto.randomUUID(),
      currency: 'EUR',
      amount: '50.00',
      method: 'sepa',
      reference: 'TN-1',
    }));
    await run();
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([payout]);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({
      type: 'payout.created',
      data: { amount: '50.00', currency: 'EUR', method: 'sepa' },
    });
    expect(await deliveryOf(sale!)).toMatchObject({ status: 'delivered', attempts: 0, deliveries: [] });
    await receiver.close();
  });

  afterAll(async () => {
    const pending = await t()
      .db.selectFrom('notification_deliveries')
      .select('id')
      .where('claim_id', 'is not', null)
      .execute();
    expect(pending).toEqual([]); // every claim was given back or recorded
  });
});
