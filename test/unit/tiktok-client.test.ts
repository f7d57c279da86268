import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeAuthCode, refreshAccessToken } from '../../src/platforms/tiktok-shop/api/auth.js';
import { TikTokShopClient, type ShopCredentials } from '../../src/platforms/tiktok-shop/api/client.js';
import { apiOrder, AUTH_CODE, SHOP, startFakeTikTok, type FakeTikTok } from '../helpers/fake-tiktok.js';
import { TIKTOK } from '../helpers/world.js';

/** The signed client against the fake API on 127.0.0.1, whose verifier is written independently of src/. */
describe('the TikTok Shop Open API client', () => {
  let fake: FakeTikTok;
  let creds: ShopCredentials;
  const app = { appKey: TIKTOK.appKey, appSecret: TIKTOK.appSecret };
  beforeAll(async () => {
    fake = await startFakeTikTok();
    creds = { ...app, accessToken: fake.state.access, shopCipher: SHOP.cipher };
  });
  afterAll(async () => fake.close());

  it('signs GET and POST calls the way TikTok verifies them, token in x-tts-access-token', async () => {
    const client = new TikTokShopClient(fake.url);
    fake.orders.set('1', apiOrder({ id: '1', update_time: Math.floor(Date.now() / 1000), sub_total: '1.00' }));
    expect((await client.orderDetails(creds, ['1', '2'])).map((o) => o.id)).toEqual(['1']);
    expect((await client.searchOrders(creds, { updateTimeGe: 0 })).orders).toHaveLength(1);
    expect(await client.authorizedShops(creds)).toEqual([
      { id: SHOP.id, cipher: SHOP.cipher, name: SHOP.name, region: SHOP.region },
    ]);
    expect(fake.calls.every((c) => c.status === 200 && !('access_token' in c.query))).toBe(true);
    await expect(
      client.orderDetails(
        creds,
        Array.from({ length: 51 }, (_, n) => String(n)),
      ),
    ).rejects.toThrow(/at most 50/);
  });

  it('names each failure: invalid signature, expired token, rate limit, server error, timeout, network, malformed answer', async () => {
    const client = new TikTokShopClient(fake.url, { timeoutMs: 200 });
    await expect(client.orderDetails({ ...creds, appSecret: 'wrong' }, ['1'])).rejects.toMatchObject({
      code: 'upstream',
      problem: 'invalid_signature',
      details: { apiCode: 106001 },
    });
    fake.expireAccessToken();
    await expect(client.orderDetails(creds, ['1'])).rejects.toMatchObject({
      problem: 'token_expired',
      tokenProblem: true,
    });
    fake.fail(
      '/order/202309/orders',
      { status: 429, retryAfter: '2' },
      { status: 502 },
      { status: 200, delayMs: 1000 },
      { status: 200, raw: '<html>gateway</html>' },
    );
    await expect(client.orderDetails(creds, ['1'])).rejects.toMatchObject({
      problem: 'rate_limited',
      transient: true,
      details: { retryAfterMs: 2000 },
    });
    await expect(client.orderDetails(creds, ['1'])).rejects.toMatchObject({ problem: 'server', transient: true });
    await expect(client.orderDetails(creds, ['1'])).rejects.toMatchObject({ problem: 'timeout', transient: true });
    await expect(client.orderDetails(creds, ['1'])).rejects.toMatchObject({ problem: 'malformed' });
    await expect(new TikTokShopClient('http://127.0.0.1:9').orderDetails(creds, ['1'])).rejects.toMatchObject({
      problem: 'network',
      message: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('exchanges a code and refreshes; expiries are Unix times; errors never carry the secret', async () => {
    const tokens = await exchangeAuthCode(fake.url, app, AUTH_CODE);
    expect(tokens.accessToken).toBe(fake.state.access);
    expect(tokens.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const refreshed = await refreshAccessToken(fake.url, app, tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    const err = (await exchangeAuthCode(fake.url, app, 'used-code').catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({
      problem: 'rejected',
      message: expect.stringMatching(/^Get Access Token: TikTok answered HTTP 200 code 36004003/),
    });
    expect(`${err.message} ${String(err.cause ?? '')}`).not.toContain(TIKTOK.appSecret);
  });
});
