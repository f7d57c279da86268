import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clickCookie, clientIp, codeFromClickPath, isBot, pickDestination, withUtmSource } from '../../src/domain/clicks.js';
import { clickSalt, hashIp, SALT_FILE } from '../../src/services/clicks.js';

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
    expect(withUtmSource('https://shop.example/p?variant=42&note=a%20b&flag#top', 'ABC12345')).toBe('https://shop.example/p?variant=42&note=a%20b&flag&utm_source=ABC12345#top');
    expect(withUtmSource('https://shop.example/', 'ZX9Q77')).toBe('https://shop.example/?utm_source=ZX9Q77');
    expect(withUtmSource('https://shop.example/?utm_source=old&utm_medium=social', 'ZX9Q77')).toBe('https://shop.example/?utm_medium=social&utm_source=ZX9Q77');
  });

  it('picks the first http(s) destination', () => {
    expect(pickDestination(null, 'https://store.example/')).toBe('https://store.example/');
    expect(pickDestination('javascript:alert(1)', 'not a url', undefined)).toBeUndefined();
    expect(pickDestination('https://a.example/x', 'https://b.example/')).toBe('https://a.example/x');
  });

  it('builds a 30-day Lax HttpOnly cookie, Secure over https', () => {
    const id = '3f1c2b9e-8d4a-4c55-9b1e-0a2b3c4d5e6f';
    expect(clickCookie('ABC12345', id, false)).toBe(`tracknow=ABC12345.${id}; Max-Age=2592000; Path=/; SameSite=Lax; HttpOnly`);
    expect(clickCookie('ABC12345', id, true)).toMatch(/; HttpOnly; Secure$/);
  });

  it('takes the leftmost forwarded address and unwraps IPv4-mapped IPv6', () => {
    expect(clientIp('203.0.113.7, 10.0.0.1', '10.0.0.2')).toBe('203.0.113.7');
    expect(clientIp(undefined, '::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientIp('', '2001:db8::1')).toBe('2001:db8::1');
    expect(clientIp(undefined, undefined)).toBeUndefined();
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
