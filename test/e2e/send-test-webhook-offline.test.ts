import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runInProcess as runCli } from '../helpers/cli.js';

const ID = '3f2b8a4e-8c1d-4e57-9a55-0c1e2d3f4a5b';
const APP_KEY = 'app_key_e2e';
/** No database is needed with --secret: these runs would fail fast if one were opened. */
const ENV = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };

const CASES = [
  {
    platform: 'tiktok',
    secret: 'tts_secret_e2e_0123456789',
    extra: ['--app-key', APP_KEY],
    header: 'Authorization',
    expected: (s: string, body: string) =>
      createHmac('sha256', s)
        .update(APP_KEY + body)
        .digest('hex'),
    headers: ['Content-Type'],
  },
  {
    platform: 'shopify',
    secret: 'shpss_e2e_0123456789',
    extra: ['--event', 'refunds/create'],
    header: 'X-Shopify-Hmac-Sha256',
    expected: (s: string, body: string) => createHmac('sha256', s).update(body).digest('base64'),
    headers: ['X-Shopify-Topic', 'X-Shopify-Webhook-Id', 'X-Shopify-API-Version', 'X-Shopify-Triggered-At'],
  },
  {
    platform: 'woocommerce',
    secret: 'wc_whsec_e2e_0123456789',
    extra: ['--event', 'order.updated', '--status', 'cancelled'],
    header: 'X-WC-Webhook-Signature',
    expected: (s: string, body: string) => createHmac('sha256', s).update(body).digest('base64'),
    headers: [
      'X-WC-Webhook-Topic',
      'X-WC-Webhook-Resource',
      'X-WC-Webhook-Event',
      'X-WC-Webhook-ID',
      'X-WC-Webhook-Delivery-ID',
      'X-WC-Webhook-Source',
    ],
  },
];

describe('send-test-webhook --dry-run', () => {
  it.each(CASES)(
    '$platform: the printed request verifies with an independent HMAC',
    async ({ platform, secret, extra, header, expected, headers }) => {
      const r = await runCli(
        ['send-test-webhook', '--platform', platform, '--merchant', ID, '--secret', secret, '--dry-run', ...extra],
        ENV,
      );
      // A literal secret still works, with a warning that it shows in ps and shell history.
      expect(r.stderr).toMatch(/^warning: --secret given on the command line shows in `ps` and shell history/);
      expect(r.stderr).not.toContain(secret);
      expect(r.code).toBe(0);
      const req = r.json();
      expect(Object.keys(req)).toEqual(['method', 'url', 'headers', 'body']);
      expect(req).toMatchObject({ method: 'POST', url: `http://127.0.0.1:8001/api/webhook/${platform}/${ID}` });
      expect(req.headers[header]).toBe(expected(secret, req.body));
      for (const name of headers) expect(req.headers[name], name).toEqual(expect.any(String));
      expect(r.stdout).not.toContain(secret);
      expect(JSON.parse(req.body)).toEqual(expect.any(Object));
    },
  );

  it('is the same one JSON document under --json', async () => {
    const r = await runCli(
      [
        'send-test-webhook',
        '--json',
        '--platform',
        'shopify',
        '--merchant',
        ID,
        '--secret',
        'x'.repeat(12),
        '--dry-run',
        '--url',
        'http://localhost:9999/',
      ],
      ENV,
    );
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      url: `http://localhost:9999/api/webhook/shopify/${ID}`,
      headers: { 'X-Shopify-Topic': 'orders/create' },
    });
  });

  it('lists the events from the template files', async () => {
    const r = await runCli(['send-test-webhook', '--json', '--platform', 'shopify', '--list-events']);
    expect(r.json().map((e: { event: string }) => e.event)).toEqual([
      'orders/create',
      'orders/paid',
      'orders/cancelled',
      'refunds/create',
    ]);
  });
});

describe('send-test-webhook usage errors exit 2', () => {
  const base = ['send-test-webhook', '--merchant', ID, '--secret', 's3cret-value', '--dry-run'];
  it.each([
    [['--platform', 'etsy'], /--platform.*tiktok, shopify, woocommerce/],
    [['--platform', 'shopify', '--creator-id', 'c1'], /--creator-id does not apply to shopify/],
    [
      ['--platform', 'shopify', '--event', 'orders/fulfilled'],
      /unknown shopify event "orders\/fulfilled": use one of orders\/create/,
    ],
    [
      ['--platform', 'woocommerce', '--amount', '1.234', '--currency', 'USD'],
      /--amount "1.234" is not an amount in USD/,
    ],
    [['--platform', 'woocommerce', '--shape', 'notification'], /--shape does not apply to woocommerce/],
    [
      ['--platform', 'tiktok', '--shape', 'simple', '--event', 'refunded', '--app-key', 'k'],
      /simple shape has no refunded event/,
    ],
    [
      ['--platform', 'shopify', '--from-file', 'x.json', '--amount', '5'],
      /--from-file sends the file byte for byte; --amount/,
    ],
    [
      ['--platform', 'shopify', '--url', 'ftp://x'],
      /option '--url <url>' argument 'ftp:\/\/x' is invalid. only http\(s\) URLs/,
    ],
  ])('%j', async (args, message) => {
    const r = await runCli([...base, ...args], ENV);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('names a missing --platform', async () => {
    const r = await runCli(['send-test-webhook', '--merchant', ID]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required option --platform/);
  });
});
