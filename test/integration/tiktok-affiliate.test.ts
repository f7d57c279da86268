import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { TikTokAffiliateMode } from '../../src/domain/platform-commission.js';
import { loadConfig, type Config } from '../../src/config.js';
import { addMerchant } from '../../src/services/records/merchants.js';
import { listSales } from '../../src/services/records/sales.js';
import { authorizeTikTok } from '../../src/services/tiktok/tiktok-auth.js';
import { reconcileAllTikTok } from '../../src/services/tiktok/tiktok-reconcile-all.js';
import { reconcileTikTok } from '../../src/services/tiktok/tiktok-reconcile.js';
import { validate } from '../../src/services/payouts/validate.js';
import { describeBackends } from '../helpers/db.js';
import {
  AFFILIATE_SEARCH,
  affiliateOrder,
  apiOrder,
  AUTH_CODE,
  SHOP,
  startFakeTikTok,
  type FakeTikTok,
} from '../helpers/fake-tiktok.js';
import { counts } from '../helpers/stores.js';
import { seedWorld, TIKTOK } from '../helpers/world.js';

const RETRY = { attempts: 3, baseMs: 1 };
const DAY = 86_400_000;
let seq = 0;

describeBackends('TikTok affiliate sweep and platform-paid commission', (t) => {
  let world: Awaited<ReturnType<typeof seedWorld>>;
  let fake: FakeTikTok;
  let config: Config;
  const now = () => Math.floor(Date.now() / 1000);
  const db = () => t().db;

  /** A merchant at 15% on the fake shop with fresh tokens, under one `--tiktok-affiliate` setting. */
  const merchant = async (mode?: TikTokAffiliateMode) => {
    const m = await addMerchant(db(), {
      name: `Affiliate ${mode ?? 'default'} ${++seq}`,
      currency: 'USD',
      tiktokAppKey: TIKTOK.appKey,
      tiktokAppSecret: TIKTOK.appSecret,
      tiktokShopCipher: SHOP.cipher,
      tiktokAccessToken: fake.state.access,
      tiktokRefreshToken: fake.state.refresh,
      tiktokTokenExpiresAt: new Date(Date.now() + DAY).toISOString(),
      ...(mode ? { tiktokAffiliate: mode } : {}),
    });
    return m.id;
  };
  /** An order of 80.00 sold by @glowwithmia, TikTok paying her 10% (8.00); `detail`: Get Order Detail knows it too. */
  const order = (
    opts: { detail?: boolean; affiliate?: boolean; ageS?: number } & Partial<Parameters<typeof affiliateOrder>[0]> = {},
  ) => {
    const id = `5764614130400${String(++seq).padStart(5, '0')}`;
    const created = now() - (opts.ageS ?? 3600);
    if (opts.detail ?? true)
      fake.orders.set(id, { ...apiOrder({ id, update_time: created + 60, sub_total: '80.00' }), create_time: created });
    if (opts.affiliate ?? true)
      fake.affiliateOrders.set(
        id,
        affiliateOrder({
          id,
          create_time: created,
          creator: '@GlowWithMia',
          price: '80.00',
          estimated: '8.00',
          ...opts,
        }),
      );
    return id;
  };
  const reconcile = (merchantId: string, opts: { since?: string; dryRun?: boolean; pageSize?: number } = {}) =>
    reconcileTikTok(db(), config, { merchantId, retry: RETRY, since: '2h', ...opts });
  const sale = (merchantId: string, orderId: string) =>
    db()
      .selectFrom('sales')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('external_order_id', '=', orderId)
      .executeTakeFirstOrThrow();
  const credited = async (merchantId: string) => {
    const rows = await db()
      .selectFrom('ledger_entries as l')
      .innerJoin('sales as s', 's.id', 'l.sale_id')
      .select(['l.amount_minor', 'l.kind'])
      .where('s.merchant_id', '=', merchantId)
      .execute();
    return rows.reduce((sum, r) => sum + BigInt(r.amount_minor), 0n);
  };

  beforeAll(async () => {
    world = await seedWorld(db());
    fake = await startFakeTikTok();
    config = loadConfig({}, { TRACKNOW_TIKTOK_API_URL: fake.url, TRACKNOW_TIKTOK_AUTH_URL: `${fake.url}/` });
  });
  afterAll(async () => fake.close());
  beforeEach(() => {
    fake.orders.clear();
    fake.affiliateOrders.clear();
    fake.state.affiliateScope = true;
  });

  it('attributes three affiliate orders by reconcile alone: top-up owes 4.00 each, none 0.00, on-top 12.00; a second sweep changes nothing', async () => {
    const owed: Record<TikTokAffiliateMode, { minor: bigint; text: string }> = {
      'top-up': { minor: 400n, text: '4.00' },
      none: { minor: 0n, text: '0.00' },
      'on-top': { minor: 1200n, text: '12.00' },
    };
    for (const mode of ['top-up', 'none', 'on-top'] as const) {
      fake.orders.clear();
      fake.affiliateOrders.clear();
      const m = await merchant(mode);
      const ids = [order(), order(), order({ detail: false })];
      const first = await reconcile(m);
      expect(first.affiliate).toMatchObject({
        orders: 3,
        created: 1,
        updated: 2,
        unchanged: 0,
        errors: [],
        skipped: null,
      });
      for (const id of ids) {
        expect(await sale(m, id)).toMatchObject({
          status: 'pending',
          influencer_id: world.mia.id,
          attribution_method: 'creator_username',
          attribution_value: 'glowwithmia',
          currency: 'USD',
          base_minor: 8000n,
          platform_commission_minor: 800n,
          tiktok_affiliate: mode,
          commission_minor: owed[mode].minor,
        });
      }
      const listed = await listSales(db(), { merchantId: m });
      expect(listed.map((s) => [s.commission, s.platform_commission])).toEqual(
        ids.map(() => [owed[mode].text, '8.00']),
      );

      const before = await counts(db());
      const second = await reconcile(m);
      expect(second).toMatchObject({
        created: 0,
        updated: 0,
        affiliate: { orders: 3, created: 0, updated: 0, unchanged: 3, errors: [] },
      });
      expect(await counts(db())).toEqual(before);

      // Validation credits exactly what is owed.
      const result = await validate(db(), { asOf: new Date(Date.now() + 30 * DAY) });
      expect(result.validated).toBeGreaterThanOrEqual(3);
      expect(await credited(m)).toBe(owed[mode].minor * 3n);
    }
  });

  it('takes the amounts from the affiliate prices when Get Order Detail does not know the order', async () => {
    const m = await merchant();
    const id = order({ detail: false, quantity: 2, price: '40.00' });
    expect((await reconcile(m)).affiliate).toMatchObject({ orders: 1, created: 1 });
    expect(await sale(m, id)).toMatchObject({
      base_minor: 8000n,
      total_minor: 8000n,
      platform_commission_minor: 800n,
      commission_minor: 400n,
      platform_status: 'PROCESSING',
    });
  });

  it('completes with a later sweep an order the affiliate API did not list yet, and follows returns on both sides', async () => {
    const m = await merchant();
    const id = order({ affiliate: false });
    expect(await reconcile(m)).toMatchObject({ orders: 1, created: 1, affiliate: { orders: 0 } });
    expect(await sale(m, id)).toMatchObject({
      influencer_id: null,
      commission_minor: null,
      platform_commission_minor: null,
    });
    // TikTok lists it an hour later: the next sweep (from its mark, not --since) reaches back to the pending sale.
    fake.affiliateOrders.set(
      id,
      affiliateOrder({
        id,
        create_time: now() - 3600,
        creator: 'glowwithmia',
        price: '40.00',
        quantity: 2,
        estimated: '8.00',
      }),
    );
    const later = await reconcileTikTok(db(), config, { merchantId: m, retry: RETRY });
    expect(later.affiliate).toMatchObject({ orders: 1, updated: 1 });
    expect(await sale(m, id)).toMatchObject({
      influencer_id: world.mia.id,
      attribution_method: 'creator_username',
      base_minor: 8000n,
      platform_commission_minor: 800n,
      commission_minor: 400n,
    });
    // One of the two is returned: the deal (15% of 40.00 = 6.00) and TikTok's share (4.00) both shrink,
    // once a sweep's window covers the order again (the covered sale no longer widens it).
    fake.affiliateOrders.set(
      id,
      affiliateOrder({
        id,
        create_time: now() - 3600,
        creator: 'glowwithmia',
        price: '40.00',
        quantity: 2,
        estimated: '8.00',
        returned_quantity: 1,
      }),
    );
    expect((await reconcileTikTok(db(), config, { merchantId: m, retry: RETRY })).affiliate).toMatchObject({
      orders: 0,
    });
    expect((await reconcile(m)).affiliate).toMatchObject({ orders: 1, updated: 1 });
    expect(await sale(m, id)).toMatchObject({
      base_minor: 4000n,
      platform_commission_minor: 400n,
      commission_minor: 200n,
    });
  });

  it('follows every page, waits out rate limits and refreshes an expired token', async () => {
    const m = await merchant();
    const ids = [1, 2, 3, 4, 5].map((n) => order({ ageS: 600 * n }));
    fake.fail(
      AFFILIATE_SEARCH,
      { status: 429, retryAfter: '0' },
      { status: 401, code: 105002, message: 'Expired credentials' },
    );
    const refreshes = fake.state.refreshes;
    const before = fake.calls.length;
    const result = await reconcile(m, { pageSize: 2 });
    expect(result.affiliate).toMatchObject({ orders: 5, errors: [] });
    expect(fake.state.refreshes).toBe(refreshes + 1);
    const pages = fake.calls.slice(before).filter((c) => c.path === AFFILIATE_SEARCH && c.status === 200);
    expect(pages.map((p) => p.query.page_token ?? null)).toEqual([null, expect.any(String), expect.any(String)]);
    expect(JSON.parse(pages[0]!.body)).toEqual({
      create_time_ge: Math.floor(result.affiliate.since.getTime() / 1000),
      create_time_lt: Math.floor(result.until.getTime() / 1000),
    });
    for (const id of ids)
      expect(await sale(m, id)).toMatchObject({ attribution_method: 'creator_username', commission_minor: 400n });
  });

  it('reports a missing affiliate scope once and carries on with the order search', async () => {
    const m = await merchant();
    const id = order();
    fake.state.affiliateScope = false;
    const before = fake.calls.length;
    const result = await reconcile(m);
    expect(result).toMatchObject({
      orders: 1,
      created: 1,
      errors: [],
      affiliate: { orders: 0, errors: [], skipped: expect.stringMatching(/affiliate scope.*tracknow tiktok auth/) },
    });
    expect(fake.calls.slice(before).filter((c) => c.path === AFFILIATE_SEARCH)).toHaveLength(1);
    expect(await sale(m, id)).toMatchObject({ influencer_id: null, platform_commission_minor: null });
  });

  it('stops the sweep with an error after repeated failures, and writes nothing under --dry-run', async () => {
    const m = await merchant();
    const id = order();
    fake.fail(AFFILIATE_SEARCH, { status: 500 }, { status: 500 }, { status: 500 });
    const failed = await reconcile(m);
    expect(failed.affiliate.errors).toEqual([
      {
        order_id: null,
        message: expect.stringMatching(
          /affiliate sweep stopped: Search Seller Affiliate Orders: TikTok answered HTTP 500/,
        ),
      },
    ]);
    const dry = await reconcile(m, { dryRun: true });
    expect(dry.affiliate).toMatchObject({ orders: 1, updated: 1 });
    expect(await sale(m, id)).toMatchObject({ influencer_id: null });
  });

  it('schedule sweeps every merchant with credentials, affiliate orders included', async () => {
    const m = await merchant('on-top');
    const id = order();
    const results = await reconcileAllTikTok(db(), config, { retry: RETRY });
    expect(results.find((r) => r.merchant_id === m)).toMatchObject({
      affiliate: { orders: 1, errors: 0, skipped: null },
    });
    expect(await sale(m, id)).toMatchObject({ influencer_id: world.mia.id, commission_minor: 1200n });
  });

  it('tiktok auth refreshes once when the shop lookup right after the code exchange answers 105002', async () => {
    const m = await merchant();
    await db()
      .updateTable('merchants')
      .set({ tiktok_access_token: null, tiktok_refresh_token: null, tiktok_shop_cipher: null })
      .where('id', '=', m)
      .execute();
    fake.fail('/authorization/202309/shops', { status: 401, code: 105002, message: 'Expired credentials' });
    const refreshes = fake.state.refreshes;
    const result = await authorizeTikTok(db(), config, { merchantId: m, code: AUTH_CODE });
    expect(result).toMatchObject({ shop_cipher: SHOP.cipher });
    expect(fake.state.refreshes).toBe(refreshes + 1);
    const row = await db().selectFrom('merchants').selectAll().where('id', '=', m).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ tiktok_access_token: fake.state.access, tiktok_shop_cipher: SHOP.cipher });
  });
});
