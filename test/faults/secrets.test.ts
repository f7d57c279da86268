import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { ORDERS_CSV } from '../helpers/exports.js';
import { AUTH_CODE, SHOP, startFakeTikTok, type FakeTikTok } from '../helpers/fake-tiktok.js';
import { fixture } from '../helpers/fixtures.js';
import { get, post } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { spawnServe } from '../helpers/serve-process.js';
import { TIKTOK } from '../helpers/world.js';
import { recordFault } from './report.js';
import { filesUnder, findLeaks, runFor, type Output } from './helpers/secrets-scan.js';

/**
 * Configures every secret tracknow holds, runs every command (plain, --json, --verbose and
 * failing invocations) and a spawned `tracknow serve` session with requests that succeed and
 * fail, then greps every stdout, stderr and file written under the home for every secret,
 * raw or encoded. The one sanctioned exception: `endpoint add` prints its whsec_ secret once.
 * One back end (PostgreSQL when available, so the database password is a secret too): the
 * command surface is the same on both. Secrets reach the CLI every way it takes them (argv, a
 * file, stdin); with TRACKNOW_ENCRYPTION_KEY set, the database itself (a pg_dump, or the PGlite
 * files) is scanned too: platform secrets and tokens are stored sealed.
 */
const backend = BACKENDS.includes('postgres') ? 'postgres' : 'pglite';
const token = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

let target: CliTarget;
let fake: FakeTikTok;
let receiver: Receiver;
const outputs: Output[] = [];
const secrets: Record<string, string> = {
  'TikTok app secret': TIKTOK.appSecret, // the fake TikTok signs with the fixtures' app secret
  'Shopify secret': token('shpss_'),
  'WooCommerce secret': token('wcs_'),
  'TikTok access token': token('TTP_acc_'),
  'TikTok refresh token': token('TTP_ref_'),
  'SMTP password': token('smtp'),
  'click salt': token('salt'),
  'encryption key': randomBytes(32).toString('base64'),
};
let env: Record<string, string>;
/** Secret files live outside the scanned home: they hold secrets by design. */
let secretDir: string;

beforeAll(async () => {
  target = await createCliTarget(backend);
  fake = await startFakeTikTok();
  fake.state.access = secrets['TikTok access token']!;
  fake.state.refresh = secrets['TikTok refresh token']!;
  receiver = await startReceiver();
  secretDir = await mkdtemp(join(tmpdir(), 'tracknow-secret-files-'));
  env = {
    ...target.env,
    TRACKNOW_ENCRYPTION_KEY: secrets['encryption key']!,
    TRACKNOW_SMTP_URL: `smtp://tracknow:${secrets['SMTP password']}@127.0.0.1:1`,
    TRACKNOW_CLICK_SALT: secrets['click salt']!,
    TRACKNOW_TIKTOK_API_URL: fake.url,
    TRACKNOW_TIKTOK_AUTH_URL: fake.url,
    TRACKNOW_SEPA_DEBTOR_NAME: 'Glow Cosmetics GmbH',
    TRACKNOW_SEPA_DEBTOR_IBAN: 'DE02120300000000202051',
    TRACKNOW_SEPA_DEBTOR_BIC: 'BYLADEM1001',
    TRACKNOW_NOTIFY_INTERVAL_MS: '200',
    TRACKNOW_NOTIFY_TIMEOUT_MS: '2000',
  };
  if (backend === 'postgres') {
    // The local server trusts loopback, so a password in the URL is carried but never checked.
    const url = new URL(target.env.DATABASE_URL!);
    url.password = secrets['database password'] = token('dbpw');
    env.DATABASE_URL = url.toString();
  }
});

afterAll(async () => {
  await receiver?.close();
  await fake?.close();
  await target?.cleanup();
  if (secretDir) await rm(secretDir, { recursive: true, force: true });
});

/** Runs one command and keeps both streams for the scan; `expectCode` checks it did what the test meant. */
async function cli(
  args: string[],
  expectCode: number | 'fail',
  extra: { env?: Record<string, string>; allowed?: string[]; input?: string } = {},
): Promise<CliResult> {
  const r = await runCli(args, { ...env, ...extra.env }, extra.input);
  const name = `tracknow ${args.join(' ').slice(0, 120)}`;
  outputs.push(
    { name: `${name} (stdout)`, text: r.stdout, allowed: extra.allowed ?? [] },
    { name: `${name} (stderr)`, text: r.stderr },
  );
  if (expectCode === 'fail') expect(r.code, `${name}\n${r.stderr}`).not.toBe(0);
  else expect(r.code, `${name}\n${r.stderr}`).toBe(expectCode);
  return r;
}

it('no command, log or file shows a configured secret', async () => {
  const BAD = '00000000-0000-4000-8000-000000000000';
  const s = secrets;
  // Help and version first: cheap, in parallel.
  const groups = [
    'migrate',
    'merchant',
    'merchant add',
    'merchant set',
    'influencer',
    'link-creator',
    'code',
    'serve',
    'demo',
    'send-test-webhook',
    'events',
    'validate',
    'payout',
    'balance',
    'sales',
    'schedule',
    'backfill',
    'backfill tiktok',
    'tiktok',
    'tiktok auth',
    'reconcile',
    'reconcile tiktok',
    'endpoint',
    'notify',
    'secrets',
    'secrets encrypt',
  ];
  await Promise.all([
    cli(['--help'], 0),
    cli(['--version'], 0),
    ...groups.map((g) => cli([...g.split(' '), '--help'], 0)),
  ]);
  await cli(['merchant', 'add', '--bogus-flag'], 2);
  // The embedded demo, on its own temporary home, beside the rest.
  const demo = cli(['demo', '--json', '--home', join(target.home, 'demo-home')], 0, { env: { DATABASE_URL: '' } });

  await cli(['migrate', 'status', '--json'], 0);
  await cli(['migrate'], 0);
  const shopifyFile = join(secretDir, 'shopify.secret');
  await writeFile(shopifyFile, `${s['Shopify secret']}\n`, { mode: 0o600 });
  // Every way in: argv (warns), a file, stdin.
  const merchant = (
    await cli(
      [
        'merchant',
        'add',
        '--name',
        'Glow',
        '--currency',
        'USD',
        '--tiktok-app-key',
        TIKTOK.appKey,
        '--tiktok-app-secret',
        s['TikTok app secret']!,
        '--tiktok-shop-id',
        SHOP.id,
        '--shopify-domain',
        'glow-shop.myshopify.com',
        '--shopify-secret-file',
        shopifyFile,
        '--woocommerce-secret',
        '-',
        '--json',
      ],
      0,
      { input: `${s['WooCommerce secret']}\n` },
    )
  ).json().id as string;
  await cli(
    [
      'merchant',
      'set',
      merchant,
      '--tiktok-shop-cipher',
      SHOP.cipher,
      '--tiktok-access-token',
      s['TikTok access token']!,
      '--tiktok-refresh-token',
      s['TikTok refresh token']!,
      '--tiktok-token-expires-at',
      '2030-01-01T00:00:00Z',
    ],
    0,
  );
  await cli(['merchant', 'set', merchant, '--shopify-secret', s['Shopify secret']!, '--json', '--verbose'], 0);
  await cli(['merchant', 'set', merchant, '--shopify-secret', '-', '--woocommerce-secret', '-', '--verbose'], 2, {
    input: `${s['Shopify secret']}\n`,
  });
  await cli(['merchant', 'set', merchant, '--shopify-secret-file', join(secretDir, 'missing'), '--verbose'], 2);
  await cli(['merchant', 'set', merchant, '--shopify-secret', '--verbose'], 2);
  await cli(['secrets', 'encrypt', '--json'], 0);
  await cli(['secrets', 'encrypt', '--dry-run', '--verbose'], 0);
  await cli(['secrets', 'encrypt', '--verbose'], 'fail', {
    env: { TRACKNOW_ENCRYPTION_KEY: randomBytes(32).toString('base64') },
  });
  await cli(['merchant', 'show', merchant, '--json', '--verbose'], 'fail', {
    env: { TRACKNOW_ENCRYPTION_KEY: 'not a key' },
  });
  await cli(['merchant', 'set', BAD, '--shopify-secret', s['Shopify secret']!, '--verbose'], 'fail');
  await cli(
    ['merchant', 'add', '--name', 'Bad', '--tiktok-app-secret', `${s['TikTok app secret']} with spaces`, '--verbose'],
    'fail',
  );
  await Promise.all([
    cli(['merchant', 'list'], 0),
    cli(['merchant', 'list', '--json'], 0),
    cli(['merchant', 'show', merchant], 0),
    cli(['merchant', 'show', merchant, '--json', '--verbose'], 0),
    cli(['merchant', 'show', BAD, '--verbose'], 'fail'),
    cli(['merchant', 'show', 'not-a-uuid', '--json'], 'fail'),
  ]);

  const influencer = (
    await cli(
      [
        'influencer',
        'add',
        '--name',
        'Mia',
        '--email',
        'mia@example.com',
        '--iban',
        'DE89370400440532013000',
        '--json',
      ],
      0,
    )
  ).json().id as string;
  await Promise.all([
    cli(['influencer', 'list'], 0),
    cli(['influencer', 'show', influencer, '--json'], 0),
    cli(['influencer', 'show', BAD, '--verbose'], 'fail'),
  ]);
  await cli(
    ['link-creator', '--influencer', influencer, '--creator-id', 'tiktok_creator_123', '--username', 'glowwithmia'],
    0,
  );
  await cli(['link-creator', '--influencer', BAD, '--creator-id', 'other', '--verbose'], 'fail');
  await cli(
    ['code', 'add', '--influencer', influencer, '--code', 'ABC12345', '--url', 'https://glow.example.com/', '--json'],
    0,
  );
  await cli(['code', 'list', '--json'], 0);

  const added = await runCli(['endpoint', 'add', '--url', `${receiver.url}/hook`, '--json'], env);
  expect(added.code, added.stderr).toBe(0);
  s['endpoint signing secret'] = added.json().secret as string;
  expect(s['endpoint signing secret']).toMatch(/^whsec_/);
  outputs.push(
    { name: 'tracknow endpoint add --json (stdout)', text: added.stdout, allowed: [s['endpoint signing secret']!] },
    { name: 'tracknow endpoint add --json (stderr)', text: added.stderr },
  );
  await Promise.all([
    cli(['endpoint', 'list'], 0),
    cli(['endpoint', 'list', '--json'], 0),
    cli(['endpoint', 'remove', BAD, '--verbose'], 'fail'),
  ]);

  for (const platform of ['tiktok', 'shopify', 'woocommerce']) {
    await cli(['send-test-webhook', '--platform', platform, '--merchant', merchant, '--dry-run', '--json'], 0);
    await cli(['send-test-webhook', '--platform', platform, '--merchant', merchant, '--dry-run', '--verbose'], 0);
  }
  await cli(
    ['send-test-webhook', '--platform', 'shopify', '--merchant', merchant, '--url', 'http://127.0.0.1:1', '--verbose'],
    'fail',
  );
  await cli(
    ['send-test-webhook', '--platform', 'shopify', '--merchant', merchant, '--dry-run', '--secret', '-', '--json'],
    0,
    { input: `${s['Shopify secret']}\n` },
  );
  await cli(
    [
      'send-test-webhook',
      '--platform',
      'woocommerce',
      '--merchant',
      merchant,
      '--dry-run',
      '--secret-file',
      shopifyFile,
      '--verbose',
    ],
    0,
  );
  await cli(['send-test-webhook', '--platform', 'shopify', '--merchant', merchant, '--dry-run', '--verbose'], 'fail', {
    env: { TRACKNOW_ENCRYPTION_KEY: '' },
  });
  await cli(['send-test-webhook', '--platform', 'tiktok', '--merchant', BAD, '--dry-run', '--verbose'], 'fail');

  // A full listener session: successes and failures, request logs on stderr.
  const serve = await spawnServe(env);
  try {
    const route = (platform: string, id = merchant) => `${serve.url}/api/webhook/${platform}/${id}`;
    const seed = fixture('tiktok/seed-order-status-change.json');
    const tiktokSig = (body: Buffer, secret = s['TikTok app secret']!) =>
      createHmac('sha256', secret).update(TIKTOK.appKey).update(body).digest('hex');
    const b64 = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('base64');
    const shopify = fixture('shopify/orders-create.json');
    const woo = fixture('woocommerce/order-created.json');
    const notification = fixture('tiktok/notification-order-status-change.json');
    const replies = await Promise.all([
      post(route('tiktok'), seed, { authorization: tiktokSig(seed) }),
      post(route('tiktok'), notification, { authorization: tiktokSig(notification) }),
      post(route('shopify'), shopify, {
        'x-shopify-hmac-sha256': b64(s['Shopify secret']!, shopify),
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': 'wh-1',
      }),
      post(route('woocommerce'), woo, {
        'x-wc-webhook-signature': b64(s['WooCommerce secret']!, woo),
        'x-wc-webhook-topic': 'order.created',
      }),
      post(route('tiktok'), seed, { authorization: 'deadbeef' }),
      post(route('shopify'), shopify, {
        'x-shopify-hmac-sha256': b64('wrong', shopify),
        'x-shopify-topic': 'orders/create',
      }),
      post(route('tiktok', BAD), seed, { authorization: tiktokSig(seed) }),
      post(route('tiktok'), Buffer.from('{"type":'), { authorization: tiktokSig(Buffer.from('{"type":')) }),
      post(route('woocommerce'), Buffer.from('webhook_id=7'), { 'content-type': 'application/x-www-form-urlencoded' }),
      get(`${serve.url}/r/ABC12345`),
      get(`${serve.url}/r/NOPE0000`),
      get(`${serve.url}/healthz`),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 401, 401, 404, 400, 200, 302, 404, 200]);
    // What a caller reads: no secret, and (checked in test/integration/rejections.test.ts) no configuration hint.
    replies.forEach((r, i) => outputs.push({ name: `serve reply ${i} (${r.status})`, text: r.text }));
    await cli(['send-test-webhook', '--platform', 'tiktok', '--merchant', merchant, '--url', serve.url, '--json'], 0);
    await cli(
      [
        'send-test-webhook',
        '--platform',
        'woocommerce',
        '--merchant',
        merchant,
        '--url',
        serve.url,
        '--secret',
        'not-the-secret',
        '--verbose',
      ],
      'fail',
    );
    // Let the background notifier and enrichment run a round (a failing SMTP server included).
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    const stopped = await serve.stop();
    outputs.push({ name: 'tracknow serve (stderr)', text: stopped.stderr });
    expect(stopped.code).toBe(0);
  }

  const events = (await cli(['events', 'list', '--json'], 0)).json() as { id: string }[];
  await Promise.all([cli(['events', 'list'], 0), cli(['events', 'list', '--status', 'failed', '--verbose'], 0)]);
  await cli(['events', 'replay', events[0]!.id, '--json'], 0);
  await cli(['events', 'replay', BAD, '--verbose'], 'fail');
  await cli(['backfill', 'tiktok', '--merchant', merchant, ORDERS_CSV, '--dry-run'], 0);
  await cli(['backfill', 'tiktok', '--merchant', merchant, ORDERS_CSV, '--json'], 0);
  await cli(['backfill', 'tiktok', '--merchant', merchant, '/nonexistent/export.csv', '--verbose'], 'fail');
  await cli(['tiktok', 'auth', '--merchant', merchant, '--code', AUTH_CODE, '--json'], 0);
  s['TikTok access token (issued)'] = fake.state.access;
  await cli(['tiktok', 'auth', '--merchant', merchant, '--code', 'wrong-code', '--verbose'], 'fail');
  await cli(['reconcile', 'tiktok', '--merchant', merchant, '--since', '2h', '--json'], 0);
  await cli(['reconcile', 'tiktok', '--merchant', merchant, '--dry-run', '--verbose'], 0);
  await cli(['tiktok', 'enrich', '--json'], 0);
  await cli(['tiktok', 'enrich', '--merchant', merchant, '--verbose'], 0);

  const asOf = ['--as-of', '2030-01-01T00:00:00Z'];
  await cli(['validate', ...asOf, '--dry-run'], 0);
  await cli(['validate', ...asOf, '--json'], 0);
  await Promise.all([
    cli(['balance'], 0),
    cli(['balance', '--json'], 0),
    cli(['balance', '--influencer', BAD, '--verbose'], 'fail'),
    cli(['sales', 'list'], 0),
    cli(['sales', 'list', '--json', '--merchant', merchant], 0),
  ]);
  await cli(['payout', ...asOf, '--dry-run', '--verbose'], 0);
  await cli(['payout', ...asOf, '--min', '1', '--json'], 0);
  await cli(['notify', '--json'], 0);
  await cli(['notify', '--verbose'], 0);
  await Promise.all([
    cli(['notify', 'list', '--json'], 0),
    cli(['notify', 'list', '--status', 'failed'], 0),
    cli(['notify', 'retry', BAD, '--verbose'], 'fail'),
  ]);
  const schedule = await runFor(
    ['schedule', '--validate-cron', '* * * * * *', '--payout-cron', '* * * * * *'],
    env,
    2500,
  );
  outputs.push(
    { name: 'tracknow schedule (stdout)', text: schedule.stdout },
    { name: 'tracknow schedule (stderr)', text: schedule.stderr },
  );
  // A database that cannot be reached, named with its password.
  if (s['database password']) {
    const down = new URL(env.DATABASE_URL!);
    down.port = '1';
    await cli(['validate', '--database-url', down.toString(), '--verbose'], 'fail');
    await cli(['sales', 'list', '--json'], 'fail', { env: { DATABASE_URL: down.toString() } });
  }
  await demo;

  outputs.push(...(await filesUnder(target.home, ['db', join('demo-home', 'db')])));
  // The database itself, with TRACKNOW_ENCRYPTION_KEY set: platform secrets and tokens are sealed.
  // (Endpoint signing secrets are tracknow's own, stored as they are.)
  const stored = await storedDatabase();
  expect(stored).toContain('tnenc:v1:');
  outputs.push({
    name: backend === 'postgres' ? 'pg_dump' : 'PGlite data directory',
    text: stored,
    allowed: [s['endpoint signing secret']!],
  });
  expect(outputs.some((o) => o.name.startsWith('file payouts/') && o.name.endsWith('.csv'))).toBe(true);
  // The scanner itself can fail: a secret in full, inside Basic-auth base64, in base64, or all but its last character is found; `****` + 4 is not.
  const probe = secrets['Shopify secret']!;
  const controls = [
    probe,
    Buffer.from(`user:${probe}`).toString('base64'),
    Buffer.from(probe).toString('base64'),
    `${probe.slice(0, -1)}*`,
  ].map((text, i) => ({ name: `control ${i}`, text: `x ${text} y` }));
  expect(findLeaks(controls, { probe }).map((l) => l.output)).toEqual([
    'control 0',
    'control 1',
    'control 2',
    'control 3',
  ]);
  expect(findLeaks([{ name: 'masked', text: `****${probe.slice(-4)}` }], { probe })).toEqual([]);
  const leaks = findLeaks(outputs, secrets);
  const leaking = new Set(leaks.map((l) => l.output));
  recordFault({
    section: 'secrets',
    check: `${Object.keys(secrets).length} secrets in every output`,
    backend,
    tried: outputs.length,
    held: outputs.length - leaking.size,
    lost: 0,
    note: `${outputs.length} outputs scanned`,
  });
  expect(leaks.map((l) => l.message)).toEqual([]);
}, 600_000);

/** The stored database as an attacker with its files would read it. */
async function storedDatabase(): Promise<string> {
  if (backend === 'postgres') {
    const dump = spawnSync('pg_dump', ['--data-only', target.env.DATABASE_URL!], { maxBuffer: 1 << 28 });
    if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr.toString()}`);
    return dump.stdout.toString('latin1');
  }
  return (await filesUnder(join(target.home, 'db'), [])).map((f) => f.text).join('\n');
}
