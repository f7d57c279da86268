import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KyselyPlugin } from 'kysely';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startListener } from '../../src/http/server.js';
import { saltProvider } from '../../src/services/records/clicks.js';
import { addCode } from '../../src/services/records/codes.js';
import { loadConfig } from '../../src/config.js';
import { ATTRIBUTION_RANK } from '../../src/domain/order-event.js';
import { addMerchant, updateMerchant } from '../../src/services/records/merchants.js';
import { describeBackends } from '../helpers/db.js';
import { get, listen } from '../helpers/http.js';
import { counts, sendShopify, sendWoo, shopifyOrder, wooOrder } from '../helpers/stores.js';
import { seedWorld } from '../helpers/world.js';

// The listener derives its per-install salt under TRACKNOW_HOME: a throwaway home for this file.
const home = mkdtempSync(join(tmpdir(), 'tracknow-clicks-'));
process.env.TRACKNOW_HOME = home;
delete process.env.TRACKNOW_CLICK_SALT;
afterAll(() => rmSync(home, { recursive: true, force: true }));

const BROWSER =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const COOKIE = /^tracknow=([A-Z0-9_-]+)\.([0-9a-f-]{36}); Max-Age=2592000; Path=\/; SameSite=Lax; HttpOnly(; Secure)?$/;

type World = Awaited<ReturnType<typeof seedWorld>>;

describeBackends('click tracking: GET /r/:code', (t) => {
  let world: World;
  let listener: Awaited<ReturnType<typeof listen>>;
  let url: string;
  const db = () => t().db;
  const click = (code: string, headers: Record<string, string> = { 'user-agent': BROWSER }) =>
    get(`${url}/r/${code}`, headers);
  const clickIdOf = (reply: { headers: Record<string, string | string[] | undefined> }) =>
    COOKIE.exec(String(reply.headers['set-cookie']))?.[2];

  beforeAll(async () => {
    world = await seedWorld(db());
    await addCode(db(), {
      influencerId: world.mia.id,
      code: 'GLOW10',
      merchantId: world.merchant.id,
      url: 'https://glow.example.com/products/serum?variant=42&note=a%20b&utm_source=old#reviews',
    });
    await addCode(db(), { influencerId: world.zed.id, code: 'STORE01', merchantId: world.merchant.id });
    await addCode(db(), { influencerId: world.zed.id, code: 'NOWHERE1' });
    listener = await listen(t().store);
    url = listener.url;
  });
  afterAll(async () => listener.close());

  it('redirects to the destination with utm_source and the click id, sets the cookie and stores the click with a salted IP hash', async () => {
    const reply = await click('GLOW10', {
      'user-agent': BROWSER,
      referer: 'https://www.tiktok.com/@glowwithmia',
      'x-forwarded-for': '203.0.113.7, 10.0.0.1',
    });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe(
      `https://glow.example.com/products/serum?variant=42&note=a%20b&utm_source=GLOW10&tracknow_click=${clickIdOf(reply)}#reviews`,
    );
    expect(reply.headers['cache-control']).toBe('no-store');
    const cookie = String(reply.headers['set-cookie']);
    expect(cookie).toMatch(COOKIE);
    expect(cookie).not.toMatch(/Secure/);
    const row = await db()
      .selectFrom('clicks')
      .selectAll()
      .where('id', '=', clickIdOf(reply)!)
      .executeTakeFirstOrThrow();
    const salt = readFileSync(join(home, 'click-salt'), 'utf8').trim();
    // No TRACKNOW_TRUSTED_PROXIES: the forwarded address is ignored, the peer is the visitor.
    expect(row).toMatchObject({
      code: 'GLOW10',
      user_agent: BROWSER,
      referer: 'https://www.tiktok.com/@glowwithmia',
      ip_hash: createHmac('sha256', salt).update('127.0.0.1').digest('hex'),
    });
    expect(Date.now() - row.clicked_at.getTime()).toBeLessThan(60_000);
    expect(JSON.stringify(row)).not.toContain('127.0.0.1');
    expect(statSync(join(home, 'click-salt')).mode & 0o777).toBe(0o600);
  });

  it('compares codes case-insensitively, falls back to the store URL, and ignores X-Forwarded-Proto from an untrusted peer', async () => {
    const lower = await click('glow10');
    expect(lower.headers.location).toContain('utm_source=GLOW10');
    expect(String(lower.headers['set-cookie'])).toMatch(/^tracknow=GLOW10\./);
    const store = await click('store01/', { 'user-agent': BROWSER, 'x-forwarded-proto': 'https' });
    expect(store.status).toBe(302);
    expect(store.headers.location).toBe(
      `https://glow.example.com/?utm_source=STORE01&tracknow_click=${clickIdOf(store)}`,
    );
    expect(String(store.headers['set-cookie'])).not.toMatch(/Secure/);
  });

  it('redirects bots and HEAD requests without counting them', async () => {
    const before = await counts(db());
    const bots = [
      'Googlebot/2.1 (+http://www.google.com/bot.html)',
      'facebookexternalhit/1.1',
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'curl/8.5.0',
      'Mozilla/5.0 (compatible; AhrefsBot/7.0)',
      '',
    ];
    for (const ua of bots) {
      const reply = await click('GLOW10', { 'user-agent': ua });
      expect(reply.status).toBe(302);
      expect(reply.headers['set-cookie']).toBeUndefined();
      expect(reply.headers.location).not.toContain('tracknow_click');
    }
    const head = await request(`${url}/r/GLOW10`, { method: 'HEAD', headers: { 'user-agent': BROWSER } });
    expect(head.statusCode).toBe(302);
    await head.body.dump();
    expect(await counts(db())).toEqual(before);
  });

  it('answers a plain 404 page for unknown codes and codes with nowhere to go, counting nothing', async () => {
    const before = await counts(db());
    for (const code of ['NOPE9999', 'NOWHERE1', 'ab', '', 'GLOW10/extra', '%E0%A4%A']) {
      const reply = await click(code);
      expect(reply.status, code).toBe(404);
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(reply.text).toContain('Link not found');
    }
    expect((await request(`${url}/r/GLOW10`, { method: 'POST', body: '' })).statusCode).toBe(404);
    expect(await counts(db())).toEqual(before);
  });

  it('never sends an over-long or lookalike code to the database', async () => {
    const seen: string[] = [];
    const recorder: KyselyPlugin = {
      transformQuery: (args) => (seen.push(JSON.stringify(args.node)), args.node),
      transformResult: async (args) => args.result,
    };
    const spy = await startListener({
      db: db().withPlugin(recorder),
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
      maxInFlight: 1,
      clickSalt: async () => 'unused',
    });
    try {
      const long = 'A'.repeat(10_000);
      const lookalikes = ['АВС12345', 'ＡＢＣ12345', 'GLOW1０', 'ABC１2345'];
      for (const code of [long, ...lookalikes]) {
        expect((await get(`${spy.url}/r/${encodeURIComponent(code)}`, { 'user-agent': BROWSER })).status).toBe(404);
      }
      expect(seen).toEqual([]);
      expect((await get(`${spy.url}/r/abc12345`, { 'user-agent': 'curl/8.5.0' })).status).toBe(404); // ABC12345 has no destination
      expect(seen.join()).toContain('ABC12345'); // the recorder does see real lookups
    } finally {
      await spy.close();
    }
  });

  it('a click id carried by a Shopify order attributes it to the click’s code and the sale records the click', async () => {
    const clickId = clickIdOf(await click('GLOW10'));
    expect(clickId).toBeDefined();
    const body = shopifyOrder({
      id: 888001,
      discount_codes: [],
      note_attributes: [{ name: 'tracknow_click', value: clickId }],
    });
    const reply = await sendShopify(url, body, { merchantId: world.merchant.id, webhookId: 'click-order-1' });
    expect(reply.json()).toMatchObject({ message: 'success', data: { commission: 10 } });
    const sale = await db()
      .selectFrom('sales')
      .selectAll()
      .where('external_order_id', '=', '888001')
      .executeTakeFirstOrThrow();
    expect(sale).toMatchObject({
      attribution_method: 'click',
      attribution_value: 'GLOW10',
      click_id: clickId,
      influencer_id: world.mia.id,
      commission_minor: 1000n,
    });
  });

  it('a click id in WooCommerce meta tracknow_click attributes the order too', async () => {
    const clickId = clickIdOf(await click('STORE01'));
    const body = wooOrder({ id: 6001, meta_data: [{ id: 1, key: 'tracknow_click', value: clickId }] });
    const reply = await sendWoo(url, body, { merchantId: world.merchant.id, deliveryId: 'click-woo-1' });
    expect(reply.json()).toMatchObject({ message: 'success', data: { commission: 6.75 } });
    const sale = await db()
      .selectFrom('sales')
      .selectAll()
      .where('external_order_id', '=', '6001')
      .executeTakeFirstOrThrow();
    expect(sale).toMatchObject({
      attribution_method: 'click',
      attribution_value: 'STORE01',
      click_id: clickId,
      influencer_id: world.zed.id,
    });
  });

  it("a click on a code bound to another merchant does not attribute this merchant's order", async () => {
    const other = await addMerchant(db(), { name: 'Other', currency: 'EUR', storeUrl: 'https://other.example.com/' });
    await addCode(db(), { influencerId: world.zed.id, code: 'OTHER01', merchantId: other.id });
    const clickId = clickIdOf(await click('OTHER01'));
    const body = shopifyOrder({
      id: 888002,
      discount_codes: [],
      note_attributes: [{ name: 'tracknow_click', value: clickId }],
    });
    await sendShopify(url, body, { merchantId: world.merchant.id, webhookId: 'click-order-2' });
    const sale = await db()
      .selectFrom('sales')
      .selectAll()
      .where('external_order_id', '=', '888002')
      .executeTakeFirstOrThrow();
    expect(sale).toMatchObject({ influencer_id: null, click_id: null });
  });
});

describeBackends(
  'clicks close the loop: click id in orders, one click per visitor and hour, trusted proxies, window',
  (t) => {
    let world: World;
    let plain: Awaited<ReturnType<typeof listen>>;
    let behindProxy: Awaited<ReturnType<typeof startListener>>;
    const db = () => t().db;
    const clickIdOf = (reply: { headers: Record<string, string | string[] | undefined> }) =>
      COOKIE.exec(String(reply.headers['set-cookie']))?.[2];
    const clicksOf = async (code: string) =>
      db().selectFrom('clicks').selectAll().where('code', '=', code).orderBy('clicked_at').execute();
    const salt = () => readFileSync(join(home, 'click-salt'), 'utf8').trim();
    /** landing_site as Shopify records it: the path and query the redirect sent the buyer to. */
    const landingOf = (location: string) => {
      const u = new URL(location);
      return `${u.pathname}${u.search}`;
    };

    beforeAll(async () => {
      world = await seedWorld(db());
      await addCode(db(), {
        influencerId: world.mia.id,
        code: 'LOOP01',
        merchantId: world.merchant.id,
        url: 'https://glow.example.com/products/serum',
      });
      await addCode(db(), { influencerId: world.zed.id, code: 'LOOP02', merchantId: world.merchant.id });
      await addCode(db(), { influencerId: world.zed.id, code: 'PROXY01', merchantId: world.merchant.id });
      await addCode(db(), { influencerId: world.mia.id, code: 'OLD01', merchantId: world.merchant.id });
      plain = await listen(t().store);
      const config = loadConfig({}, { ...process.env, TRACKNOW_TRUSTED_PROXIES: '127.0.0.1, ::1' });
      behindProxy = await startListener({
        db: db(),
        host: '127.0.0.1',
        port: 0,
        log: () => undefined,
        maxInFlight: 1,
        clickSalt: saltProvider(config),
        trustedProxies: config.trustedProxies,
      });
    });
    afterAll(async () => {
      await plain.close();
      await behindProxy.close();
    });

    it("a real redirect's click id attributes a Shopify order by landing_site (priority 2, method click), over its utm_source", async () => {
      const reply = await get(`${plain.url}/r/LOOP01`, { 'user-agent': BROWSER });
      const clickId = clickIdOf(reply)!;
      const location = String(reply.headers.location);
      expect(location).toBe(`https://glow.example.com/products/serum?utm_source=LOOP01&tracknow_click=${clickId}`);
      // The buyer lands with both parameters; a discount code of another influencer would outrank it, so none here.
      const body = shopifyOrder({
        id: 990001,
        discount_codes: [],
        note_attributes: [],
        landing_site: landingOf(location),
        created_at: new Date().toISOString(),
      });
      const sent = await sendShopify(plain.url, body, { merchantId: world.merchant.id, webhookId: 'loop-1' });
      expect(sent.status).toBe(200);
      expect(ATTRIBUTION_RANK.click).toBe(2);
      expect(ATTRIBUTION_RANK.utm_source).toBe(3);
      const sale = await db()
        .selectFrom('sales')
        .selectAll()
        .where('external_order_id', '=', '990001')
        .executeTakeFirstOrThrow();
      expect(sale).toMatchObject({
        attribution_method: 'click',
        attribution_value: 'LOOP01',
        click_id: clickId,
        influencer_id: world.mia.id,
      });
    });

    it('a WooCommerce order attributes by the landing page WooCommerce 8.5+ records', async () => {
      const reply = await get(`${plain.url}/r/LOOP02`, { 'user-agent': BROWSER });
      const clickId = clickIdOf(reply)!;
      const meta = [{ id: 1, key: '_wc_order_attribution_session_entry', value: String(reply.headers.location) }];
      const body = wooOrder({ id: 7001, meta_data: meta, date_created_gmt: new Date().toISOString().slice(0, 19) });
      expect((await sendWoo(plain.url, body, { merchantId: world.merchant.id, deliveryId: 'loop-woo-1' })).status).toBe(
        200,
      );
      const sale = await db()
        .selectFrom('sales')
        .selectAll()
        .where('external_order_id', '=', '7001')
        .executeTakeFirstOrThrow();
      expect(sale).toMatchObject({
        attribution_method: 'click',
        attribution_value: 'LOOP02',
        click_id: clickId,
        influencer_id: world.zed.id,
      });
    });

    it('repeat clicks by one visitor count once per code and hour, also when they arrive together', async () => {
      const first = await get(`${plain.url}/r/LOOP02`, {
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      });
      const again = await Promise.all(
        Array.from({ length: 6 }, () =>
          get(`${plain.url}/r/LOOP02`, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' }),
        ),
      );
      expect(new Set(again.map(clickIdOf))).toEqual(new Set([clickIdOf(first)]));
      const other = await get(`${plain.url}/r/LOOP02`, { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/126.0' });
      expect(clickIdOf(other)).not.toBe(clickIdOf(first));
      const rows = await clicksOf('LOOP02');
      expect(rows.filter((r) => r.user_agent?.includes('Firefox'))).toHaveLength(1);
      // An hour later the same visitor counts again.
      await db()
        .updateTable('clicks')
        .set({ clicked_at: new Date(Date.now() - 61 * 60_000) })
        .where('id', '=', clickIdOf(first)!)
        .execute();
      const later = await get(`${plain.url}/r/LOOP02`, {
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      });
      expect(clickIdOf(later)).not.toBe(clickIdOf(first));
      expect((await clicksOf('LOOP02')).filter((r) => r.user_agent?.includes('Firefox'))).toHaveLength(2);
    });

    it('a forged X-Forwarded-For from an untrusted peer changes nothing; from a trusted proxy it names the visitor', async () => {
      const ua = 'Mozilla/5.0 (Macintosh) Safari/605.1.15';
      const a = await get(`${plain.url}/r/PROXY01`, { 'user-agent': ua, 'x-forwarded-for': '198.51.100.1' });
      const b = await get(`${plain.url}/r/PROXY01`, {
        'user-agent': ua,
        'x-forwarded-for': '198.51.100.2',
        'x-forwarded-proto': 'https',
      });
      expect(clickIdOf(b)).toBe(clickIdOf(a)); // same peer, same visitor: counted once
      expect(String(b.headers['set-cookie'])).not.toMatch(/Secure/);
      let rows = await clicksOf('PROXY01');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.ip_hash).toBe(createHmac('sha256', salt()).update('127.0.0.1').digest('hex'));
      // Behind a trusted proxy: the address it appended is the visitor, a prepended forgery is not.
      const c = await get(`${behindProxy.url}/r/PROXY01`, {
        'user-agent': ua,
        'x-forwarded-for': '6.6.6.6, 198.51.100.7',
        'x-forwarded-proto': 'https',
      });
      expect(String(c.headers['set-cookie'])).toMatch(/; Secure$/);
      rows = await clicksOf('PROXY01');
      expect(rows).toHaveLength(2);
      expect(rows[1]!.ip_hash).toBe(createHmac('sha256', salt()).update('198.51.100.7').digest('hex'));
    });

    it("a click attributes only inside the merchant's attribution window", async () => {
      await updateMerchant(db(), world.merchant.id, { attributionWindow: '7d' });
      const reply = await get(`${plain.url}/r/OLD01`, { 'user-agent': BROWSER });
      const clickId = clickIdOf(reply)!;
      const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
      await db().updateTable('clicks').set({ clicked_at: eightDaysAgo }).where('id', '=', clickId).execute();
      const order = (id: number, note: string) =>
        shopifyOrder({
          id,
          discount_codes: [],
          landing_site: '/',
          note_attributes: [{ name: 'tracknow_click', value: clickId }],
          created_at: note,
        });
      await sendShopify(plain.url, order(990002, new Date().toISOString()), {
        merchantId: world.merchant.id,
        webhookId: 'window-1',
      });
      await sendShopify(plain.url, order(990003, new Date(eightDaysAgo.getTime() + 6 * 86_400_000).toISOString()), {
        merchantId: world.merchant.id,
        webhookId: 'window-2',
      });
      const sales = await db()
        .selectFrom('sales')
        .select(['external_order_id', 'attribution_method', 'influencer_id'])
        .where('external_order_id', 'in', ['990002', '990003'])
        .orderBy('external_order_id')
        .execute();
      expect(sales).toEqual([
        { external_order_id: '990002', attribution_method: null, influencer_id: null },
        { external_order_id: '990003', attribution_method: 'click', influencer_id: world.mia.id },
      ]);
      await updateMerchant(db(), world.merchant.id, { attributionWindow: '30d' });
    });
  },
);
