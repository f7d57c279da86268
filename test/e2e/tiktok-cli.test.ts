import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';
import { affiliateOrder, apiOrder, AUTH_CODE, startFakeTikTok, type FakeTikTok } from '../helpers/fake-tiktok.js';
import { post, tiktokSignature } from '../helpers/http.js';
import { spawnServe } from '../helpers/serve-process.js';
import { seedWorld, TIKTOK } from '../helpers/world.js';

for (const backend of BACKENDS) {
  describe(`tracknow tiktok auth, reconcile tiktok and tiktok enrich on ${backend}`, () => {
    let target: CliTarget;
    let fake: FakeTikTok;
    let merchantId: string;
    const api = () => ({ TRACKNOW_TIKTOK_API_URL: fake.url, TRACKNOW_TIKTOK_AUTH_URL: fake.url });
    const cli = (...args: string[]) => target.run(args, api());
    /** A real process, for while a spawned listener holds the store. */
    const spawned = (...args: string[]) => runCli(args, { ...target.env, ...api() });

    beforeAll(async () => {
      target = await createCliTarget(backend);
      fake = await startFakeTikTok();
      merchantId = (await seedWorld((await target.store()).db)).merchant.id;
    });
    afterAll(async () => {
      await fake.close();
      await target.cleanup();
    });

    it('auth stores the tokens and prints only their expiry and the shop cipher', async () => {
      const r = await cli('tiktok', 'auth', '--merchant', merchantId, '--code', AUTH_CODE, '--json');
      expect(r.code).toBe(0);
      expect(r.json()).toMatchObject({
        merchant_id: merchantId,
        shop_cipher: 'ROW_fakeCipher0001',
        access_token_expires_at: expect.any(String),
      });
      expect(r.stdout + r.stderr).not.toMatch(/TTP_/);
      const shown = await cli('merchant', 'show', merchantId, '--json');
      expect(shown.json()).toMatchObject({
        tiktok_access_token: expect.stringMatching(/^\*\*\*\*/),
        tiktok_shop_cipher: 'ROW_fakeCipher0001',
      });
      expect(shown.stdout).not.toMatch(/TTP_access/);
    });

    it('reconcile tiktok --json prints the contract counts and is idempotent', async () => {
      fake.orders.set(
        '576461413038799001',
        apiOrder({
          id: '576461413038799001',
          update_time: Math.floor(Date.now() / 1000) - 3600,
          sub_total: '79.90',
          buyer_message: 'TRACK:ZX9Q77',
        }),
      );
      const first = await cli('reconcile', 'tiktok', '--merchant', merchantId, '--since', '2h', '--json');
      expect(first.code).toBe(0);
      expect(first.json()).toMatchObject({ orders: 1, created: 1, updated: 0, unchanged: 0, errors: [] });
      const again = await cli('reconcile', 'tiktok', '--merchant', merchantId, '--since', '2h', '--json');
      expect(again.json()).toMatchObject({ orders: 1, created: 0, updated: 0, unchanged: 1, errors: [] });
      const sales = await cli('sales', 'list', '--merchant', merchantId, '--json');
      expect(sales.json()).toEqual([
        expect.objectContaining({
          order_id: '576461413038799001',
          commission: '11.99',
          currency: 'USD',
          status: 'pending',
        }),
      ]);
    });

    it("reconcile tiktok sweeps affiliate orders: the creator is attributed, TikTok's commission recorded, --tiktok-affiliate decides what is owed", async () => {
      const id = '576461413038799009';
      const created = Math.floor(Date.now() / 1000) - 1800;
      fake.affiliateOrders.set(
        id,
        affiliateOrder({ id, create_time: created, creator: 'glowwithmia', price: '80.00', estimated: '8.00' }),
      );
      const set = await cli('merchant', 'set', merchantId, '--tiktok-affiliate', 'on-top', '--json');
      expect(set.json()).toMatchObject({ tiktok_affiliate: 'on-top' });
      expect((await cli('merchant', 'set', merchantId, '--tiktok-affiliate', 'twice')).code).toBe(2);
      const r = await cli('reconcile', 'tiktok', '--merchant', merchantId, '--since', '2h', '--json');
      expect(r.code).toBe(0);
      expect(r.json()).toMatchObject({ affiliate: { orders: 1, created: 1, errors: [], skipped: null } });
      const sales = await cli('sales', 'list', '--merchant', merchantId, '--json');
      expect(sales.json()).toContainEqual(
        expect.objectContaining({
          order_id: id,
          attribution: 'creator_username',
          commission: '12.00',
          platform_commission: '8.00',
        }),
      );
      fake.state.affiliateScope = false;
      const refused = await cli('reconcile', 'tiktok', '--merchant', merchantId, '--since', '2h');
      expect(refused.code).toBe(0);
      expect(refused.stderr.match(/affiliate scope/g)).toHaveLength(1);
      fake.state.affiliateScope = true;
    }, 180_000);

    it('serve answers a real notification at once and fetches its order detail in the background', async () => {
      const orderId = '576461413038799002';
      const updateTime = Math.floor(Date.now() / 1000) - 30;
      fake.orders.set(
        orderId,
        apiOrder({ id: orderId, update_time: updateTime, sub_total: '125.50', buyer_message: 'TRACK:ZX9Q77' }),
      );
      await target.release();
      const serve = await spawnServe({ ...target.env, ...api(), TRACKNOW_NOTIFY_INTERVAL_MS: '200' });
      try {
        const body = JSON.stringify({
          type: 1,
          tts_notification_id: '7327112393057379002',
          shop_id: TIKTOK.shopId,
          timestamp: updateTime,
          data: { order_id: orderId, order_status: 'AWAITING_SHIPMENT', update_time: updateTime },
        });
        const started = performance.now();
        const hook = await post(`${serve.url}/api/webhook/tiktok/${merchantId}`, body, {
          authorization: tiktokSignature(body),
        });
        expect(hook.status).toBe(200);
        expect(performance.now() - started).toBeLessThan(3000);
        let commission: string | null = null;
        for (let i = 0; i < 20 && commission === null; i++) {
          const sales = (await spawned('sales', 'list', '--merchant', merchantId, '--json')).json() as {
            order_id: string;
            commission: string | null;
          }[];
          commission = sales.find((x) => x.order_id === orderId)?.commission ?? null;
          if (commission === null) await new Promise((r) => setTimeout(r, 500));
        }
        expect(commission).toBe('18.83');
      } finally {
        const stopped = await serve.stop();
        expect(stopped.code).toBe(0);
        expect(stopped.stderr).not.toMatch(/TTP_|tts_secret/);
      }
    });

    it('tiktok enrich --json reports an empty queue', async () => {
      const r = await cli('tiktok', 'enrich', '--json');
      expect(r.code).toBe(0);
      expect(r.json()).toEqual({ claimed: 0, enriched: 0, retried: 0, failed: 0 });
    });

    it('exits 2 on usage errors and 1 with one error line when TikTok refuses', async () => {
      expect((await cli('reconcile', 'tiktok', '--json')).code).toBe(2);
      expect((await cli('reconcile', 'tiktok', '--merchant', merchantId, '--since', 'soon')).code).toBe(2);
      expect((await cli('tiktok', 'auth', '--merchant', merchantId)).code).toBe(2);
      const refused = await cli('tiktok', 'auth', '--merchant', merchantId, '--code', 'used-up-code');
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(/^error: Get Access Token: TikTok answered HTTP 200 code 36004003/);
      expect(refused.stderr).not.toMatch(/tts_secret|app_secret=/);
    });
  });
}
