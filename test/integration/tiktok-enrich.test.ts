import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { listEvents } from '../../src/services/ingest/events.js';
import { updateMerchant } from '../../src/services/records/merchants.js';
import type { BackoffPolicy } from '../../src/domain/backoff.js';
import { startWorker } from '../../src/services/jobs/job-worker.js';
import { enrichDue } from '../../src/services/tiktok/tiktok-enrich.js';
import { describeBackends } from '../helpers/db.js';
import { apiOrder, SHOP, startFakeTikTok, type FakeTikTok } from '../helpers/fake-tiktok.js';
import { listen, post, tiktokSignature } from '../helpers/http.js';
import { seedWorld, TIKTOK } from '../helpers/world.js';

const FAST: BackoffPolicy = { baseMs: 0, capMs: 0, jitter: 0 };
let seq = 0;

describeBackends('TikTok enrichment queue', (t) => {
  let world: Awaited<ReturnType<typeof seedWorld>>;
  let fake: FakeTikTok;
  let config: Config;
  let listener: Awaited<ReturnType<typeof listen>>;

  /** A real type-1 notification (status only, no amounts) through the listener; the order's detail waits at the fake API. */
  async function notify(buyerMessage = 'TRACK:ZX9Q77') {
    const orderId = `5764614130387${String(++seq).padStart(5, '0')}`;
    const updateTime = Math.floor(Date.now() / 1000) - 60;
    fake.orders.set(
      orderId,
      apiOrder({
        id: orderId,
        update_time: updateTime,
        sub_total: '125.50',
        total_amount: '131.00',
        buyer_message: buyerMessage,
      }),
    );
    const body = JSON.stringify({
      type: 1,
      tts_notification_id: `73271123930573${seq}`,
      shop_id: TIKTOK.shopId,
      timestamp: updateTime,
      data: { order_id: orderId, order_status: 'AWAITING_SHIPMENT', is_on_hold_order: false, update_time: updateTime },
    });
    const before = fake.calls.length;
    const reply = await post(`${listener.url}/api/webhook/tiktok/${world.merchant.id}`, body, {
      authorization: tiktokSignature(body),
    });
    expect(reply.status).toBe(200);
    expect(fake.calls.length).toBe(before); // no API call in the request path
    const row = await t()
      .db.selectFrom('webhook_events')
      .selectAll()
      .where('dedupe_key', '=', `73271123930573${seq}`)
      .executeTakeFirstOrThrow();
    return { orderId, updateTime, row };
  }
  const sale = (orderId: string) =>
    t().db.selectFrom('sales').selectAll().where('external_order_id', '=', orderId).executeTakeFirstOrThrow();
  const event = (id: string) =>
    t().db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const merchantRow = () =>
    t().db.selectFrom('merchants').selectAll().where('id', '=', world.merchant.id).executeTakeFirstOrThrow();

  beforeAll(async () => {
    world = await seedWorld(t().db);
    fake = await startFakeTikTok();
    config = loadConfig({}, { TRACKNOW_TIKTOK_API_URL: fake.url, TRACKNOW_TIKTOK_AUTH_URL: fake.url });
    listener = await listen(t().store);
  });
  afterAll(async () => {
    await listener.close();
    await fake.close();
  });
  beforeEach(async () => {
    // Fresh API credentials for each case, in step with the fake's current token.
    await updateMerchant(t().db, world.merchant.id, {
      tiktokAccessToken: fake.state.access,
      tiktokRefreshToken: fake.state.refresh,
      tiktokTokenExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      tiktokShopCipher: SHOP.cipher,
      tiktokAppSecret: TIKTOK.appSecret,
    });
  });

  it('queues a notification without amounts, then the worker fetches its detail: a pending sale with the right commission', async () => {
    const { orderId, updateTime, row } = await notify();
    expect(row).toMatchObject({ status: 'enriching', attempts: 0, source: 'webhook' });
    expect(await sale(orderId)).toMatchObject({ status: 'pending', base_minor: null, commission_minor: null });

    expect(await enrichDue(t().db, config, { backoff: FAST })).toEqual({
      claimed: 1,
      enriched: 1,
      retried: 0,
      failed: 0,
    });
    expect(await sale(orderId)).toMatchObject({
      status: 'pending',
      base_minor: 12550n,
      total_minor: 13100n,
      commission_minor: 1883n,
      currency: 'USD',
      influencer_id: world.zed.id,
      attribution_method: 'track_message',
      attribution_value: 'ZX9Q77',
    });
    expect(await event(row.id)).toMatchObject({
      status: 'processed',
      attempts: 1,
      last_error: null,
      next_attempt_at: null,
    });
    const detail = await t()
      .db.selectFrom('webhook_events')
      .selectAll()
      .where('dedupe_key', '=', `detail:${orderId}:${updateTime}`)
      .executeTakeFirstOrThrow();
    expect(detail).toMatchObject({ source: 'reconcile', status: 'processed', order_id: orderId });
    const call = fake.calls.findLast((c) => c.path === '/order/202309/orders')!;
    expect(call).toMatchObject({
      method: 'GET',
      status: 200,
      query: { ids: orderId, shop_cipher: SHOP.cipher, app_key: TIKTOK.appKey },
    });
    expect(await enrichDue(t().db, config)).toEqual({ claimed: 0, enriched: 0, retried: 0, failed: 0 });
    expect(JSON.stringify(listener.logs)).not.toMatch(/TTP_|tts_secret/);
  });

  it('retries a 5xx with backoff, visible in events list, and never loses the event (500 twice, then ok)', async () => {
    const { orderId, row } = await notify();
    fake.fail('/order/202309/orders', { status: 500 }, { status: 500 });
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ claimed: 1, enriched: 0, retried: 1 });
    const listed = (await listEvents(t().db, { merchantId: world.merchant.id, status: 'enriching' })).find(
      (e) => e.id === row.id,
    );
    expect(listed).toMatchObject({
      status: 'enriching',
      attempts: 1,
      last_error: expect.stringMatching(/attempt 1: Get Order Detail: TikTok answered HTTP 500/),
    });
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ retried: 1 });
    expect(await event(row.id)).toMatchObject({ status: 'enriching', attempts: 2 });
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ enriched: 1 });
    expect(await event(row.id)).toMatchObject({ status: 'processed', attempts: 3, last_error: null });
    expect(await sale(orderId)).toMatchObject({ commission_minor: 1883n });
  });

  it("waits out a 429 for as long as TikTok's Retry-After says", async () => {
    const { orderId, row } = await notify();
    fake.fail('/order/202309/orders', { status: 429, code: 429, message: 'Too many requests', retryAfter: '30' });
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ retried: 1 });
    const waiting = await event(row.id);
    expect(waiting.last_error).toMatch(/HTTP 429/);
    expect(waiting.next_attempt_at!.getTime() - Date.now()).toBeGreaterThan(20_000);
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ claimed: 0 });
    // A second ago, not now(): the runner compares in milliseconds, and the server's now() has
    // microseconds, so a claim in the same millisecond as this update would find it not yet due.
    await sql`update jobs set run_at = now() - interval '1 second' where key = ${`tiktok.enrich:${row.id}`}`.execute(
      t().db,
    );
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ enriched: 1 });
    expect(await sale(orderId)).toMatchObject({ commission_minor: 1883n });
  });

  it('refreshes an expired token and retries at once; the new token is stored, never printed', async () => {
    const { orderId } = await notify();
    fake.expireAccessToken();
    const refreshes = fake.state.refreshes;
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ enriched: 1 });
    expect(fake.state.refreshes).toBe(refreshes + 1);
    expect(fake.calls.some((c) => c.code === 105002)).toBe(true);
    expect((await merchantRow()).tiktok_access_token).toBe(fake.state.access);
    expect(await sale(orderId)).toMatchObject({ commission_minor: 1883n });
  });

  it('refreshes before expiry, without waiting for TikTok to refuse the token', async () => {
    await notify();
    await updateMerchant(t().db, world.merchant.id, {
      tiktokTokenExpiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
    });
    const [refreshes, refused] = [fake.state.refreshes, fake.calls.filter((c) => c.code === 105002).length];
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ enriched: 1 });
    expect(fake.state.refreshes).toBe(refreshes + 1);
    expect(fake.calls.filter((c) => c.code === 105002).length).toBe(refused);
    expect((await merchantRow()).tiktok_token_expires_at!.getTime()).toBeGreaterThan(Date.now() + 86_400_000);
  });

  it('keeps an invalid signature or an unknown order retrying, then marks it failed: listed, never deleted', async () => {
    const { row } = await notify();
    const unknown = await notify();
    fake.orders.delete(unknown.orderId);
    await t()
      .db.updateTable('merchants')
      .set({ tiktok_app_secret: 'not-the-secret' })
      .where('id', '=', world.merchant.id)
      .execute();
    // Two attempts each, for the test (enrichment jobs get twelve).
    await t()
      .db.updateTable('jobs')
      .set({ max_attempts: 2 })
      .where('key', 'in', [`tiktok.enrich:${row.id}`, `tiktok.enrich:${unknown.row.id}`])
      .execute();
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ claimed: 2, retried: 2 });
    expect((await event(row.id)).last_error).toMatch(/code 106001: signature is invalid/);
    await t()
      .db.updateTable('merchants')
      .set({ tiktok_app_secret: TIKTOK.appSecret })
      .where('id', '=', world.merchant.id)
      .execute();
    expect(await enrichDue(t().db, config, { backoff: FAST })).toMatchObject({ enriched: 1, failed: 1 });
    const failed = await listEvents(t().db, { merchantId: world.merchant.id, status: 'failed' });
    expect(failed.map((e) => e.id)).toEqual([unknown.row.id]);
    expect(failed[0]).toMatchObject({ attempts: 2, last_error: expect.stringMatching(/has no order/) });
  });

  it('shares the queue between concurrent workers without fetching a row twice', async () => {
    const notes = [await notify(), await notify(), await notify()];
    const before = fake.calls.length;
    const [a, b] = await Promise.all([
      enrichDue(t().db, config, { backoff: FAST, limit: 2 }),
      enrichDue(t().db, config, { backoff: FAST, limit: 2 }),
    ]);
    expect(a.claimed + b.claimed).toBe(3);
    expect(a.enriched + b.enriched).toBe(3);
    const fetched = fake.calls
      .slice(before)
      .flatMap((c) => (c.path === '/order/202309/orders' ? c.query.ids!.split(',') : []));
    expect(fetched.sort()).toEqual(notes.map((n) => n.orderId).sort());
  });

  it("runs in the background (serve's worker) and stops cleanly", async () => {
    const logs: Record<string, unknown>[] = [];
    const worker = startWorker(
      t().db,
      { ...config, notify: { ...config.notify, intervalMs: 50 } },
      { log: (e) => logs.push(e) },
    );
    try {
      const { orderId } = await notify();
      for (let i = 0; i < 200 && (await sale(orderId)).commission_minor === null; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(await sale(orderId)).toMatchObject({ commission_minor: 1883n });
    } finally {
      await worker.stop();
    }
    expect(JSON.stringify(logs)).not.toMatch(/TTP_/);
  });
});
