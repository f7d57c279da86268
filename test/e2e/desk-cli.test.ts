import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';
import { daysAfter, insertSales } from '../helpers/sales-builder.js';

const T0 = new Date('2026-11-02T10:00:00.000Z');
const DEBTOR = {
  TRACKNOW_SEPA_DEBTOR_NAME: 'Tracknow GmbH',
  TRACKNOW_SEPA_DEBTOR_IBAN: 'DE02120300000000202051',
  TRACKNOW_SEPA_DEBTOR_BIC: 'BYLADEM1001',
};

for (const backend of BACKENDS) {
  describe(`the operator's desk on the CLI [${backend}]`, () => {
    let target: CliTarget;
    let mia: string;
    const cli = (args: string[]) => target.run(args, DEBTOR);

    beforeAll(async () => {
      target = await createCliTarget(backend);
      const merchant = (await cli(['merchant', 'add', '--name', 'Glow', '--currency', 'EUR', '--json'])).json();
      mia = (await cli(['influencer', 'add', '--name', 'Mia', '--paypal-email', 'mia@example.com', '--json'])).json()
        .id;
      await target.store().then((store) =>
        insertSales(
          store.db,
          [1, 2, 3, 4].map(() => ({ merchantId: merchant.id, influencerId: mia, orderedAt: T0, baseMinor: 10000n })),
        ),
      );
      expect((await cli(['validate', '--as-of', daysAfter(T0, 14).toISOString(), '--json'])).code).toBe(0);
    }, 240_000);
    afterAll(async () => target.cleanup());

    it('exits 2 on bad flag values, with one error line', async () => {
      for (const args of [
        ['payout', 'list', '--status', 'lost'],
        ['payout', 'return', '00000000-0000-4000-8000-000000000000'],
        ['payout', '--min-currency', 'JPY=0.5', '--dry-run'],
        ['payout', 'minimum', 'set', 'JPY', 'lots'],
        ['influencer', 'set', mia, '--iban', 'DE00'],
        ['influencer', 'set', mia, '--inactive', '--active'],
        ['statement', '--influencer', mia, '--month', '2026-13'],
        ['statement', '--influencer', mia, '--month', '2026-11', '--format', 'pdf'],
      ]) {
        const r = await cli([...args, '--json']);
        expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
        expect(r.stderr).toMatch(/^error: /);
      }
    }, 240_000);

    it('pays by PayPal, returns once (exit 1 the second time), lists and states it', async () => {
      const out = join(target.home, 'out');
      const run = (await cli(['payout', '--out', out, '--json'])).json();
      expect(run.payouts).toEqual([expect.objectContaining({ influencer_id: mia, amount: '60.00', method: 'paypal' })]);
      const batch = run.files.find((f: string) => f.endsWith('.paypal-EUR.csv'));
      expect(await readFile(batch, 'utf8')).toMatch(
        /^mia@example\.com,60\.00,EUR,TN[0-9A-F]{28},Commission payout TN[0-9A-F]{32},PAYPAL\r\n$/,
      );
      const id = run.payouts[0].id;
      const returned = await cli(['payout', 'return', id, '--reason', 'account closed', '--json']);
      expect(returned.code).toBe(0);
      const again = await cli(['payout', 'return', id, '--reason', 'account closed', '--json']);
      expect([again.code, again.stdout]).toEqual([1, '']);
      expect(again.stderr).toMatch(/^error: .*already returned/);
      const list = (await cli(['payout', 'list', '--status', 'returned', '--json'])).json();
      expect(list).toEqual([
        {
          id,
          influencer_id: mia,
          currency: 'EUR',
          amount: '60.00',
          method: 'paypal',
          status: 'returned',
          created_at: expect.any(String),
          returned_at: expect.any(String),
          reason: 'account closed',
        },
      ]);
      expect((await cli(['payout', 'show', id, '--json'])).json()).toMatchObject({ id, status: 'returned' });
      expect((await cli(['balance', '--influencer', mia, '--json'])).json()).toEqual([
        { influencer_id: mia, currency: 'EUR', pending: '0.00', available: '60.00', paid: '0.00' },
      ]);
      const month = new Date().toISOString().slice(0, 7);
      const statement = (await cli(['statement', '--influencer', mia, '--month', month, '--json'])).json();
      expect(statement.currencies).toEqual([
        {
          currency: 'EUR',
          opening: '0.00',
          credited: '60.00',
          reversed: '0.00',
          paid: '60.00',
          returned: '60.00',
          closing: '60.00',
        },
      ]);
      expect(statement.lines.map((l: { kind: string }) => l.kind)).toEqual([
        'credit',
        'credit',
        'credit',
        'credit',
        'payout',
        'return',
      ]);
      const html = await cli([
        'statement',
        '--influencer',
        mia,
        '--month',
        month,
        '--format',
        'html',
        '--out',
        join(target.home, 's.html'),
      ]);
      expect(html.code).toBe(0);
      expect(await readFile(join(target.home, 's.html'), 'utf8')).toContain('<td class="n">60.00</td>');
      const off = await cli(['influencer', 'set', mia, '--inactive', '--no-paypal-email', '--json']);
      expect(off.json()).toMatchObject({ id: mia, active: false, paypal_email: null });
    }, 240_000);
  });
}
