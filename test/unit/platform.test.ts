import { describe, expect, it } from 'vitest';
import { TracknowError } from '../../src/errors.js';
import { getPlatform, isPlatformId, normalizeHeaders, platformIds } from '../../src/platforms/platform.js';
import { fixture, merchant, request, signatureVectors } from '../helpers/fixtures.js';

describe('registry', () => {
  it('has one adapter per platform, under its own id', () => {
    expect(platformIds).toEqual(['tiktok', 'shopify', 'woocommerce']);
    for (const id of platformIds) expect(getPlatform(id).id).toBe(id);
    expect(isPlatformId('shopify')).toBe(true);
    expect(isPlatformId('amazon')).toBe(false);
  });

  it('refuses an unknown platform as not_found', () => {
    expect(() => getPlatform('amazon')).toThrow(TracknowError);
    try {
      getPlatform('amazon');
    } catch (err) {
      expect((err as TracknowError).code).toBe('not_found');
    }
  });

  it('normalizes node:http headers', () => {
    expect(normalizeHeaders({ 'X-Shopify-Topic': 'orders/create', 'set-cookie': ['a', 'b'], gone: undefined })).toEqual(
      {
        'x-shopify-topic': 'orders/create',
        'set-cookie': 'a, b',
      },
    );
  });
});

describe('signature vectors', () => {
  it.each(signatureVectors.map((v) => [v.platform, v.body_file, v] as const))(
    '%s %s verifies and signs identically',
    (platform, file, v) => {
      const adapter = getPlatform(platform);
      const secrets =
        platform === 'tiktok'
          ? { ...merchant, tiktokAppKey: v.app_key ?? null, tiktokAppSecret: v.secret }
          : platform === 'shopify'
            ? { ...merchant, shopifySecret: v.secret }
            : { ...merchant, woocommerceSecret: v.secret };
      const body = fixture(file);
      expect(adapter.signatureHeader.toLowerCase()).toBe(v.header.toLowerCase());
      expect(adapter.verify(request(body, { [v.header]: v.signature }), secrets)).toEqual({ ok: true });
      expect(adapter.sign(body, secrets)).toEqual({ [adapter.signatureHeader]: v.signature });
    },
  );

  it.each(platformIds)('%s: sign round-trips; a tampered body, a wrong secret or no header fail', (id) => {
    const adapter = getPlatform(id);
    const body = Buffer.from('{"id":1,"data":{"order_id":"1"}}');
    const headers = adapter.sign(body, merchant);
    expect(adapter.verify(request(body, headers), merchant)).toEqual({ ok: true });

    const tampered = adapter.verify(request(Buffer.from('{"id":2,"data":{"order_id":"1"}}'), headers), merchant);
    expect(tampered).toMatchObject({ ok: false, problem: 'bad_signature' });

    const other = { ...merchant, tiktokAppSecret: 'other', shopifySecret: 'other', woocommerceSecret: 'other' };
    expect(adapter.verify(request(body, headers), other)).toMatchObject({ ok: false, problem: 'bad_signature' });

    expect(adapter.verify(request(body), merchant)).toMatchObject({ ok: false, problem: 'no_signature' });
    const truncated = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.slice(0, -2)]));
    expect(adapter.verify(request(body, truncated), merchant)).toMatchObject({ ok: false, problem: 'bad_signature' });
  });

  it.each([
    ['tiktok', { tiktokAppSecret: null }, '--tiktok-app-secret'],
    ['shopify', { shopifySecret: undefined }, '--shopify-secret'],
    ['woocommerce', { woocommerceSecret: '' }, '--woocommerce-secret'],
  ] as const)(
    '%s: a merchant without the secret is refused; only the operator hint names the fix',
    (id, patch, flag) => {
      const adapter = getPlatform(id);
      const secrets = { ...merchant, ...patch };
      const verification = adapter.verify(request('{}', { [adapter.signatureHeader]: 'x' }), secrets);
      expect(verification).toMatchObject({ ok: false, problem: 'no_secret' });
      expect(verification.ok === false && verification.hint).toContain(`tracknow merchant set m-1 ${flag}`);
      expect(verification.ok === false && verification.reason).not.toMatch(/merchant set|secret|--/);
      expect(() => adapter.sign(Buffer.from('{}'), secrets)).toThrow(flag);
    },
  );
});
