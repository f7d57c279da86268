import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';

for (const backend of BACKENDS) {
  describe(`deal commands on ${backend}`, () => {
    let target: CliTarget;
    beforeAll(async () => {
      target = await createCliTarget(backend);
    });
    afterAll(async () => target.cleanup());
    const cli = (...args: string[]) => target.run(args);

    let merchant: { id: string };
    let influencer: { id: string };
    let deal: { id: string };

    it('adds, lists and ends deals with the --json shapes', async () => {
      merchant = (await cli('merchant', 'add', '--name', 'Glow', '--json')).json();
      influencer = (await cli('influencer', 'add', '--name', 'Mia', '--json')).json();
      const add = await cli(
        'deal',
        'add',
        '--merchant',
        merchant.id,
        '--influencer',
        influencer.id,
        '--rate',
        '20',
        '--tiers',
        '3:25',
        '--from',
        '2026-11-01T00:00:00Z',
        '--name',
        'Mia 20%',
        '--json',
      );
      expect(add.code, add.stderr).toBe(0);
      deal = add.json();
      expect(deal).toEqual({
        id: expect.any(String),
        merchant_id: merchant.id,
        influencer_id: influencer.id,
        code: null,
        product: null,
        rate: '20',
        fixed: null,
        currency: null,
        from: '2026-11-01T00:00:00.000Z',
        until: null,
        tiers: [{ sales: 3, rate: '25' }],
        name: 'Mia 20%',
        ended_at: null,
      });
      expect((await cli('deal', 'list', '--merchant', merchant.id, '--json')).json()).toEqual([deal]);
      const end = await cli('deal', 'end', deal.id, '--json');
      expect(end.code).toBe(0);
      expect(end.json()).toEqual({ ...deal, ended_at: expect.any(String) });
      const human = await cli('deal', 'list', '--all');
      expect(human.stdout).toContain('Mia 20%');
    }, 240_000);

    it('bad flags exit 2 with an error line; a deal ends once', async () => {
      for (const args of [
        ['deal', 'add', '--merchant', merchant.id],
        ['deal', 'add', '--merchant', merchant.id, '--rate', '10', '--tiers', '3:abc'],
        ['deal', 'end', deal.id, '--at', 'never'],
      ]) {
        const r = await cli(...args, '--json');
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^error: /);
      }
      const again = await cli('deal', 'end', deal.id);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already ended/);
    }, 240_000);
  });
}
