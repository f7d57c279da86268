import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';
import { runInProcess as runCli } from '../helpers/cli.js';

for (const backend of BACKENDS) {
  describe(`the CLI on ${backend}`, () => {
    let target: CliTarget;
    beforeAll(async () => {
      target = await createCliTarget(backend);
    });
    afterAll(async () => target.cleanup());
    const cli = (...args: string[]) => target.run(args);

    it('creates records with --json: one document on stdout, secrets masked', async () => {
      const m = await cli(
        'merchant',
        'add',
        '--name',
        'Glow',
        '--currency',
        'eur',
        '--commission-rate',
        '12.5',
        '--shopify-secret',
        'shpss_supersecret_9876',
        '--json',
      );
      expect(m.code).toBe(0);
      const merchant = m.json();
      expect(merchant).toMatchObject({
        name: 'Glow',
        currency: 'EUR',
        commission_rate: 12.5,
        hold_days: 14,
        shopify_secret: '****9876',
      });
      expect(m.stdout + m.stderr).not.toContain('supersecret');
      const i = await cli(
        'influencer',
        'add',
        '--name',
        "O'Brien; DROP TABLE influencers;--",
        '--iban',
        'DE89 3704 0044 0532 0130 00',
        '--json',
      );
      expect(i.code).toBe(0);
      const influencer = i.json();
      expect(influencer.name).toBe("O'Brien; DROP TABLE influencers;--");
      const link = await cli(
        'link-creator',
        '--influencer',
        influencer.id,
        '--creator-id',
        'tiktok_creator_123',
        '--username',
        '@glowwithmia',
        '--json',
      );
      expect(link.code).toBe(0);
      expect(link.json()).toMatchObject({
        creator_id: 'tiktok_creator_123',
        username: 'glowwithmia',
        influencer_id: influencer.id,
      });
      const code = await cli(
        'code',
        'add',
        '--influencer',
        influencer.id,
        '--code',
        'abc12345',
        '--merchant',
        merchant.id,
        '--json',
      );
      expect(code.json()).toMatchObject({ code: 'ABC12345', influencer_id: influencer.id, merchant_id: merchant.id });
      const shown = await cli('influencer', 'show', influencer.id, '--json');
      expect(shown.json()).toMatchObject({ codes: ['ABC12345'], creators: [{ creator_id: 'tiktok_creator_123' }] });
      const list = await cli('merchant', 'list', '--json');
      expect(list.json()).toEqual([expect.objectContaining({ id: merchant.id, shopify_secret: '****9876' })]);
      const human = await cli('merchant', 'show', merchant.id);
      expect(human.stdout).toContain('Glow');
      expect(human.stdout).not.toContain('shpss_supersecret');
    });

    it('exits 2 on a bad flag value, 1 on an unknown id, with one error line, and changes nothing', async () => {
      const before = (await cli('merchant', 'list', '--json')).json().length;
      for (const [args, code] of [
        [['merchant', 'add', '--name', 'X', '--currency', 'ZZZ'], 2],
        [['merchant', 'add', '--name', 'X', '--commission-rate', '150'], 2],
        [['merchant', 'show', '00000000-0000-4000-8000-000000000000'], 1],
        [['influencer', 'add', '--name', 'X', '--iban', 'DE00123'], 2],
      ] as const) {
        const r = await cli(...args);
        expect({ args, code: r.code }).toEqual({ args, code });
        expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
        expect(r.stderr).toMatch(/^error: /);
        expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
        expect(r.stdout).toBe('');
      }
      expect((await cli('merchant', 'list', '--json')).json().length).toBe(before);
    });

    it('refuses a duplicate code (case-insensitive) and a stolen creator, unless --force', async () => {
      const a = (await cli('influencer', 'add', '--name', 'A', '--json')).json();
      const b = (await cli('influencer', 'add', '--name', 'B', '--json')).json();
      expect((await cli('code', 'add', '--influencer', a.id, '--code', 'DUPE1')).code).toBe(0);
      const dupe = await cli('code', 'add', '--influencer', b.id, '--code', 'dupe1');
      expect(dupe.code).toBe(1);
      expect(dupe.stderr).toMatch(/already exists/);
      expect((await cli('link-creator', '--influencer', a.id, '--creator-id', 'c-77')).code).toBe(0);
      const steal = await cli('link-creator', '--influencer', b.id, '--creator-id', 'c-77');
      expect(steal.code).toBe(1);
      expect(steal.stderr).toMatch(/--force/);
      const moved = await cli('link-creator', '--influencer', b.id, '--creator-id', 'c-77', '--force', '--json');
      expect(moved.code).toBe(0);
      expect(moved.json()).toMatchObject({ influencer_id: b.id, moved_from: a.id });
    });

    it('exits 2 on usage errors and never prompts without a TTY', async () => {
      const missing = await cli('merchant', 'add');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/error: missing required option --name/);
      expect((await cli('merchant', 'add', '--name', 'x', '--bogus')).code).toBe(2);
      expect((await cli('nonsense')).code).toBe(2);
      expect((await cli('migrate', 'sideways')).code).toBe(2);
      const help = await cli('--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('link-creator');
    });

    it('reports migration status as JSON', async () => {
      const status = await cli('migrate', 'status', '--json');
      expect(status.code).toBe(0);
      expect(status.json()[0]).toMatchObject({ name: '0001_core_schema', executed_at: expect.any(String) });
      const again = await cli('migrate', '--json');
      expect(again.json()).toMatchObject({ action: 'latest', applied: [] });
    });
  });
}

describe('database selection', () => {
  it('gives one error line when PostgreSQL cannot be reached', async () => {
    const r = await runCli(['merchant', 'list'], { DATABASE_URL: 'postgres://nobody:pw@127.0.0.1:1/none' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach PostgreSQL at 127\.0\.0\.1:1\/none/);
    expect(r.stderr).not.toContain('pw@');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.runIf(BACKENDS.includes('postgres'))(
    'names `tracknow migrate` when migrations are pending on PostgreSQL',
    async () => {
      const { adminQuery, databaseUrl, testDatabaseUrl } = await import('../helpers/pg-admin.js');
      const base = testDatabaseUrl()!;
      const name = `tracknow_empty_${process.pid}_${Date.now()}`;
      await adminQuery(base, `create database ${name}`);
      try {
        const env = { DATABASE_URL: databaseUrl(base, name) };
        const pending = await runCli(['merchant', 'list'], env);
        expect(pending.code).toBe(1);
        expect(pending.stderr).toMatch(/run `tracknow migrate`/);
        const migrated = await runCli(['migrate', '--json'], env);
        expect(migrated.code).toBe(0);
        expect(migrated.json().applied).toContain('0001_core_schema');
        expect((await runCli(['merchant', 'list', '--json'], env)).json()).toEqual([]);
      } finally {
        await adminQuery(base, `drop database if exists ${name} with (force)`);
      }
    },
  );
});
