import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';
import { daysAfter, insertSales } from '../helpers/sales-builder.js';

const T0 = new Date('2024-03-01T10:00:00.000Z');
const NO_DEBTOR = { TRACKNOW_SEPA_DEBTOR_NAME: '', TRACKNOW_SEPA_DEBTOR_IBAN: '', TRACKNOW_SEPA_DEBTOR_BIC: '' };
const DEBTOR = {
  TRACKNOW_SEPA_DEBTOR_NAME: 'Tracknow GmbH',
  TRACKNOW_SEPA_DEBTOR_IBAN: 'DE02120300000000202051',
  TRACKNOW_SEPA_DEBTOR_BIC: 'BYLADEM1001',
};

for (const backend of BACKENDS) {
  describe(`validate, payout, balance, sales and schedule on the CLI [${backend}]`, () => {
    let target: CliTarget;
    let influencerId: string;
    const cli = (args: string[], env: Record<string, string> = {}) => target.run(args, { ...NO_DEBTOR, ...env });
    const asOf = (days: number) => daysAfter(T0, days).toISOString();

    beforeAll(async () => {
      target = await createCliTarget(backend);
      const merchant = (await cli(['merchant', 'add', '--name', 'Glow', '--currency', 'EUR', '--json'])).json();
      influencerId = (
        await cli(['influencer', 'add', '--name', 'Mia Glow', '--iban', 'DE89370400440532013000', '--json'])
      ).json().id;
      // Sales as ingest leaves them: 4 × 100.00 EUR at 15 %, ordered at T0.
      await insertSales(
        (await target.store()).db,
        [1, 2, 3, 4].map(() => ({ merchantId: merchant.id, influencerId, orderedAt: T0, baseMinor: 10000n })),
      );
    });
    afterAll(async () => target.cleanup());

    it('validates on the 14th day, not the 13th, with exactly the contract JSON', async () => {
      const day13 = await cli(['validate', '--as-of', asOf(13), '--json']);
      expect(day13.code).toBe(0);
      expect(day13.json()).toStrictEqual({ validated: 0, cancelled: 0, credited: [], dry_run: false });
      const preview = await cli(['validate', '--as-of', asOf(14), '--dry-run', '--json']);
      expect(preview.json()).toStrictEqual({
        validated: 4,
        cancelled: 0,
        credited: [{ currency: 'EUR', amount: '60.00' }],
        dry_run: true,
      });
      const run = await cli(['validate', '--as-of', asOf(14), '--json']);
      expect({ code: run.code, json: run.json() }).toStrictEqual({
        code: 0,
        json: { ...preview.json(), dry_run: false },
      });
      expect((await cli(['validate', '--as-of', asOf(14)])).stdout).toMatch(/validated 0 sale/);
      const balance = await cli(['balance', '--influencer', influencerId, '--json']);
      expect(balance.json()).toStrictEqual([
        { influencer_id: influencerId, currency: 'EUR', pending: '0.00', available: '60.00', paid: '0.00' },
      ]);
      const sales = (await cli(['sales', 'list', '--status', 'validated', '--json'])).json();
      expect(sales).toHaveLength(4);
      expect(sales[0]).toMatchObject({
        influencer_id: influencerId,
        platform: 'shopify',
        attribution: 'promo_code',
        amount: '100.00',
        commission: '15.00',
        currency: 'EUR',
        status: 'validated',
      });
    });

    it('pays: a dry run, a refusal without the debtor, the run with files, then nothing', async () => {
      const out = join(target.home, 'out');
      const dry = await cli(['payout', '--dry-run', '--out', out, '--json']);
      expect(dry.code).toBe(0);
      expect(dry.json()).toMatchObject({
        payouts: [{ id: null, influencer_id: influencerId, currency: 'EUR', amount: '60.00', method: 'sepa' }],
        dry_run: true,
        files: [],
      });
      expect(dry.stderr).toMatch(/TRACKNOW_SEPA_DEBTOR_NAME/);
      expect((await cli(['payout', '--dry-run'])).stdout).toMatch(/total EUR 60\.00 in 1 payout/);

      const refused = await cli(['payout', '--out', out, '--json']);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(/^error: .*TRACKNOW_SEPA_DEBTOR_NAME and TRACKNOW_SEPA_DEBTOR_IBAN/);
      await expect(readdir(out)).rejects.toThrow();

      const paid = await cli(['payout', '--out', out, '--json'], DEBTOR);
      expect(paid.code).toBe(0);
      const doc = paid.json();
      expect(doc.payouts).toEqual([
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          influencer_id: influencerId,
          currency: 'EUR',
          amount: '60.00',
          method: 'sepa',
        },
      ]);
      expect((await readdir(out)).sort()).toEqual(doc.files.map((f: string) => f.slice(out.length + 1)).sort());
      expect(doc.files.some((f: string) => f.endsWith('.sepa.xml'))).toBe(true);

      const again = await cli(['payout', '--out', out, '--json'], DEBTOR);
      expect({ code: again.code, payouts: again.json().payouts }).toEqual({ code: 0, payouts: [] });
      expect((await cli(['balance', '--json'])).json()).toContainEqual({
        influencer_id: influencerId,
        currency: 'EUR',
        pending: '0.00',
        available: '0.00',
        paid: '60.00',
      });
    });

    it('exits 2 on usage errors', async () => {
      for (const args of [
        ['validate', '--as-of', 'yesterday'],
        ['payout', '--as-of', '2024-13-45'],
        ['payout', '--min-currency', 'EUR'],
        ['payout', '--min', '-5', '--dry-run'],
        ['payout', '--bogus'],
        ['sales', 'list', '--status', 'paid'],
        ['balance', '--influencer', 'not-an-id'],
        ['schedule', '--validate-cron', 'every day'],
      ]) {
        const r = await cli([...args, '--json']);
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.stdout).toBe('');
      }
    });

    it('schedule runs validate on its expression, logs JSON lines and stops on SIGTERM', async () => {
      await target.release(); // a real process: signals, and the store's lock
      const child = spawn(
        process.execPath,
        [BIN, 'schedule', '--validate-cron', '* * * * * *', '--payout-cron', '0 9 * * 5', '--json'],
        {
          env: { ...process.env, NO_COLOR: '1', ...target.env, ...NO_DEBTOR },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      const ran = new Promise<void>((resolve) =>
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          stderr += d;
          if (/"event":"run"/.test(stderr)) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await ran;
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const lines = stderr
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; job?: string; ok?: boolean });
      expect(lines[0]).toMatchObject({ event: 'started' });
      expect(lines.find((l) => l.event === 'run')).toMatchObject({ job: 'validate', ok: true });
      expect(lines.at(-1)).toMatchObject({ event: 'stopped' });
      expect(JSON.parse(stdout)).toMatchObject({ failures: 0 });
    }, 30_000);
  });
}
