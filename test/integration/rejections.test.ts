import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startListener } from '../../src/http/server.js';
import { addMerchant } from '../../src/services/records/merchants.js';
import { describeBackends } from '../helpers/db.js';
import { listen, post, tiktokSignature } from '../helpers/http.js';
import { base64Hmac, counts, sendShopify, shopifyOrder } from '../helpers/stores.js';
import { SHOPIFY, TIKTOK, seedWorld } from '../helpers/world.js';

type World = Awaited<ReturnType<typeof seedWorld>>;

/** Words that would describe how a merchant is configured or how to fix it. */
const CONFIG_HINT = /secret|merchant set|check|configur|--|app key|tracknow|TRACKNOW_|myshopify|7494049642642441621/i;

describeBackends('rejections say what failed, never how the merchant is configured', (t) => {
  let world: World;
  let listener: Awaited<ReturnType<typeof listen>>;
  const db = () => t().db;

  beforeAll(async () => {
    world = await seedWorld(db());
    listener = await listen(t().store);
  });
  afterAll(async () => listener.close());

  it('401 bodies name the failed check only; the log keeps the hint for the operator', async () => {
    const before = await counts(db());
    const body = shopifyOrder({ id: 770001 });
    const bad = await sendShopify(listener.url, body, {
      merchantId: world.merchant.id,
      webhookId: 'r-1',
      signature: base64Hmac('wrong', body),
    });
    const noSecret = await addMerchant(db(), { name: 'No secret', currency: 'EUR' });
    const unset = await sendShopify(listener.url, body, { merchantId: noSecret.id, webhookId: 'r-2' });
    const otherShop = await sendShopify(listener.url, body, {
      merchantId: world.merchant.id,
      webhookId: 'r-3',
      domain: 'evil.example.com',
    });
    const tiktok = await post(
      `${listener.url}/api/webhook/tiktok/${world.merchant.id}`,
      '{"type":1,"shop_id":"1","data":{"order_id":"1"}}',
      { authorization: 'ab'.repeat(32) },
    );
    const tiktokUnset = await post(`${listener.url}/api/webhook/tiktok/${noSecret.id}`, '{}', {
      authorization: 'ab'.repeat(32),
    });
    for (const reply of [bad, unset, otherShop, tiktok, tiktokUnset]) {
      expect(reply.status).toBe(401);
      expect(reply.text).not.toMatch(CONFIG_HINT);
    }
    expect(bad.json().message).toBe('X-Shopify-Hmac-Sha256 does not match the body');
    expect(unset.json().message).toBe('X-Shopify-Hmac-Sha256 does not verify');
    expect(otherShop.json().message).toBe("the webhook is from shop evil.example.com, not this merchant's");
    expect(await counts(db())).toEqual(before);
    const logged = listener.logs.filter((e) => e.status === 401);
    expect(logged.some((e) => String(e.hint).includes(`tracknow merchant set ${noSecret.id} --shopify-secret`))).toBe(
      true,
    );
  });

  it('a signed body that is not valid UTF-8 is a 400 that writes nothing', async () => {
    const before = await counts(db());
    // "\xff\xfe" and "\xfe\xff" would both decode to "��": unrelated orders would merge.
    for (const bytes of [[0xff, 0xfe], [0xfe, 0xff], [0xc3]]) {
      const raw = Buffer.concat([
        Buffer.from('{"type":1,"shop_id":"' + TIKTOK.shopId + '","data":{"order_id":"'),
        Buffer.from(bytes),
        Buffer.from('","order_status":"AWAITING_SHIPMENT"}}'),
      ]);
      const reply = await post(`${listener.url}/api/webhook/tiktok/${world.merchant.id}`, raw, {
        authorization: tiktokSignature(raw),
      });
      expect(reply.status).toBe(400);
      expect(reply.json().message).toBe('the body is not valid UTF-8');
      const shopify = Buffer.concat([
        Buffer.from(shopifyOrder({ id: 770002 }).slice(0, -1) + ',"note":"'),
        Buffer.from(bytes),
        Buffer.from('"}'),
      ]);
      const s = await sendShopify(listener.url, shopify, {
        merchantId: world.merchant.id,
        webhookId: `utf8-${bytes.join('-')}`,
        signature: base64Hmac(SHOPIFY.secret, shopify),
      });
      expect(s.status).toBe(400);
    }
    expect(await counts(db())).toEqual(before);
  });

  it('secrets stored encrypted verify with the key; a listener without it answers 503 and says nothing of keys', async () => {
    const key = randomBytes(32);
    const sealed = await addMerchant(
      db(),
      { name: 'Sealed', currency: 'EUR', shopifySecret: 'shpss_sealed_0123456789' },
      { encryptionKey: key },
    );
    expect(sealed.shopify_secret).toMatch(/^tnenc:v1:[0-9a-f]{8}:/);
    const env = { ...process.env, TRACKNOW_ENCRYPTION_KEY: key.toString('base64') };
    const keyed = await startListener({
      db: db(),
      host: '127.0.0.1',
      port: 0,
      log: () => undefined,
      maxInFlight: 1,
      clickSalt: async () => 'unused',
      encryptionKey: loadConfig({}, env).encryptionKey,
    });
    try {
      const body = shopifyOrder({ id: 770003, discount_codes: [] });
      const signature = base64Hmac('shpss_sealed_0123456789', body);
      const ok = await sendShopify(keyed.url, body, {
        merchantId: sealed.id,
        webhookId: 'sealed-1',
        signature,
        domain: 'x.myshopify.com',
      });
      expect(ok.status).toBe(200);
      const without = await sendShopify(listener.url, body, {
        merchantId: sealed.id,
        webhookId: 'sealed-2',
        signature,
      });
      expect(without.status).toBe(503);
      expect(without.text).not.toMatch(/key|encrypt|TRACKNOW/i);
      expect(listener.logs.at(-1)).toMatchObject({ outcome: 'secret_unavailable' });
    } finally {
      await keyed.close();
    }
  });
});
