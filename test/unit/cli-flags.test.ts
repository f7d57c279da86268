import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess } from '../helpers/cli.js';

/**
 * One bad value per flag that takes one. A bad flag value is a usage error (exit 2) on every
 * command, caught as commander parses it (src/cli/flags.ts), before any database is opened.
 * A new flag goes here, or in FREE_TEXT when any text is a valid value.
 */
const BAD: Readonly<Record<string, string>> = {
  '--merchant': 'not-an-id',
  '--influencer': 'not-an-id',
  '--currency': 'EURO',
  '--commission-rate': '-5',
  '--hold-days': '-1',
  '--store-url': 'ftp://glow.example',
  '--tiktok-token-expires-at': 'tomorrow',
  '--shopify-domain': 'not a domain',
  '--email': 'mia-at-example',
  '--paypal-email': 'nobody',
  '--iban': 'DE00123',
  '--bic': 'NOTABIC',
  '--code': 'a',
  '--url': 'not a url',
  '--creator-id': 'has spaces',
  '--username': '@@no way',
  '--events': 'sale.exploded',
  '--platform': 'ebay',
  '--status': 'paid-ish',
  '--limit': '0',
  '--as-of': 'yesterday',
  '--min': '-5',
  '--min-currency': 'EUR',
  '--since': 'soon',
  '--date-format': 'lunar',
  '--timezone': 'Mars/Olympus',
  '--validate-cron': 'every day',
  '--payout-cron': 'on fridays',
  '--notify-cron': 'every minute',
  '--reconcile-cron': 'hourly',
  '--tiktok-affiliate': 'twice',
  '--port': '70000',
  '--shape': 'square',
  '--amount': '-1',
  '--month': '2026-13',
  '--from': '2026-02-30',
  '--to': 'yesterday',
  '--by': 'year',
  '--format': 'pdf',
  '--attribution-window': '30m',
  '--commission-base': 'gross',
  '--rate': 'ten',
  '--fixed': '-5',
  '--until': 'soon',
  '--tiers': '3',
  '--at': 'never',
};

/** Flags whose value is any text: names, secrets, file paths, the platform's own words. */
const FREE_TEXT = new Set([
  '--name',
  '--secret',
  '--app-key',
  '--tiktok-app-key',
  '--tiktok-app-secret',
  '--tiktok-shop-id',
  '--tiktok-shop-cipher',
  '--tiktok-access-token',
  '--tiktok-refresh-token',
  '--shopify-secret',
  '--woocommerce-secret',
  '--event',
  '--order-id',
  '--utm-source',
  '--buyer-message',
  '--from-file',
  '--out',
  '--reason',
  '--home',
  '--host',
  '--database-url',
  '--product',
  '--task',
  // Secret files: any path (an unreadable one is a usage error when it is read).
  '--tiktok-app-secret-file',
  '--tiktok-access-token-file',
  '--tiktok-refresh-token-file',
  '--shopify-secret-file',
  '--woocommerce-secret-file',
  '--secret-file',
]);

/** Every leaf command with its words (`['merchant', 'add']`). */
function leaves(command: Command, path: string[] = []): { path: string[]; command: Command }[] {
  if (command.commands.length === 0) return [{ path, command }];
  return [
    ...(path.length > 0 && hasAction(command) ? [{ path, command }] : []),
    ...command.commands.flatMap((c) => leaves(c, [...path, c.name()])),
  ];
}
const hasAction = (c: Command) => (c as unknown as { _actionHandler: unknown })._actionHandler != null;

/** Values some commands need before the flag under test is even looked at (positional ids, files). */
const ARGS: Readonly<Record<string, string[]>> = {
  'merchant set': ['00000000-0000-4000-8000-000000000000'],
  'backfill tiktok': ['orders.csv'],
  'deal end': ['00000000-0000-4000-8000-000000000000'],
};

const program = await buildProgram();
const cases = leaves(program).flatMap(({ path, command }) =>
  command.options
    .filter((o) => o.long && (o.required || o.optional))
    .map((o) => ({ command: path.join(' '), flag: o.long! })),
);

describe('every flag value is checked at the edge: a bad one exits 2', () => {
  it('knows every flag that takes a value', () => {
    const unknown = cases.filter((c) => BAD[c.flag] === undefined && !FREE_TEXT.has(c.flag));
    expect(unknown).toEqual([]);
    expect(cases.length).toBeGreaterThan(50);
  });

  it.each(cases.filter((c) => BAD[c.flag] !== undefined))('$command $flag', async ({ command, flag }) => {
    const words = command.split(' ');
    // Without a database: a value that got past the edge would fail on the connection instead (1).
    const r = await runInProcess([...words, ...(ARGS[command] ?? []), flag, BAD[flag]!, '--json'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      TRACKNOW_LOCK_TIMEOUT_MS: '0',
    });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/^error: /);
  });
});

/** Every command whose positional arguments are ids: a malformed one is a usage error too. */
const idArgs = leaves(program).filter(({ command }) =>
  command.registeredArguments.some((a) => /\bids?\b/.test(a.description) && !/\bcode\b/.test(a.name())),
);

describe('every positional id is checked at the edge: a malformed one exits 2', () => {
  it('finds the id arguments', () => {
    expect(idArgs.map((c) => c.path.join(' ')).sort()).toEqual(
      expect.arrayContaining([
        'deal end',
        'events replay',
        'jobs retry',
        'merchant set',
        'notify retry',
        'payout show',
      ]),
    );
  });

  it.each(idArgs.map(({ path }) => ({ command: path.join(' ') })))('$command', async ({ command }) => {
    const good = '00000000-0000-4000-8000-000000000000';
    const r = await runInProcess([...command.split(' '), good, 'not-an-id', '--json'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      TRACKNOW_LOCK_TIMEOUT_MS: '0',
    });
    // A single <id> taking a second value fails as "too many arguments": a usage error as well.
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    const alone = await runInProcess([...command.split(' '), 'not-an-id', '--json'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      TRACKNOW_LOCK_TIMEOUT_MS: '0',
    });
    expect({ code: alone.code, stdout: alone.stdout }).toEqual({ code: 2, stdout: '' });
    expect(alone.stderr).toMatch(/^error: .*not-an-id/);
  });
});
