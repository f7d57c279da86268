import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTrustedProxies } from '../../src/config.js';
import {
  clickCookie,
  codeFromClickPath,
  formatAttributionWindow,
  insideWindow,
  isBot,
  parseAttributionWindow,
  pickDestination,
  withClickParams,
  withUtmSource,
} from '../../src/domain/clicks.js';
import { TrustedProxies } from '../../src/http/proxies.js';
import { clickSalt, hashIp, SALT_FILE } from '../../src/services/records/clicks.js';

describe('click paths', () => {
  it.each([
    ['/r/ABC12345', 'ABC12345'],
    ['/r/abc12345', 'ABC12345'],
    ['/r/zx9q77/', 'ZX9Q77'],
    ['/r/%41BC_1-2', 'ABC_1-2'],
  ])('%s names %s', (path, code) => expect(codeFromClickPath(path)).toBe(code));

  it.each([
    ['/r/', 'empty'],
    ['/r/AB', 'too short'],
    [`/r/${'A'.repeat(65)}`, 'too long'],
    [`/r/${'A'.repeat(10_000)}`, '10,000 characters'],
    [`/r/${encodeURIComponent('АВС12345')}`, 'Cyrillic lookalikes'],
    [`/r/${encodeURIComponent('ＡＢＣ12345')}`, 'fullwidth letters'],
    [`/r/${encodeURIComponent('\u212AAB123')}`, 'the Kelvin sign (lower-cases to k)'],
    [`/r/${encodeURIComponent('stra\u00dfe1')}`, 'ß (upper-cases to SS)'],
    ['/r/ABC%2012', 'an escaped space'],
    ['/r/%E0%A4%A', 'a broken escape'],
    ['/r/ABC12345/more', 'an extra segment'],
    ['/r/ABC.12345', 'a dot'],
  ])('%s is refused (%s)', (path) => expect(codeFromClickPath(path)).toBeUndefined());
});

describe('bots', () => {
  it.each([
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    'Twitterbot/1.0',
    'TelegramBot (like TwitterBot)',
    'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
    'WhatsApp/2.23.20.0',
    'curl/8.5.0',
    'python-requests/2.31.0',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    '',
    undefined,
  ])('%s is a bot', (ua) => expect(isBot(ua)).toBe(true));

  it.each([
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_35.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/FR',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 334.0.4.32.98 (iPhone14,5; iOS 17_5; fr_FR)',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP1A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/468.0.0.0;]',
  ])('%s is a person', (ua) => expect(isBot(ua)).toBe(false));
});

describe('redirect URL, cookie and client IP', () => {
  it('appends utm_source and keeps the existing query byte for byte', () => {
    expect(withUtmSource('https://shop.example/p?variant=42&note=a%20b&flag#top', 'ABC12345')).toBe(
      'https://shop.example/p?variant=42&note=a%20b&flag&utm_source=ABC12345#top',
    );
    expect(withUtmSource('https://shop.example/', 'ZX9Q77')).toBe('https://shop.example/?utm_source=ZX9Q77');
    expect(withUtmSource('https://shop.example/?utm_source=old&utm_medium=social', 'ZX9Q77')).toBe(
      'https://shop.example/?utm_medium=social&utm_source=ZX9Q77',
    );
  });

  it('picks the first http(s) destination', () => {
    expect(pickDestination(null, 'https://store.example/')).toBe('https://store.example/');
    expect(pickDestination('javascript:alert(1)', 'not a url', undefined)).toBeUndefined();
    expect(pickDestination('https://a.example/x', 'https://b.example/')).toBe('https://a.example/x');
  });

  it('builds a 30-day Lax HttpOnly cookie, Secure over https', () => {
    const id = '3f1c2b9e-8d4a-4c55-9b1e-0a2b3c4d5e6f';
    expect(clickCookie('ABC12345', id, false)).toBe(
      `tracknow=ABC12345.${id}; Max-Age=2592000; Path=/; SameSite=Lax; HttpOnly`,
    );
    expect(clickCookie('ABC12345', id, true)).toMatch(/; HttpOnly; Secure$/);
  });

  it('believes X-Forwarded-For/-Proto only from trusted peers, walking the chain from the right', () => {
    const none = new TrustedProxies([]);
    expect(none.view('10.0.0.2', '203.0.113.7', 'https')).toEqual({ ip: '10.0.0.2', https: false });
    expect(none.view('::ffff:127.0.0.1', undefined, undefined)).toEqual({ ip: '127.0.0.1', https: false });
    expect(none.view(undefined, '203.0.113.7', undefined)).toEqual({ ip: undefined, https: false });
    const lb = new TrustedProxies(parseTrustedProxies('10.0.0.0/8, ::1'));
    expect(lb.view('10.0.0.2', '203.0.113.7', 'https')).toEqual({ ip: '203.0.113.7', https: true });
    // A client-forged first hop is skipped: the address our proxies appended is the visitor.
    expect(lb.view('10.0.0.2', '1.2.3.4, 203.0.113.7, 10.9.9.9', 'http')).toEqual({ ip: '203.0.113.7', https: false });
    expect(lb.view('::ffff:10.0.0.2', '198.51.100.1', undefined).ip).toBe('198.51.100.1');
    expect(lb.view('::1', 'unknown', undefined).ip).toBe('::1');
    expect(lb.view('192.0.2.1', '203.0.113.7', 'https')).toEqual({ ip: '192.0.2.1', https: false });
  });

  it('parses TRACKNOW_TRUSTED_PROXIES and refuses what is not an address or CIDR', () => {
    expect(parseTrustedProxies(' 10.0.0.1 ,, 2001:db8::/32 ')).toEqual([
      { address: '10.0.0.1', family: 'ipv4' },
      { address: '2001:db8::', family: 'ipv6', prefix: 32 },
    ]);
    for (const bad of ['10.0.0.0/33', 'proxy.local', '10.0.0.1/8/1', '10.0.0.0/x'])
      expect(() => parseTrustedProxies(bad), bad).toThrow(/TRACKNOW_TRUSTED_PROXIES/);
  });

  it('adds tracknow_click beside utm_source, replacing stale ones', () => {
    expect(withClickParams('https://shop.example/p?a=1&tracknow_click=old&utm_source=x', 'ABC12345', 'c-1')).toBe(
      'https://shop.example/p?a=1&utm_source=ABC12345&tracknow_click=c-1',
    );
  });

  it('reads attribution windows and tells whether an order is inside one', () => {
    expect(parseAttributionWindow('30d')).toBe(2_592_000);
    expect(parseAttributionWindow('48h')).toBe(172_800);
    expect(parseAttributionWindow('2w')).toBe(1_209_600);
    for (const bad of ['0d', '30', '30m', '401d', '-1d', '1.5d'])
      expect(() => parseAttributionWindow(bad), bad).toThrow(RangeError);
    expect(formatAttributionWindow(2_592_000)).toBe('30d');
    expect(formatAttributionWindow(7200)).toBe('2h');
    const day = 86_400_000;
    expect(insideWindow(0, 30 * day, 30 * 86_400)).toBe(true);
    expect(insideWindow(0, 30 * day + 1, 30 * 86_400)).toBe(false);
  });
});

describe('click salt and IP hash', () => {
  const dirs: string[] = [];
  const home = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tracknow-salt-'));
    dirs.push(dir);
    return join(dir, 'nested', 'home');
  };
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('uses TRACKNOW_CLICK_SALT when set, writing nothing', async () => {
    const h = await home();
    expect(await clickSalt({ clickSalt: 'from-env', home: h })).toBe('from-env');
    await expect(stat(h)).rejects.toThrow();
  });

  it('otherwise creates one salt per install (0600), the same for every caller, even concurrent ones', async () => {
    const h = await home();
    const salts = await Promise.all(Array.from({ length: 8 }, () => clickSalt({ clickSalt: undefined, home: h })));
    expect(new Set(salts).size).toBe(1);
    expect(salts[0]).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(join(h, SALT_FILE))).mode & 0o777).toBe(0o600);
    expect(await clickSalt({ clickSalt: undefined, home: h })).toBe(salts[0]);
    expect((await readFile(join(h, SALT_FILE), 'utf8')).trim()).toBe(salts[0]);
  });

  it('refuses a damaged salt file with a message naming the fix', async () => {
    const h = await home();
    await clickSalt({ clickSalt: undefined, home: h });
    await writeFile(join(h, SALT_FILE), 'short\n');
    await expect(clickSalt({ clickSalt: undefined, home: h })).rejects.toThrow(/TRACKNOW_CLICK_SALT/);
  });

  it('hashes the IP with the salt: stable, salt-dependent, not reversible by reading', () => {
    const a = hashIp('salt-a', '203.0.113.7');
    expect(a).toBe(hashIp('salt-a', '203.0.113.7'));
    expect(a).not.toBe(hashIp('salt-b', '203.0.113.7'));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
