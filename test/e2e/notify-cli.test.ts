import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createCliTarget, type CliTarget } from '../helpers/db.js';
import { post, tiktokSignature } from '../helpers/http.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { spawnServe } from '../helpers/serve-process.js';

for (const backend of BACKENDS) {
  describe(`endpoint and notify commands on ${backend}`, () => {
    let target: CliTarget;
    let receiver: Receiver;
    beforeAll(async () => {
      target = await createCliTarget(backend);
      receiver = await startReceiver((n) => (n === 0 ? 503 : 200));
    });
    afterAll(async () => {
      await receiver.close();
      await target.cleanup();
    });
    const cli = (...args: string[]) => target.run(args);

    it('prints the secret in full once, at `endpoint add`, and masks it after', async () => {
      const added = await cli(
        'endpoint',
        'add',
        '--url',
        receiver.url,
        '--events',
        'sale.created,payout.created',
        '--json',
      );
      expect(added.code, added.stderr).toBe(0);
      const endpoint = added.json();
      expect(endpoint).toMatchObject({ url: receiver.url, events: ['sale.created', 'payout.created'] });
      expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
      const last4 = endpoint.secret.slice(-4);

      const listed = await cli('endpoint', 'list', '--json');
      expect(listed.json()).toEqual([
        expect.objectContaining({
          id: endpoint.id,
          secret: `****${last4}`,
          events: ['sale.created', 'payout.created'],
        }),
      ]);
      const human = await cli('endpoint', 'list');
      expect(human.stdout).toContain(endpoint.id);
      expect(human.stdout + listed.stdout + listed.stderr + human.stderr).not.toContain(endpoint.secret);
      expect(human.stdout).toContain(`****${last4}`);

      const humanAdd = await cli('endpoint', 'add', '--url', 'https://hooks.example.com/x');
      expect(humanAdd.code).toBe(0);
      expect(humanAdd.stdout).toMatch(/secret\s+whsec_\S+/);
      const other = /created endpoint (\S+)/.exec(humanAdd.stdout)![1]!;
      const removed = await cli('endpoint', 'remove', other, '--json');
      expect(removed.json()).toMatchObject({ id: other, removed: true });
      expect((await cli('endpoint', 'list', '--json')).json()).toHaveLength(1);
    });

    it('refuses non-http URLs, unknown events and missing flags', async () => {
      const ftp = await cli('endpoint', 'add', '--url', 'ftp://example.com/hook');
      expect([ftp.code, ftp.stdout]).toEqual([2, '']);
      expect(ftp.stderr).toMatch(
        /^error: option '--url <url>' argument 'ftp:\/\/example\.com\/hook' is invalid\. only http\(s\) URLs are accepted/,
      );
      expect((await cli('endpoint', 'add', '--url', 'https://x.example', '--events', 'sale.exploded')).code).toBe(2);
      expect((await cli('endpoint', 'add', '--json')).code).toBe(2);
      expect((await cli('endpoint', 'remove', '00000000-0000-4000-8000-000000000000')).code).toBe(1);
      expect((await cli('notify', 'list', '--status', 'lost')).code).toBe(2);
      const retry = await cli('notify', 'retry', '00000000-0000-4000-8000-000000000000');
      expect(retry.code).toBe(1);
      expect(retry.stderr).toMatch(/^error: no notification 00000000-0000-4000-8000-000000000000/);
    });

    it('`notify` exits 0 with counts when nothing is due', async () => {
      const r = await cli('notify', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(r.json()).toEqual({ notifications: 0, attempted: 0, delivered: 0, retrying: 0, failed: 0, deferred: 0 });
      expect((await cli('notify')).stdout).toContain('nothing to deliver');
    });

    it('`serve` delivers in the background; `notify list` shows attempts and errors', async () => {
      const m = (
        await cli(
          'merchant',
          'add',
          '--name',
          'Glow',
          '--tiktok-app-key',
          'k1',
          '--tiktok-app-secret',
          'secret-for-notify',
          '--json',
        )
      ).json();
      const inf = (await cli('influencer', 'add', '--name', 'Mia', '--json')).json();
      expect((await cli('link-creator', '--influencer', inf.id, '--creator-id', 'creator-n1')).code).toBe(0);
      const secret = (await cli('endpoint', 'list', '--json')).json()[0].secret as string;
      expect(secret.startsWith('****')).toBe(true);
      await target.release(); // the spawned listener takes the store
      const serve = await spawnServe({ ...target.env, TRACKNOW_NOTIFY_INTERVAL_MS: '200' });
      try {
        // The simple shape: 12550 minor units at 15 %, attributed by creator id.
        const body = JSON.stringify({
          type: 'ORDER_STATUS_CHANGE',
          timestamp: 1760000000,
          data: {
            order_id: 'o-notify-1',
            order_status: 111,
            payment: { total_amount: 12550, currency: 'USD' },
            creator_info: { creator_id: 'creator-n1' },
          },
        });
        const reply = await post(`${serve.url}/api/webhook/tiktok/${m.id}`, body, {
          authorization: tiktokSignature(body, 'secret-for-notify', 'k1'),
        });
        expect(reply.json()).toMatchObject({ code: 0, data: { commission: 18.83 } });
        // The first answer is a 503: the row waits for its retry, visible in `notify list`.
        await receiver.waitFor(1);
      } finally {
        expect((await serve.stop()).code).toBe(0);
      }
      const first = receiver.requests[0]!;
      expect(JSON.parse(first.body)).toMatchObject({
        type: 'sale.created',
        data: { order_id: 'o-notify-1', commission: '18.83', currency: 'USD', merchant_name: 'Glow' },
      });
      const listed = await cli('notify', 'list', '--status', 'pending', '--json');
      expect(listed.code).toBe(0);
      const [row] = listed.json();
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['id', 'event', 'status', 'attempts', 'last_error', 'next_attempt_at']),
      );
      expect(row).toMatchObject({
        id: first.headers['webhook-id'],
        event: 'sale.created',
        status: 'pending',
        attempts: 1,
        last_error: 'HTTP 503',
      });
      expect(Date.parse(row.next_attempt_at)).toBeGreaterThan(Date.now());
      expect((await cli('notify', '--json')).json()).toMatchObject({ attempted: 0 }); // not due yet
      expect((await cli('notify', 'list', '--status', 'failed', '--json')).json()).toEqual([]);
      expect(() =>
        new Webhook('whsec_' + Buffer.alloc(32).toString('base64')).verify(
          first.body,
          first.headers as Record<string, string>,
        ),
      ).toThrow();
    });
  });
}
