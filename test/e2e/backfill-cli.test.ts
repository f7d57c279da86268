import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';
import { AFFILIATE_CSV, ORDERS_CSV, ordersWithBadRows, writeExport } from '../helpers/exports.js';

for (const backend of BACKENDS) {
  describe(`tracknow backfill tiktok on ${backend}`, () => {
    let target: CliTarget;
    let merchant: string;
    const cli = (...args: string[]) => target.run(args);
    const salesCount = async () => (await cli('sales', 'list', '--json')).json<unknown[]>().length;

    beforeAll(async () => {
      target = await createCliTarget(backend);
      merchant = (await cli('merchant', 'add', '--name', 'Glow', '--currency', 'USD', '--json')).json().id;
      const mia = (await cli('influencer', 'add', '--name', 'Mia', '--json')).json().id;
      const zed = (await cli('influencer', 'add', '--name', 'Zed', '--json')).json().id;
      expect(
        (
          await cli(
            'link-creator',
            '--influencer',
            mia,
            '--creator-id',
            'tiktok_creator_123',
            '--username',
            '@glowwithmia',
          )
        ).code,
      ).toBe(0);
      expect((await cli('code', 'add', '--influencer', mia, '--code', 'ABC12345')).code).toBe(0);
      expect((await cli('code', 'add', '--influencer', zed, '--code', 'ZX9Q77')).code).toBe(0);
    });
    afterAll(async () => target.cleanup());

    it('--json: one document with the counts, exit 0; --dry-run writes nothing', async () => {
      const dry = await cli(
        'backfill',
        'tiktok',
        '--merchant',
        merchant,
        ORDERS_CSV,
        AFFILIATE_CSV,
        '--dry-run',
        '--json',
      );
      expect(dry.code).toBe(0);
      expect(dry.json()).toMatchObject({ created: 4, dry_run: true });
      expect(await salesCount()).toBe(0);

      const first = await cli('backfill', 'tiktok', '--merchant', merchant, ORDERS_CSV, AFFILIATE_CSV, '--json');
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
      expect(first.json()).toEqual({
        rows: 9,
        orders: 6,
        created: 4,
        updated: 1,
        unchanged: 1,
        unattributed: 0,
        errors: [],
        dry_run: false,
      });
      expect(await salesCount()).toBe(4);
    });

    it('a re-run changes nothing, and says so in the human summary', async () => {
      const again = await cli('backfill', 'tiktok', '--merchant', merchant, AFFILIATE_CSV, ORDERS_CSV, '--json');
      expect(again.code).toBe(0);
      expect(again.json()).toMatchObject({ created: 0, updated: 0, unchanged: 6 });

      const human = await cli('backfill', 'tiktok', '--merchant', merchant, ORDERS_CSV);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain('5 orders: 0 created, 0 updated, 5 unchanged');
      expect(human.stderr).toBe('');
    });

    it('exits 1 with bad rows, listing them by file and line, and imports the rest', async () => {
      const { path, bad } = ordersWithBadRows();
      const r = await cli('backfill', 'tiktok', '--merchant', merchant, path, '--json');
      expect(r.code).toBe(1);
      const out = r.json();
      expect(out.errors.map((e: { file: string; line: number }) => [e.file, e.line])).toEqual(
        bad.map((b) => [path, b.line]),
      );
      expect(out).toMatchObject({ rows: 11, orders: 6, created: 1 });
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: 3 rows not imported/)]);
    });

    it('exits 1 on a file that is not a TikTok export, with nothing written', async () => {
      const before = await salesCount();
      const other = writeExport('not-an-export.csv', 'Date,Amount\r\n2026-10-01,10.00\r\n');
      const m2 = (await cli('merchant', 'add', '--name', 'Other', '--json')).json().id;
      const r = await cli('backfill', 'tiktok', '--merchant', m2, ORDERS_CSV, other, '--json');
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: .*not-an-export\.csv: not a TikTok export/);
      expect(await salesCount()).toBe(before);
    });

    it('exits 2 on usage errors, 1 on an unknown merchant', async () => {
      const noMerchant = await cli('backfill', 'tiktok', ORDERS_CSV, '--json');
      expect(noMerchant.code).toBe(2);
      expect(noMerchant.stderr).toMatch(/--merchant/);
      expect((await cli('backfill', 'tiktok', '--merchant', merchant)).code).toBe(2);
      expect((await cli('backfill', 'tiktok', '--merchant', merchant, '--date-format', 'iso', ORDERS_CSV)).code).toBe(
        2,
      );
      const unknown = await cli('backfill', 'tiktok', '--merchant', '00000000-0000-4000-8000-000000000000', ORDERS_CSV);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^error: no merchant/);
    });
  });
}
