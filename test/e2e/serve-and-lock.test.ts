import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireStoreLock } from '../../src/store/store-lock.js';
import { createCliTarget, type CliTarget } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { post, tiktokSignature } from '../helpers/http.js';
import { spawnServe } from '../helpers/serve-process.js';

describe('the embedded store across processes', () => {
  let target: CliTarget;
  beforeAll(async () => {
    target = await createCliTarget('pglite');
  });
  afterAll(async () => target.cleanup());
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { ...target.env, ...env });

  it('makes a second process wait, then fail clearly, while the store is held', async () => {
    const claim = await acquireStoreLock(target.home, 0);
    expect(claim.kind).toBe('acquired');
    try {
      const blocked = await cli(['merchant', 'list'], { TRACKNOW_LOCK_TIMEOUT_MS: '300' });
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toMatch(/^error: the embedded store in .* is in use by process \d+/);
    } finally {
      if (claim.kind === 'acquired') await claim.lock.release();
    }
    expect((await cli(['merchant', 'list'])).code).toBe(0);
  });

  it('takes over a lock left by a crashed process', async () => {
    await writeFile(join(target.home, 'db.lock'), JSON.stringify({ pid: 2 ** 22 + 12345 }));
    const r = await cli(['merchant', 'list', '--json'], { TRACKNOW_LOCK_TIMEOUT_MS: '300' });
    expect(r.code).toBe(0);
  });

  it('keeps other commands working while serve holds the store, and stops cleanly on SIGTERM', async () => {
    const m = (
      await cli([
        'merchant',
        'add',
        '--name',
        'Glow',
        '--tiktok-app-key',
        'k1',
        '--tiktok-app-secret',
        'secret-for-serve-test',
        '--json',
      ])
    ).json();
    const serve = await spawnServe(target.env);
    try {
      // Two commands at once, through the shared socket, while webhooks arrive.
      const body = JSON.stringify({
        type: 'ORDER_STATUS_CHANGE',
        timestamp: 1760000000,
        data: { order_id: 'o-serve-1', order_status: 111, payment: { total_amount: 12550, currency: 'USD' } },
      });
      const [a, b, hook] = await Promise.all([
        cli(['influencer', 'add', '--name', 'While serving', '--json']),
        cli(['merchant', 'list', '--json']),
        post(`${serve.url}/api/webhook/tiktok/${m.id}`, body, {
          authorization: tiktokSignature(body, 'secret-for-serve-test', 'k1'),
        }),
      ]);
      expect([a.code, b.code, hook.status]).toEqual([0, 0, 200]);
      expect(b.json().map((x: { id: string }) => x.id)).toContain(m.id);
    } finally {
      const stopped = await serve.stop();
      expect(stopped.code).toBe(0);
      expect(stopped.stderr).not.toContain('secret-for-serve-test');
    }
    // Everything written through the socket and the listener is still there after serve exited.
    const influencers = (await cli(['influencer', 'list', '--json'])).json();
    expect(influencers.map((i: { name: string }) => i.name)).toContain('While serving');
  });
});
