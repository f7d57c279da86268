import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withStore } from '../../src/store/connect.js';
import { runInProcess as runCli } from '../helpers/cli.js';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js';
import { SHOPIFY, TIKTOK, WOO, seedWorld } from '../helpers/world.js';

type World = Awaited<ReturnType<typeof seedWorld>>;
type Platform = 'tiktok' | 'shopify' | 'woocommerce';

/** Each step: the sender's flags, and what the listener's answer says about the sale. */
const STEPS: [string, Platform, string[], Record<string, unknown>][] = [
  [
    'TikTok simple paid: pending, commission 18.83',
    'tiktok',
    ['--order-id', 'T1'],
    { outcome: 'created', status: 'pending', commission: 18.83, currency: 'USD' },
  ],
  [
    'TikTok simple cancelled: cancelled',
    'tiktok',
    ['--order-id', 'T1', '--event', 'cancelled'],
    { outcome: 'cancelled', status: 'cancelled' },
  ],
  [
    'TikTok notification paid with order detail',
    'tiktok',
    ['--shape', 'notification', '--order-id', 'T2', '--amount', '79.90', '--currency', 'EUR', '--code', 'abc12345'],
    { outcome: 'created', status: 'pending', commission: 11.99, currency: 'EUR' },
  ],
  [
    'TikTok notification cancelled',
    'tiktok',
    ['--shape', 'notification', '--event', 'cancelled', '--order-id', 'T2'],
    { outcome: 'cancelled', status: 'cancelled' },
  ],
  [
    'TikTok notification paid, bare',
    'tiktok',
    ['--shape', 'notification', '--order-id', 'T3'],
    { outcome: 'created', status: 'pending' },
  ],
  [
    'TikTok refunded (a return notification)',
    'tiktok',
    ['--event', 'refunded', '--order-id', 'T3'],
    { outcome: 'cancelled', status: 'cancelled' },
  ],
  [
    'Shopify orders/create with a discount code: attributed',
    'shopify',
    ['--event', 'orders/create', '--order-id', '5001', '--code', 'ABC12345', '--amount', '80.00', '--currency', 'EUR'],
    { status: 'pending', commission: 12, currency: 'EUR' },
  ],
  [
    'Shopify orders/paid: still pending',
    'shopify',
    ['--event', 'orders/paid', '--order-id', '5001', '--amount', '80.00', '--currency', 'EUR'],
    { status: 'pending', commission: 12 },
  ],
  [
    'Shopify refunds/create: reduced',
    'shopify',
    ['--event', 'refunds/create', '--order-id', '5001', '--amount', '20.00', '--currency', 'EUR'],
    { outcome: 'updated', status: 'pending', commission: 9 },
  ],
  [
    'Shopify orders/cancelled: cancelled',
    'shopify',
    ['--event', 'orders/cancelled', '--order-id', '5001'],
    { outcome: 'cancelled', status: 'cancelled' },
  ],
  [
    'WooCommerce order.created with a coupon: attributed',
    'woocommerce',
    ['--event', 'order.created', '--order-id', '4821', '--code', 'ZX9Q77', '--amount', '45.00', '--currency', 'EUR'],
    { outcome: 'created', status: 'pending', commission: 6.75 },
  ],
  [
    'WooCommerce order.updated refunded: cancelled',
    'woocommerce',
    ['--event', 'order.updated', '--order-id', '4821', '--status', 'refunded'],
    { outcome: 'cancelled', status: 'cancelled' },
  ],
  [
    'WooCommerce order.updated completed, new order',
    'woocommerce',
    ['--event', 'order.updated', '--order-id', '4822'],
    { outcome: 'created', status: 'pending' },
  ],
];

/** Secrets from files, as an operator should give them (a literal --secret warns that it shows in `ps`). */
const secretDir = mkdtempSync(join(tmpdir(), 'tracknow-secrets-'));
function secretFile(name: string, secret: string): string {
  const path = join(secretDir, name);
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return path;
}
const SECRETS: Record<Platform, string[]> = {
  tiktok: ['--secret-file', secretFile('tiktok', TIKTOK.appSecret), '--app-key', TIKTOK.appKey],
  shopify: ['--secret-file', secretFile('shopify', SHOPIFY.secret)],
  woocommerce: ['--secret-file', secretFile('woocommerce', WOO.secret)],
};

for (const backend of BACKENDS) {
  describe(`send-test-webhook against a running tracknow serve [${backend}]`, () => {
    let target: CliTarget;
    let world: World;
    let serve: ServeProcess;
    // On the embedded store the steps sign with --secret (no database opened); on PostgreSQL
    // with the merchant's stored secret.
    const creds = (p: Platform) => (backend === 'pglite' ? SECRETS[p] : []);
    const send = (p: Platform, args: string[], url = serve.url) =>
      runCli(
        [
          'send-test-webhook',
          '--json',
          '--platform',
          p,
          '--merchant',
          world.merchant.id,
          '--url',
          url,
          ...creds(p),
          ...args,
        ],
        { ...target.env, TRACKNOW_LOCK_TIMEOUT_MS: '500' },
      );

    beforeAll(async () => {
      target = await createCliTarget(backend);
      world = await withStore(target.config, (store) => seedWorld(store.db));
      serve = await spawnServe(target.env);
    });
    afterAll(async () => {
      await serve?.stop();
      await target?.cleanup();
    });

    it.each(STEPS)('%s', async (_name, platform, args, expected) => {
      const r = await send(platform, args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = r.json();
      expect(out).toMatchObject({ platform, status: 200, ok: true, response: { code: 0, data: expected } });
      expect(out.duration_ms).toBeGreaterThan(0);
    });

    it("signs with the merchant's stored secret while serve holds the store", async () => {
      const r = await runCli(
        [
          'send-test-webhook',
          '--json',
          '--platform',
          'woocommerce',
          '--merchant',
          world.merchant.id,
          '--url',
          serve.url,
          '--order-id',
          '4900',
        ],
        target.env,
      );
      expect(r.stderr).toBe('');
      expect(r.json()).toMatchObject({ status: 200, response: { data: { outcome: 'created' } } });
    });

    it('exits 1 on a wrong --secret: the listener answers 401', async () => {
      const r = await runCli(
        [
          'send-test-webhook',
          '--platform',
          'shopify',
          '--merchant',
          world.merchant.id,
          '--url',
          serve.url,
          '--secret-file',
          secretFile('wrong', 'wrong-secret-123456'),
        ],
        target.env,
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^401 in /);
      expect(r.stderr).toMatch(
        /^error: the listener rejected the signature \(401: X-Shopify-Hmac-Sha256 does not match.*check --secret/,
      );
      expect(r.stdout + r.stderr).not.toContain('wrong-secret-123456');
    });

    it('exits 1 for a merchant the listener does not know (404)', async () => {
      const r = await send('woocommerce', [
        '--merchant',
        '00000000-0000-4000-8000-000000000000',
        ...SECRETS.woocommerce,
      ]);
      expect(r.code).toBe(1);
      expect(r.json()).toMatchObject({ status: 404, ok: false });
      expect(r.stderr).toMatch(/does not know merchant 00000000-0000-4000-8000-000000000000 \(404/);
    });

    it('sends --from-file byte for byte', async () => {
      const { writeFile } = await import('node:fs/promises');
      const file = `${target.home}/captured.json`;
      const raw =
        '{"id":77001,"currency":"EUR","financial_status":"paid","created_at":"2026-10-01T14:03:11-04:00","subtotal_price":"80.00","total_price":"85.90",\n "discount_codes":[{"code":"ABC12345"}]}';
      await writeFile(file, raw);
      const dry = await runCli([
        'send-test-webhook',
        '--platform',
        'shopify',
        '--merchant',
        world.merchant.id,
        ...SECRETS.shopify,
        '--from-file',
        file,
        '--dry-run',
      ]);
      expect(dry.json().body).toBe(raw);
      const r = await send('shopify', ['--from-file', file, '--event', 'orders/create']);
      expect(r.json()).toMatchObject({
        status: 200,
        response: { data: { outcome: 'created', commission: 12, currency: 'EUR' } },
      });
    });

    it('left every sale as the steps said, in the database', async () => {
      const { code } = await serve.stop();
      expect(code).toBe(0);
      const sales = await withStore(target.config, (s) => s.db.selectFrom('sales').selectAll().execute());
      const byOrder = new Map(sales.map((s) => [`${s.platform}:${s.external_order_id}`, s]));
      expect(byOrder.get('tiktok:T1')).toMatchObject({
        status: 'cancelled',
        base_minor: 12550n,
        influencer_id: world.mia.id,
      });
      expect(byOrder.get('tiktok:T2')).toMatchObject({ status: 'cancelled', attribution_method: 'promo_code' });
      expect(byOrder.get('tiktok:T3')).toMatchObject({ status: 'cancelled', order_status: 'refunded' });
      expect(byOrder.get('shopify:5001')).toMatchObject({
        status: 'cancelled',
        base_minor: 8000n,
        refunded_minor: 2000n,
        currency: 'EUR',
      });
      expect(byOrder.get('woocommerce:4821')).toMatchObject({
        status: 'cancelled',
        influencer_id: world.zed.id,
        base_minor: 4500n,
      });
      expect(byOrder.get('woocommerce:4822')).toMatchObject({
        status: 'pending',
        influencer_id: null,
        base_minor: 12550n,
      });
    });

    it("signs with the merchant's stored secret when the store is free", async () => {
      const { createHmac } = await import('node:crypto');
      const r = await runCli(
        [
          'send-test-webhook',
          '--platform',
          'tiktok',
          '--merchant',
          world.merchant.id,
          '--shape',
          'notification',
          '--dry-run',
        ],
        target.env,
      );
      expect(r.code).toBe(0);
      const req = r.json();
      expect(req.headers.Authorization).toBe(
        createHmac('sha256', TIKTOK.appSecret).update(TIKTOK.appKey).update(req.body).digest('hex'),
      );
      // The merchant's shop id goes into the real envelope, so verify() accepts it.
      expect(JSON.parse(req.body)).toMatchObject({ type: 1, shop_id: TIKTOK.shopId });
      expect(r.stdout).not.toContain(TIKTOK.appSecret);
      const unknown = await runCli(
        [
          'send-test-webhook',
          '--platform',
          'shopify',
          '--merchant',
          '00000000-0000-4000-8000-000000000000',
          '--dry-run',
        ],
        target.env,
      );
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^error: unknown merchant/);
    });

    it('exits 1 with "no listener" once the listener is down', async () => {
      const r = await send('woocommerce', [...SECRETS.woocommerce]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: no listener at http:\/\/127\.0\.0\.1:\d+; start it with `tracknow serve`/);
    });
  });
}
