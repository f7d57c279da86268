import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { runMigrations } from '../../src/services/migrations.js';
import { addInfluencer } from '../../src/services/records/influencers.js';
import { addEndpoint } from '../../src/services/notify/notify-endpoints.js';
import { deliverDue } from '../../src/services/notify/notify.js';
import { describeBackends } from '../helpers/db.js';
import { seedNotifications } from '../helpers/notify-outbox.js';
import { startReceiver } from '../helpers/receiver.js';
import { seedWorld } from '../helpers/world.js';

describeBackends('migration 0011 (jobs)', (t) => {
  it('moves queued work into jobs without losing any: pending outbox rows and deliveries are delivered, enrichment is queued', async () => {
    const receiver = await startReceiver();
    const world = await seedWorld(t().db);
    const influencer = await addInfluencer(t().db, { name: 'Before Jobs' });
    const endpoint = await addEndpoint(t().db, { url: receiver.url, influencerId: influencer.id });

    // Back to the schema before the job table, and queue work the old way.
    const executed = async (name: string) =>
      (await runMigrations(t().db, 'status')).status.find((m) => m.name === name)?.executed_at ?? null;
    while ((await executed('0011_jobs')) !== null) await runMigrations(t().db, 'down');
    const [fresh, planned] = await seedNotifications(t().db, influencer.id, 2);
    // One already fanned out, its delivery tried twice and leased by a runner that died.
    await sql`update notifications set fanned_out_at = now(), attempts = 2 where id = ${planned}`.execute(t().db);
    const deliveryId = randomUUID();
    await sql`insert into notification_deliveries (id, notification_id, channel, endpoint_id, attempts, last_error, next_attempt_at, give_up_at, claim_id)
      values (${deliveryId}, ${planned}, 'webhook', ${endpoint.id}, 2, 'HTTP 503', now() + interval '5 minutes', now() + interval '1 day', ${randomUUID()})`.execute(
      t().db,
    );
    const inboxId = randomUUID();
    await sql`insert into webhook_events (id, platform, merchant_id, dedupe_key, order_id, body, status, attempts, last_error, next_attempt_at)
      values (${inboxId}, 'tiktok', ${world.merchant.id}, ${`n-${inboxId}`}, '576461413038700001', '{}', 'enriching', 3, 'attempt 3: HTTP 500', now())`.execute(
      t().db,
    );

    expect((await runMigrations(t().db, 'latest')).applied).toEqual([
      '0011_jobs',
      '0012_tiktok_affiliate',
      '0013_backfill_files',
      '0014_fanout_per_statement',
      '0015_fanout_job_per_statement',
    ]);
    const jobs = await t().db.selectFrom('jobs').selectAll().orderBy('task').execute();
    expect(jobs.map((j) => [j.task, j.key, j.attempts])).toEqual([
      ['notify.fanout', `notify.fanout:${fresh}`, 0],
      ['notify.webhook', `notify.deliver:${deliveryId}`, 2],
      ['tiktok.enrich', `tiktok.enrich:${inboxId}`, 3],
    ]);
    expect(jobs.find((j) => j.task === 'notify.webhook')).toMatchObject({
      lane: endpoint.id,
      last_error: 'HTTP 503',
      status: 'pending',
    });
    expect(jobs.find((j) => j.task === 'tiktok.enrich')).toMatchObject({
      payload: { event_id: inboxId, merchant_id: world.merchant.id, order_id: '576461413038700001' },
    });

    // The leased delivery is due now (its runner is gone); the new outbox row fans out and goes too.
    const summary = await deliverDue(t().db, { timeoutMs: 5_000, concurrency: 2 });
    expect(summary).toMatchObject({ notifications: 1, delivered: 2, failed: 0 });
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([fresh, planned]));
    const statuses = await t()
      .db.selectFrom('notifications')
      .select(['id', 'status'])
      .where('id', 'in', [fresh!, planned!])
      .execute();
    expect(statuses.every((s) => s.status === 'delivered')).toBe(true);
    expect(
      await t()
        .db.selectFrom('notification_deliveries')
        .select(['attempts', 'status'])
        .where('id', '=', deliveryId)
        .executeTakeFirst(),
    ).toEqual({ attempts: 3, status: 'delivered' });
    await receiver.close();
  });
});
