import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KyselyPlugin } from 'kysely';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startListener } from '../../src/http/server.js';
import { addCode } from '../../src/services/codes.js';
import { addMerchant } from '../../src/services/merchants.js';
import { describeBackends } from '../helpers/db.js';
import { get, listen } from '../helpers/http.js';
import { counts, sendShopify, sendWoo, shopifyOrder, wooOrder } from '../helpers/stores.js';
import { seedWorld } from '../helpers/world.js';

// The listener derives its per-install salt under TRACKNOW_HOME: a throwaway home for this file.
const home = mkdtempSync(join(tmpdir(), 'tracknow-clicks-'));
process.env.TRACKNOW_HOME = home;
delete process.env.TRACKNOW_CLICK_SALT;
afterAll(() => rmSync(home, { recursive: true, force: true }));

const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const COOKIE = /^tracknow=([A-Z0-9_-]+)\.([0-9a-f-]{36}); Max-Age=2592000; Path=\/; SameSite=Lax; HttpOnly(; Secure)?$/;

type World = Awaited<ReturnType<typeof seedWorld>>;

describeBackends('click tracking: GET /r/:code', (t) => {
  let world: World;
  let listener: Awaited<ReturnType<typeof listen>>;
  let url: string;
  const db = () => t().db;
  const click = (code: string, headers: Record<string, string> = { 'user-agent': BROWSER }) => get(`${url}/r/${code}`, headers);
  const clickIdOf = (reply: { headers: Record<string, string | string[] | undefined> }) => COOKIE.exec(String(reply.headers['set-cookie']))?.[2];

  beforeAll(async () => {
    world = await seedWorld(db());
    await addCode(db(), { influencerId: world.mia.id, code: 'GLOW10', merchantId: world.merchant.id, url: 'https://glow.example.com/products/serum?variant=42&note=a%20b&utm_source=old#reviews' });
    await addCode(db(), { influencerId: world.zed.id, code: 'STORE01', merchantId: world.merchant.id });
    await addCode(db(), { influencerId: world.zed.id, code: 'NOWHERE1' });
    listener = await listen(t().store);
    url = listener.url;
  });
  afterAll(async () => listener.close());

  it('redirects to the destination with utm_source, sets the cookie and stores the click with a salted IP hash', async () => {
    const reply = await click('GLOW10', { 'user-agent': BROWSER, referer: 'https://www.tiktok.com/@glowwithmia', 'x-forwarded-for': '203.0.113.7, 10.0.0.1' });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe('https://glow.example.com/products/serum?variant=42&note=a%20b&utm_source=GLOW10#reviews');
    expect(reply.headers['cache-control']).toBe('no-store');
    const cookie = String(reply.headers['set-cookie']);
    expect(cookie).toMatch(COOKIE);
    expect(cookie).not.toMatch(/Secure/);
    const row = await db().selectFrom('clicks').selectAll().where('id', '=', clickIdOf(reply)!).executeTakeFirstOrThrow();
    const salt = readFileSync(join(home, 'click-salt'), 'utf8').trim();
    expect(row).toMatchObject({ code: 'GLOW10', user_agent: BROWSER, referer: 'https://www.tiktok.com/@glowwithmia', ip_hash: createHmac('sha256', salt).update('203.0.113.7').digest('hex') });
    expect(Date.now() - row.clicked_at.getTime()).toBeLessThan(60_000);
    expect(JSON.stringify(row)).not.toContain('203.0.113');
    expect(statSync(join(home, 'click-salt')).mode & 0o777).toBe(0o600);
  });

  it('compares codes case-insensitively, falls back to the store URL, and marks https clicks Secure', async () => {
    const lower = await click('glow10');
    expect(lower.headers.location).toContain('utm_source=GLOW10');
    expect(String(lower.headers['set-cookie'])).toMatch(/^tracknow=GLOW10\./);
    const store = await click('store01/', { 'user-agent': BROWSER, 'x-forwarded-proto': 'https' });
    expect(store.status).toBe(302);
    expect(store.headers.location).toBe('https://glow.example.com/?utm_source=STORE01');
    expect(String(store.headers['set-cookie'])).toMatch(/; HttpOnly; Secure$/);
  });

  it('redirects bots and HEAD requests without counting them', async () => {
    const before = await counts(db());
    const bots = ['Googlebot/2.1 (+http://www.google.com/bot.html)', 'facebookexternalhit/1.1', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'curl/8.5.0', 'Mozilla/5.0 (compatible; AhrefsBot/7.0)', ''];
    for (const ua of bots) {
      const reply = await click('GLOW10', { 'user-agent': ua });
      expect(reply.status).toBe(302);
      expect(reply.headers['set-cookie']).toBeUndefined();
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
    const spy = await startListener({ db: db().withPlugin(recorder), host: '127.0.0.1', port: 0, log: () => undefined, maxInFlight: 1, clickSalt: async () => 'unused' });
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
    const body = shopifyOrder({ id: 888001, discount_codes: [], note_attributes: [{ name: 'tracknow_click', value: clickId }] });
    const reply = await sendShopify(url, body, { merchantId: world.merchant.id, webhookId: 'click-order-1' });
    expect(reply.json()).toMatchObject({ message: 'success', data: { commission: 12 } });
    const sale = await db().selectFrom('sales').selectAll().where('external_order_id', '=', '888001').executeTakeFirstOrThrow();
    expect(sale).toMatchObject({ attribution_method: 'click', attribution_value: 'GLOW10', click_id: clickId, influencer_id: world.mia.id, commission_minor: 1200n });
  });

  it('a click id in WooCommerce meta tracknow_click attributes the order too', async () => {
    const clickId = clickIdOf(await click('STORE01'));
    const body = wooOrder({ id: 6001, meta_data: [{ id: 1, key: 'tracknow_click', value: clickId }] });
    const reply = await sendWoo(url, body, { merchantId: world.merchant.id, deliveryId: 'click-woo-1' });
    expect(reply.json()).toMatchObject({ message: 'success', data: { commission: 6.75 } });
    const sale = await db().selectFrom('sales').selectAll().where('external_order_id', '=', '6001').executeTakeFirstOrThrow();
    expect(sale).toMatchObject({ attribution_method: 'click', attribution_value: 'STORE01', click_id: clickId, influencer_id: world.zed.id });
  });

  it("a click on a code bound to another merchant does not attribute this merchant's order", async () => {
    const other = await addMerchant(db(), { name: 'Other', currency: 'EUR', storeUrl: 'https://other.example.com/' });
    await addCode(db(), { influencerId: world.zed.id, code: 'OTHER01', merchantId: other.id });
    const clickId = clickIdOf(await click('OTHER01'));
    const body = shopifyOrder({ id: 888002, discount_codes: [], note_attributes: [{ name: 'tracknow_click', value: clickId }] });
    await sendShopify(url, body, { merchantId: world.merchant.id, webhookId: 'click-order-2' });
    const sale = await db().selectFrom('sales').selectAll().where('external_order_id', '=', '888002').executeTakeFirstOrThrow();
    expect(sale).toMatchObject({ influencer_id: null, click_id: null });
  });
});
