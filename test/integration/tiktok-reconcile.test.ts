import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { updateMerchant } from '../../src/services/records/merchants.js';
import { ingestBatch } from '../../src/services/ingest/ingest.js';
import { authorizeTikTok } from '../../src/services/tiktok/tiktok-auth.js';
import { reconcileTikTok } from '../../src/services/tiktok/tiktok-reconcile.js';
import { findMerchantSecrets, intake } from '../../src/services/ingest/webhook-intake.js';
import { describeBackends } from '../helpers/db.js';
import { apiOrder, AUTH_CODE, SHOP, startFakeTikTok, type FakeTikTok } from '../helpers/fake-tiktok.js';
import { request } from '../helpers/fixtures.js';
import { tiktokSignature } from '../helpers/http.js';
import { seedWorld, TIKTOK } from '../helpers/world.js';

const RETRY = { attempts: 3, baseMs: 1 };
let seq = 0;

describeBackends('TikTok reconcile and authorization', (t) => {
  let world: Awaited<ReturnType<typeof seedWorld>>;
  let fake: FakeTikTok;
  let config: Config;
  const now = () => Math.floor(Date.now() / 1000);
  const addOrder = (fields: Partial<Parameters<typeof apiOrder>[0]> = {}) => {
    const id = `5764614130399${String(++seq).padStart(5, '0')}`;
    fake.orders.set(
      id,
      apiOrder({ id, update_time: now() - 3600, sub_total: '1199.00', buyer_message: 'track:zx9q77', ...fields }),
    );
    return id;
  };
  const reconcile = (opts: { since?: string; dryRun?: boolean; pageSize?: number } = {}) =>
    reconcileTikTok(t().db, config, { merchantId: world.merchant.id, retry: RETRY, ...opts });
  const sale = (orderId: string) =>
    t().db.selectFrom('sales').selectAll().where('external_order_id', '=', orderId).executeTakeFirst();
  const mark = async () =>
    (
      await t()
        .db.selectFrom('merchants')
        .select('tiktok_last_sweep_at')
        .where('id', '=', world.merchant.id)
        .executeTakeFirstOrThrow()
    ).tiktok_last_sweep_at;
  const setMark = (at: Date | null) =>
    t().db.updateTable('merchants').set({ tiktok_last_sweep_at: at }).where('id', '=', world.merchant.id).execute();

  beforeAll(async () => {
    world = await seedWorld(t().db);
    fake = await startFakeTikTok();
    config = loadConfig({}, { TRACKNOW_TIKTOK_API_URL: fake.url, TRACKNOW_TIKTOK_AUTH_URL: `${fake.url}/` });
  });
  afterAll(async () => fake.close());
  beforeEach(async () => {
    fake.orders.clear();
    await setMark(null);
    await updateMerchant(t().db, world.merchant.id, {
      tiktokAccessToken: fake.state.access,
      tiktokRefreshToken: fake.state.refresh,
      tiktokTokenExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      tiktokShopCipher: SHOP.cipher,
    });
  });

  it('picks up an order whose notification never came, idempotently, and moves the sweep mark', async () => {
    const orderId = addOrder();
    const first = await reconcile({ since: '2h' });
    expect(first).toMatchObject({ orders: 1, created: 1, updated: 0, unchanged: 0, errors: [], dry_run: false });
    expect(await sale(orderId)).toMatchObject({
      status: 'pending',
      base_minor: 119900n,
      commission_minor: 17985n,
      influencer_id: world.zed.id,
      attribution_method: 'track_message',
    });
    expect((await mark())?.getTime()).toBe(first.until.getTime());
    const search = fake.calls.findLast((c) => c.path === '/order/202309/orders/search')!;
    expect(search).toMatchObject({ method: 'POST', query: { shop_cipher: SHOP.cipher, page_size: '50' } });
    expect(JSON.parse(search.body)).toEqual({
      update_time_ge: Math.floor(first.since.getTime() / 1000),
      update_time_lt: Math.floor(first.until.getTime() / 1000),
    });
    // From the mark (less a small overlap): the hour-old order is behind it.
    expect(await reconcile()).toMatchObject({ orders: 0, created: 0 });
    expect(await reconcile({ since: '2h' })).toMatchObject({ orders: 1, created: 0, updated: 0, unchanged: 1 });
  });

  it('follows every page of Search Orders', async () => {
    const ids = [1, 2, 3, 4, 5].map((n) => addOrder({ update_time: now() - 600 * n }));
    const before = fake.calls.length;
    expect(await reconcile({ since: '1d', pageSize: 2 })).toMatchObject({ orders: 5, created: 5 });
    const pages = fake.calls.slice(before).filter((c) => c.path === '/order/202309/orders/search');
    expect(pages.map((p) => p.query.page_token ?? null)).toEqual([null, expect.any(String), expect.any(String)]);
    for (const id of ids) expect(await sale(id)).toBeDefined();
  });

  it('writes nothing and keeps the mark under --dry-run', async () => {
    const orderId = addOrder();
    expect(await reconcile({ since: '2h', dryRun: true })).toMatchObject({ orders: 1, created: 1, dry_run: true });
    expect(await sale(orderId)).toBeUndefined();
    expect(await mark()).toBeNull();
  });

  it('settles notifications waiting in the enrichment queue for the orders it ingests', async () => {
    const orderId = addOrder();
    const merchant = await findMerchantSecrets(t().db, world.merchant.id);
    const body = JSON.stringify({
      type: 1,
      tts_notification_id: `reconcile-note-${seq}`,
      shop_id: TIKTOK.shopId,
      timestamp: now(),
      data: { order_id: orderId, order_status: 'AWAITING_SHIPMENT', update_time: now() - 3600 },
    });
    const taken = intake('tiktok', merchant, request(body, { authorization: tiktokSignature(body) }));
    if (taken.kind !== 'item') throw new Error('ping');
    const [outcome] = await ingestBatch(t().db, [taken.item]);
    const queued = () =>
      t().db.selectFrom('webhook_events').selectAll().where('id', '=', outcome!.eventId).executeTakeFirstOrThrow();
    expect((await queued()).status).toBe('enriching');
    await reconcile({ since: '2h' });
    expect(await queued()).toMatchObject({
      status: 'processed',
      outcome: expect.stringMatching(/^enriched by reconcile/),
    });
    expect(await sale(orderId)).toMatchObject({ commission_minor: 17985n });
  });

  it('retries 5xx and 429 in-process and refreshes an expired token', async () => {
    const orderId = addOrder();
    fake.fail('/order/202309/orders/search', { status: 500 }, { status: 429, retryAfter: '0' });
    fake.expireAccessToken();
    expect(await reconcile({ since: '2h' })).toMatchObject({ orders: 1, created: 1 });
    expect(await sale(orderId)).toBeDefined();
    expect(
      (
        await t()
          .db.selectFrom('merchants')
          .select('tiktok_access_token')
          .where('id', '=', world.merchant.id)
          .executeTakeFirstOrThrow()
      ).tiktok_access_token,
    ).toBe(fake.state.access);
  });

  it('keeps the mark when an order cannot be read or the API refuses', async () => {
    addOrder({ sub_total: '12.345' });
    const good = addOrder();
    const result = await reconcile({ since: '2h' });
    expect(result).toMatchObject({
      orders: 2,
      created: 1,
      errors: [{ order_id: expect.any(String), message: expect.stringMatching(/amount/) }],
    });
    expect(await sale(good)).toBeDefined();
    expect(await mark()).toBeNull();
    fake.fail('/order/202309/orders/search', { status: 500 }, { status: 500 }, { status: 500 });
    await expect(reconcile({ since: '2h' })).rejects.toMatchObject({ code: 'upstream', problem: 'server' });
    await t()
      .db.updateTable('merchants')
      .set({ tiktok_app_secret: 'not-the-secret' })
      .where('id', '=', world.merchant.id)
      .execute();
    await expect(reconcile({ since: '2h' })).rejects.toMatchObject({ code: 'upstream', problem: 'invalid_signature' });
    await t()
      .db.updateTable('merchants')
      .set({ tiktok_app_secret: TIKTOK.appSecret })
      .where('id', '=', world.merchant.id)
      .execute();
    expect(await mark()).toBeNull();
    await expect(reconcile({ since: 'yesterday' })).rejects.toMatchObject({ code: 'usage' });
  });

  it('looks up and keeps the shop cipher when the merchant has none', async () => {
    addOrder();
    await t()
      .db.updateTable('merchants')
      .set({ tiktok_shop_cipher: null })
      .where('id', '=', world.merchant.id)
      .execute();
    expect(await reconcile({ since: '2h' })).toMatchObject({ orders: 1, created: 1 });
    expect(
      (
        await t()
          .db.selectFrom('merchants')
          .select('tiktok_shop_cipher')
          .where('id', '=', world.merchant.id)
          .executeTakeFirstOrThrow()
      ).tiktok_shop_cipher,
    ).toBe(SHOP.cipher);
  });

  it('asks for a new authorization when TikTok refuses the refresh token', async () => {
    addOrder();
    fake.expireAccessToken();
    await t()
      .db.updateTable('merchants')
      .set({ tiktok_refresh_token: 'TTP_revoked' })
      .where('id', '=', world.merchant.id)
      .execute();
    await expect(reconcile({ since: '2h' })).rejects.toMatchObject({
      code: 'upstream',
      message: expect.stringMatching(/Refresh Access Token: .*authorize again: `tracknow tiktok auth --merchant/),
    });
    await t()
      .db.updateTable('merchants')
      .set({ tiktok_refresh_token: fake.state.refresh })
      .where('id', '=', world.merchant.id)
      .execute();
    expect(await reconcile({ since: '2h' })).toMatchObject({ orders: 1, created: 1 });
  });

  it('exchanges an authorization code for tokens and the shop cipher, and reports no token', async () => {
    await t()
      .db.updateTable('merchants')
      .set({ tiktok_access_token: null, tiktok_refresh_token: null, tiktok_shop_cipher: null })
      .where('id', '=', world.merchant.id)
      .execute();
    const result = await authorizeTikTok(t().db, config, { merchantId: world.merchant.id, code: AUTH_CODE });
    expect(result).toMatchObject({
      merchant_id: world.merchant.id,
      shop_cipher: SHOP.cipher,
      shops: [{ id: SHOP.id }],
    });
    expect(result.access_token_expires_at.getTime()).toBeGreaterThan(Date.now());
    expect(JSON.stringify(result)).not.toMatch(/TTP_/);
    const row = await t()
      .db.selectFrom('merchants')
      .selectAll()
      .where('id', '=', world.merchant.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      tiktok_access_token: fake.state.access,
      tiktok_refresh_token: fake.state.refresh,
      tiktok_shop_cipher: SHOP.cipher,
    });
    const shopsCall = fake.calls.findLast((c) => c.path === '/authorization/202309/shops')!;
    expect(shopsCall.status).toBe(200);
    expect(shopsCall.query.shop_cipher).toBeUndefined();
    await expect(
      authorizeTikTok(t().db, config, { merchantId: world.merchant.id, code: 'stale-code' }),
    ).rejects.toMatchObject({ code: 'upstream', problem: 'rejected' });
  });
});
